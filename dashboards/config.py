"""Where things live: the repository's folders and the database address."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"
BOUNDARIES_DIR = ROOT / "data" / "boundaries"
STATIC_DIR = ROOT / "static"
DEFAULT_DB_PATH = ROOT / "var" / "dashboard.sqlite"


def database_url() -> str:
    """The SQLAlchemy URL: DATABASE_URL if set, else DASHBOARD_DB (a SQLite file path), else var/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Hosted PostgreSQL often hands out postgres:// URLs; SQLAlchemy wants a driver name.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    path = Path(os.environ.get("DASHBOARD_DB", "").strip() or DEFAULT_DB_PATH)
    return f"sqlite:///{path}"


def seeds_dir() -> Path:
    """The seed tables loaded into a new database: DASHBOARD_SEEDS if set, else seeds/."""
    return Path(os.environ.get("DASHBOARD_SEEDS", "").strip() or SEEDS_DIR)


def boundaries_dir() -> Path:
    """The boundary files: DASHBOARD_BOUNDARIES if set (the benchmark uses full-resolution ones), else data/."""
    return Path(os.environ.get("DASHBOARD_BOUNDARIES", "").strip() or BOUNDARIES_DIR)


def redacted(url: str) -> str:
    """The database URL without its user, password or query (which can carry a password), for messages."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    rest = rest.split("?", 1)[0]
    if "@" in rest:  # the last @: an unencoded @ in a password must not leave part of it behind
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}://{rest}"


def cannot_open(url: str) -> str:
    """The sentence for a database that cannot be opened (the app and the command line say the same)."""
    return (f"The database at {redacted(url)} cannot be opened. Check DATABASE_URL or DASHBOARD_DB (the folder "
            "of a SQLite file must exist) and that the server is running")

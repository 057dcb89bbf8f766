"""Load the curated seed tables into a new database through the upload code path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import seeds_dir as default_seeds_dir
from .ingest import UnreadableFile, read_csv
from .problems import errors
from .schema import CONTROL, FIGURES, Table
from .store import Store, VersionInfo
from .validate import validate

SEED_FILES: dict[str, Table] = {"figures.csv": FIGURES, "control.csv": CONTROL}


class SeedError(RuntimeError):
    """A seed file is malformed; the message names the file, row and column."""


def read_seed(path: Path, table: Table) -> pd.DataFrame:
    """Parse and validate one seed file; any error is fatal, with every problem listed."""
    try:
        result = validate(read_csv(path.read_bytes(), table))
    except UnreadableFile as exc:
        raise SeedError(f"{path.name}: {exc}") from exc
    problems = errors(result.problems)
    if problems:
        raise SeedError(f"{path.name} has {len(problems)} problem(s):\n" + "\n".join(f"{path.name}: {p}" for p in problems))
    return result.frame


def ensure_seeded(store: Store, seeds_dir: Path | None = None) -> VersionInfo | None:
    """Create the schema and, if the database has no version yet, load the seeds as version 1."""
    seeds_dir = Path(seeds_dir or default_seeds_dir())
    store.create()
    if not store.is_empty():
        return None
    tables = {table: read_seed(seeds_dir / name, table) for name, table in SEED_FILES.items()}
    data = b"".join((seeds_dir / name).read_bytes() for name in SEED_FILES)
    return store.seed_if_empty(tables, data=data)

"""What every page needs: the store, the boundaries and the tables of the current version, cached."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ..config import database_url
from ..geo import Boundaries, load_boundaries
from ..schema import CONTROL, FIGURES
from ..seeds import SeedError, ensure_seeded
from ..store import Store


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    store = Store(url)
    ensure_seeded(store)
    return store


@st.cache_resource(show_spinner=False)
def get_boundaries() -> Boundaries:
    return load_boundaries()


@st.cache_resource(show_spinner=False, max_entries=8)
def tables(url: str, version: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Versions are immutable, so (database, version) is a safe cache key. Shared, not copied,
    # per rerun: callers only read these frames.
    store = get_store(url)
    return store.read(FIGURES, version), store.read(CONTROL, version)


@dataclass(frozen=True)
class Snapshot:
    """The data on screen: a version and its two tables."""

    version: int | None
    figures: pd.DataFrame
    control: pd.DataFrame


def snapshot(version: int | None = None) -> Snapshot:
    """A version's tables (the current one by default); stops the page with a clear message on database failure."""
    url = database_url()
    try:
        store = get_store(url)
        version = version or store.current_version()
    except SeedError as exc:
        st.error(f"The seed data could not be loaded, so the database was not created.\n\n```\n{exc}\n```")
        st.stop()
    except Exception as exc:  # noqa: BLE001 - any database failure gets a sentence, not a traceback
        st.error(
            f"The database at {_redacted(url)} cannot be opened ({type(exc).__name__}). "
            "Check DATABASE_URL or DASHBOARD_DB and that the server is running."
        )
        st.stop()
    figures, control = tables(url, version)
    return Snapshot(version, figures, control)


def _redacted(url: str) -> str:
    # Never show a password from the database URL.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url

"""What every page needs: the store, the boundaries and the tables of the current version, cached."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ..config import cannot_open, database_url
from ..geo import Boundaries, load_boundaries
from .. import viewmodel as vm
from ..imports import KINDS
from ..imports import export as export_version
from ..imports import revert_preview as preview_revert
from ..schema import CONTROL, FIGURES
from ..seeds import SeedError, ensure_seeded
from ..store import Preview, SchemaMismatch, Store


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


@st.cache_resource(show_spinner=False, max_entries=8)
def date_span(url: str, version: int | None):
    """A version's earliest and latest date (immutable, so cached by its id), or None without data."""
    return vm.date_range(*tables(url, version))


@st.cache_resource(show_spinner=False, max_entries=8)
def changes(url: str, kind: str, before: int, after: int) -> pd.DataFrame:
    """What differs between two versions (immutable, so cached by their ids; callers only read it)."""
    return get_store(url).changes(KINDS[kind], before, after)


@st.cache_resource(show_spinner=False, max_entries=8)
def revert_preview(url: str, version: int, current: int) -> dict[str, Preview]:
    """What reverting from the current version to an earlier one would change per table (cached by both ids:
    every click on the History page reruns it, and at 300,000 rows it takes seconds)."""
    return preview_revert(get_store(url), version)


@st.cache_resource(show_spinner=False, max_entries=4)
def export(url: str, kind: str, version: int, hxl: bool) -> bytes:
    """A version's table as CSV bytes: a big table takes seconds to write, and every rerun offers it."""
    return export_version(get_store(url), kind, version=version, hxl=hxl)


@dataclass(frozen=True)
class Snapshot:
    """The data on screen: a version, its two tables and their date range (None without data)."""

    version: int | None
    figures: pd.DataFrame
    control: pd.DataFrame
    span: tuple | None


def open_store() -> Store:
    """The store (seeded if new); stops the page with a clear message when the database cannot be opened."""
    url = database_url()
    try:
        store = get_store(url)
        store.current_version()  # reaches the database: a server that went away since is found here
        return store
    except SeedError as exc:
        st.error(f"The seed data could not be loaded, so the database was not created.\n\n```\n{exc}\n```")
        st.stop()
    except SchemaMismatch as exc:
        st.error(str(exc))
        st.stop()
    except Exception as exc:  # noqa: BLE001 - any database failure gets a sentence, not a traceback
        st.error(f"{cannot_open(url)} ({type(exc).__name__}).")
        st.stop()


def snapshot(version: int | None = None) -> Snapshot:
    """A version's tables (the current one by default); stops the page with a clear message on database failure."""
    store = open_store()
    version = version or store.current_version()
    figures, control = tables(store.url, version)
    return Snapshot(version, figures, control, date_span(store.url, version))

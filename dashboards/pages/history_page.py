"""History: every version, what changed between two, downloads of any version, and revert."""

from __future__ import annotations

import streamlit as st

from .. import imports
from ..builders import tables
from ..builders import text as t
from .editor import signed_in
from . import state
from .state import open_store


def render() -> None:
    st.title("History")  # the page's name in the navigation (app.py)
    if "reverted" in st.session_state:  # said once, after the rerun that shows the new version
        st.success(st.session_state.pop("reverted"))
    store = open_store()
    versions = store.version_list()
    st.caption("Every upload, replace and revert is a version. Versions are never changed or deleted.")
    st.dataframe(
        tables.versions_display(versions), hide_index=True, width="stretch", key="versions_table",
        column_config={column: st.column_config.Column(label) for column, label in tables.VERSION_COLUMNS.items()},
    )
    ids = list(versions["id"])
    if not ids:
        return
    # The choosers are new widgets whenever a version is added: after a revert they show the newest
    # versions again, never a choice left over from before (which the browser would keep showing).
    newest = ids[0]

    st.subheader("What changed between two versions")
    c1, c2, c3 = st.columns(3)
    before = c1.selectbox("From version", ids, index=min(1, len(ids) - 1), key=f"diff_before_{newest}")
    after = c2.selectbox("To version", ids, index=0, key=f"diff_after_{newest}")
    kind = c3.radio("Table", list(imports.KINDS), horizontal=True, key="diff_kind")
    changes = state.changes(store.url, kind, int(before), int(after))
    counts = changes["change"].value_counts() if len(changes) else {}
    parts = [f"{counts[c]} {c}" for c in ("added", "changed", "removed") if c in counts and counts[c]]
    st.caption(f"{len(changes)} row(s) differ" + (f": {', '.join(parts)}." if parts else ".")
               + " A changed row shows its values before and after.")
    st.dataframe(tables.readable(changes), hide_index=True, width="stretch", key="changes_table")

    st.subheader("Download a version")
    d1, d2 = st.columns(2)
    version = d1.selectbox("Version", ids, key=f"download_version_{newest}")
    which = d2.radio("Table", list(imports.KINDS), horizontal=True, key="download_kind")
    b1, b2 = st.columns(2)
    b1.download_button("CSV", state.export(store.url, which, int(version), False),
                       file_name=f"{which}-v{version}.csv", mime="text/csv", key="dl_csv")
    b2.download_button("HXL CSV", state.export(store.url, which, int(version), True),
                       file_name=f"{which}-v{version}-hxl.csv", mime="text/csv", key="dl_hxl")

    st.subheader("Revert")
    if not signed_in():
        return
    if len(ids) < 2:
        st.caption("There is only one version: nothing to revert to.")
        return
    target = int(st.selectbox("Make the data as it was in version", ids[1:], key=f"revert_to_{newest}"))
    # A revert sets both tables, whichever one the versions in between changed: say what it does to each.
    previews = state.revert_preview(store.url, target, int(newest))
    if not any(p.added or p.changed or p.removed for p in previews.values()):
        st.info(f"Version {target} holds the same data as the current version {newest}: there is nothing to revert.")
        return
    st.warning(
        f"Reverting sets both tables to version {target}. "
        + " ".join(f"{imports.KINDS[kind].title}: {t.change_counts(p)}." for kind, p in previews.items())
        + f" This makes a new version; version {newest} stays in the history, and reverting to it undoes this."
    )
    removed = sum(p.removed for p in previews.values())
    confirmed = st.checkbox(f"I understand {removed:,} row(s) will be removed" if removed
                            else f"I understand both tables become as in version {target}",
                            key=f"revert_confirm_{newest}_{target}")
    if st.button(f"Revert to version {target} (creates a new version)", key=f"revert_{newest}",
                 disabled=not confirmed):
        try:
            info = store.revert(target, editor="editor (web)")
        except ValueError as exc:  # the same data as now (another editor reverted meanwhile): no empty version
            st.warning(str(exc))
            return
        st.session_state["reverted"] = f"Version {info.id} created: the data is now as in version {target}."
        st.rerun()

"""Upload: an editor checks a file, sees every problem and the change it makes, then confirms."""

from __future__ import annotations

import hashlib
import logging
import time

import pandas as pd
import streamlit as st

from .. import imports
from ..builders import tables
from ..builders import text as t
from ..ingest import GIVEN_WITH_THE_FILE, Options, UnreadableFile
from ..schema import MEASURES, POPULATION_TYPES
from . import figures_page
from .editor import signed_in
from .state import get_boundaries, open_store

LOG = logging.getLogger(__name__)
FAULT = ("This file could not be {what} because of a fault in the dashboard or its database, not in your file. "
         "Nothing was stored: the current version is as it was. Please send the file to whoever runs this "
         "dashboard; the server's log has the details.")

# The form's field names, as the messages about missing columns name them.
FIELD = {column: label for column, (label, _option) in GIVEN_WITH_THE_FILE.items()}
WRAPPED_PROBLEMS = 50  # up to this many problems are shown whole; more go in a scrolling grid
KIND_LABELS = {kind: table.title for kind, table in imports.KINDS.items()}


def _progress_to(bar, name: str) -> imports.Progress:
    """A progress callback that moves a Streamlit progress bar, saying which step runs."""
    def report(done: float, what: str) -> None:
        bar.progress(min(max(done, 0.0), 1.0), text=f"{t.md(name)}: {what}" + ("" if done >= 1.0 else "…"))
    return report


def _options() -> Options:
    with st.expander("For files that do not say it themselves (UNHCR portal series, DTM, HAPI, UNHCR statistics)"):
        c1, c2, c3, c4 = st.columns(4)
        country = c1.text_input(f"{FIELD['destination_country']} (ISO3 or name)", key="opt_country")
        population = c2.selectbox(FIELD["population_type"], ["", *POPULATION_TYPES], key="opt_population",
                                  format_func=lambda v: t.population(v) if v else "(from the file)")
        measure = c3.selectbox(FIELD["measure"], ["", *MEASURES], key="opt_measure",
                               format_func=lambda v: v or "(from the file)")
        since = c4.text_input(f"{FIELD['period_start']} (flows, YYYY-MM-DD)", key="opt_since")
        s1, s2, s3 = st.columns(3)
        org = s1.text_input(FIELD["source_org"], key="opt_org")
        title = s2.text_input(FIELD["source_title"], key="opt_title")
        url = s3.text_input(FIELD["source_url"], key="opt_url")
    return Options(country or None, population or None, measure or None, since or None, org or None,
                   title or None, url or None)


def markdown_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text shown exactly as written in st.table, which would render it as Markdown."""
    return frame.apply(lambda column: column.map(t.md))


def _show_check(checked: imports.Checked) -> None:
    st.subheader("What was understood")
    # st.table renders Markdown in its cells: what comes from the file is escaped (markdown_cells).
    st.table(markdown_cells(pd.DataFrame(checked.summary().items(), columns=["In the file", "Found"]))
             .set_index("In the file"))
    renamed = {k: v for k, v in checked.parsed.column_map.items() if k != v}
    if renamed:
        st.caption("Columns read under another name: " + t.md("; ".join(f"{k} → {v}" for k, v in renamed.items())))
    for note in checked.parsed.notes:
        st.caption(t.md(note))

    problems = checked.validated.problems
    if problems:
        st.subheader(f"Problems: {len(checked.errors)} error(s), {len(checked.warnings)} warning(s)")
        table = tables.problems_display([p.as_dict() for p in problems])
        if len(table) <= WRAPPED_PROBLEMS:
            # A static table wraps every message whole, on a phone too; a grid would cut them off.
            st.table(markdown_cells(table).set_index("severity"))
        else:
            st.caption("Point at a cell to read it whole, or download the problems below.")
            st.dataframe(table, hide_index=True, width="stretch", key="problems_table",
                         column_config={"message": st.column_config.TextColumn(width="large"),
                                        "value": st.column_config.TextColumn(width="medium")})
        c1, c2 = st.columns(2)
        c1.download_button("Download the problems (CSV)", imports.problems_csv(checked),
                           file_name="problems.csv", mime="text/csv")
        if checked.errors:
            c2.download_button("Download the skipped rows with their problems (CSV)", imports.skipped_rows_csv(checked),
                               file_name="skipped-rows.csv", mime="text/csv")
    else:
        st.success("No problems found.")

    if checked.preview is not None:
        st.subheader("What the import would change")
        p = checked.preview
        c = st.columns(4)
        c[0].metric("Added", f"{p.added:,}")
        c[1].metric("Changed", f"{p.changed:,}")
        c[2].metric("Unchanged", f"{p.unchanged:,}")
        c[3].metric("Removed (replace only)", f"{p.removed:,}")
    if len(checked.new_latest):
        st.caption("After the import, the latest figure of each series this file has rows for:")
        st.dataframe(
            tables.figures_display(checked.new_latest, get_boundaries().country_names()),
            hide_index=True, width="stretch", key="latest_table",
            column_config=figures_page.column_config(),
            row_height=tables.FIGURES_ROW_HEIGHT,  # wrapped whole, as on the Figures page
        )


def render() -> None:
    st.title("Upload data")
    if not signed_in():
        return
    store = open_store()
    st.markdown(
        "Drop a CSV as UNHCR, IOM DTM or HDX publish it, or the project's template. Nothing changes until you "
        "confirm. **Merge** (the default): rows with the same series, as-of date and source replace the stored "
        "ones; all other stored rows stay. **Replace everything**: the table becomes exactly this file (a full "
        "refresh). Either way a new version is created and every earlier version stays on the History page."
    )
    kind = st.radio("The file holds", list(KIND_LABELS), format_func=KIND_LABELS.get, horizontal=True, key="kind")
    st.download_button(f"Download the template for {KIND_LABELS[kind].lower()}", imports.template(kind),
                       file_name=f"template-{kind}.csv", mime="text/csv")
    options = _options()
    upload = st.file_uploader("CSV file", type=["csv", "txt"], key="upload")
    if upload is None:
        if "imported" in st.session_state:
            st.success(st.session_state["imported"])
        return
    data = upload.getvalue()
    mode_slot = st.empty()  # emptied when the file cannot be read: there is nothing to choose a mode for
    mode = mode_slot.radio("Import mode", ["merge", "replace"], horizontal=True, key="mode",
                           format_func={"merge": "Merge with the current data", "replace": "Replace everything"}.get)
    fingerprint = hashlib.sha256(data + repr((kind, options, mode)).encode()).hexdigest()
    if st.session_state.get("checked_key") != fingerprint:
        bar = st.progress(0.0, text=f"{upload.name}: starting")
        started = time.perf_counter()
        try:
            checked = imports.check(data, kind, store=store, options=options, file_name=upload.name, mode=mode,
                                    progress=_progress_to(bar, upload.name))
        except UnreadableFile as exc:
            bar.empty()
            mode_slot.empty()
            st.error(t.md(exc))
            return
        except Exception:  # a fault of ours, not of the file: a sentence for the editor, the details in the log
            LOG.exception("checking %r failed", upload.name)
            bar.empty()
            st.error(FAULT.format(what="checked"))
            return
        bar.progress(1.0, text=f"{t.md(upload.name)}: checked {imports.rows(checked.parsed.rows_read)} in "
                               f"{time.perf_counter() - started:.1f} s")
        st.session_state["checked"] = checked
        st.session_state["checked_key"] = fingerprint
    checked = st.session_state["checked"]
    if st.session_state.get("imported_key") == fingerprint:
        # This very file was just imported: say so on every rerun; the check below now finds nothing new.
        st.success(st.session_state["imported"])
    _show_check(checked)

    valid_only = False
    # Keyed by the check: a new file, mode or option starts again with the box unticked.
    if imports.can_skip_rows(checked, mode=mode):
        valid_only = st.checkbox(f"Import only the {len(checked.validated.frame):,} valid rows (the others are skipped)",
                                 key=f"valid_only_{fingerprint[:16]}")
    refused = imports.refusal(checked, mode=mode, valid_rows_only=valid_only)
    confirmed = True
    if refused:  # why the button is off (with only valid rows ticked too: after importing them, nothing is left)
        st.warning(refused)
    elif mode == "replace" and checked.preview is not None and checked.preview.removed:
        # Rows removed by a full refresh are easy to miss in a number beside a button: say it, and ask.
        other = next(table.title for table in imports.KINDS.values() if table is not checked.table)
        st.warning(f"Replace everything changes the {checked.table.title.lower()}: {t.change_counts(checked.preview)} "
                   f"(every stored row that is not in this file goes). The {other.lower()} stay as they are. The "
                   "current version stays on the History page, and reverting to it undoes this.")
        confirmed = st.checkbox(f"I understand {checked.preview.removed:,} row(s) will be removed",
                                key=f"replace_confirm_{fingerprint[:16]}")
    note = st.text_input("Note kept with this version (optional)", key="note")
    if st.button("Import as a new version", type="primary", disabled=refused is not None or not confirmed,
                 key=f"import_{fingerprint[:16]}"):
        bar = st.progress(0.0, text="Storing")
        try:
            info = imports.apply(checked, store, mode=mode, valid_rows_only=valid_only, editor="editor (web)",
                                 note=note or None, progress=_progress_to(bar, upload.name))
        except imports.ImportRefused as exc:
            st.error(t.md(exc))
            return
        except Exception:  # the database refused the write (read-only, full, connection lost): rolled back
            LOG.exception("importing %r failed", upload.name)
            bar.empty()
            st.error(FAULT.format(what="stored"))
            return
        st.session_state.pop("checked_key", None)
        st.session_state["imported_key"] = fingerprint
        st.session_state["imported"] = (
            f"Version {info.id} created: {info.added:,} added, {info.changed:,} changed, "
            f"{info.unchanged:,} unchanged, {info.removed:,} removed. The map shows it now."
        )
        # Checked again against the new version: the page then says so, with what importing the file once more
        # would change (nothing), rather than the change just made as if it were still to do.
        st.rerun()

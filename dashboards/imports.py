"""Checking and importing a file: the one code path behind the Upload page and the command line.

check() reads and validates a file against the stored data and previews what an
import would change, writing nothing. apply() turns a check into a new version.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from .builders.tables import to_csv_bytes
from .ingest import ROW, Options, Parsed, read_csv
from .problems import errors
from .schema import CONTROL, FIGURE_SERIES, FIGURES, TEMPLATE_EXAMPLES, Table
from .store import Mode, Preview, Store, Unchanged, VersionInfo
from .validate import Validated, option_problems, validate
from .viewmodel import latest_per_series

KINDS: dict[str, Table] = {"figures": FIGURES, "control": CONTROL}


# Told how far a long step has got: (share done from 0 to 1, what is happening, in words).
Progress = Callable[[float, str], None]


def _silent(done: float, what: str) -> None:
    pass


def rows(count: int) -> str:
    """'1 row', '42,000 rows'."""
    return f"{count:,} row" + ("" if count == 1 else "s")


class ImportRefused(ValueError):
    """The import cannot go ahead as asked; the message says why and what to do."""


class NothingToImport(ImportRefused):
    """The file holds only rows already in the current data: a new version would change nothing."""


@dataclass
class Checked:
    """A file read, validated against the current data, and the change it would make."""

    table: Table
    file_name: str | None
    data: bytes
    parsed: Parsed
    validated: Validated
    preview: Preview | None
    new_latest: pd.DataFrame  # figures: each touched series' latest figure after the import

    @property
    def errors(self):
        return errors(self.validated.problems)

    @property
    def warnings(self):
        return [p for p in self.validated.problems if p.severity == "warning"]

    @property
    def rows_in_error(self) -> int:
        """File rows that will not be imported: rows with errors, and rows that could not be split into cells."""
        rejected = self.validated.rejected
        in_error = set(rejected[ROW]) if rejected is not None and ROW in rejected else set()
        header_rows = self.parsed.header_rows  # a problem in the header is about columns, not a row of data
        return len(in_error | {p.row for p in errors(self.parsed.problems) if p.row is not None and p.row > header_rows})

    def summary(self) -> dict[str, str]:
        """What was understood, in words, for the editor to confirm."""
        frame = self.validated.frame
        date_col = "as_of" if self.table is FIGURES else "date"
        out = {
            "Format": self.parsed.format,
            "Rows read": f"{self.parsed.rows_read:,}",
            # One file row can give several figures (UNHCR's one column per population type).
            ("Valid figures" if self.table is FIGURES else "Valid events"): f"{len(frame):,}",
            "Rows with errors": f"{self.rows_in_error:,}",
        }
        if len(frame):
            out["Dates"] = f"{frame[date_col].min().date()} to {frame[date_col].max().date()}"
        if self.table is FIGURES and len(frame):
            out["Countries"] = ", ".join(sorted(set(frame["destination_country"].dropna())))
            provinces = sorted(set(frame["destination_admin1"].dropna()))
            if provinces:
                out["Provinces"] = ", ".join(provinces)
        if self.table is CONTROL and len(frame):
            names = sorted(set(frame["locality"].dropna()))
            out["Localities"] = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
        return out


def check(
    data: bytes,
    kind: str,
    *,
    store: Store | None = None,
    options: Options | None = None,
    file_name: str | None = None,
    mode: Mode = "merge",
    today: date | None = None,
    progress: Progress = _silent,
) -> Checked:
    """Read, validate and preview a file. Raises ingest.UnreadableFile for a file that cannot be read at all.

    progress hears of each step (shares are rough: reading and checking take most of the time).
    """
    table = KINDS[kind]
    progress(0.0, f"Reading {len(data) / 1e6:.1f} MB")
    options = options or Options()
    given_wrong = option_problems(table, options)
    # A wrong value is said once, for the option, and not spread into every row it would have filled.
    parsed = read_csv(data, table, replace(options, **{p.column: None for p in given_wrong}))
    parsed.problems += given_wrong
    progress(0.3, f"Checking {rows(len(parsed.frame))}")
    current = store.read(table) if store is not None else None
    validated = validate(parsed, today=today, current=current)
    progress(0.7, f"Comparing {rows(len(validated.frame))} with the stored data")
    preview = store.preview(table, validated.frame, mode=mode) if store is not None else None
    new_latest = pd.DataFrame()
    if table is FIGURES and len(validated.frame):
        merged = pd.concat([current, validated.frame], ignore_index=True) if current is not None else validated.frame
        touched = validated.frame[list(FIGURE_SERIES)].drop_duplicates()
        new_latest = latest_per_series(merged).merge(touched, on=list(FIGURE_SERIES))
    progress(1.0, f"Checked {rows(parsed.rows_read)}")
    return Checked(table, file_name, data, parsed, validated, preview, new_latest)


def changes_nothing(checked: Checked) -> bool:
    """Whether importing the valid rows would leave the current data exactly as it is."""
    preview = checked.preview
    return preview is not None and not (preview.added or preview.changed or preview.removed)


def can_skip_rows(checked: Checked, *, mode: Mode) -> bool:
    """Whether importing only the valid rows is an option: some rows have errors, others are fine, and it is a merge."""
    return bool(checked.errors) and mode == "merge" and not checked.validated.frame.empty


def refusal(checked: Checked, *, mode: Mode, valid_rows_only: bool = False) -> str | None:
    """Why apply() would refuse this import, in words for the editor; None when it can go ahead."""
    if checked.errors and mode == "replace":
        return ("'Replace everything' needs a file without errors: a full refresh must be complete. Fix the file, "
                "or merge it to import only its valid rows.")
    if checked.validated.frame.empty:
        return "No valid rows to import" + (": fix the problems and check the file again." if checked.errors else ".")
    if checked.errors and not valid_rows_only:
        return (f"The file has {len(checked.errors)} problem(s) that block rows: fix them and check again, "
                "or import only the valid rows.")
    if changes_nothing(checked):
        return NOTHING
    return None


NOTHING = ("Nothing to import: every row to import is already in the current data, so a new version "
           "would change nothing.")


def apply(
    checked: Checked,
    store: Store,
    *,
    mode: Mode = "merge",
    valid_rows_only: bool = False,
    editor: str | None = None,
    note: str | None = None,
    progress: Progress = _silent,
) -> VersionInfo:
    """Store the checked rows as a new version; refuse when there are errors unless only valid rows are wanted."""
    refused = refusal(checked, mode=mode, valid_rows_only=valid_rows_only)
    if refused:
        raise NothingToImport(refused) if refused == NOTHING else ImportRefused(refused)
    progress(0.0, f"Storing {rows(len(checked.validated.frame))} as a new version")
    try:
        info = store.commit(
            {checked.table: checked.validated.frame},
            mode=mode,
            editor=editor,
            file_name=checked.file_name,
            data=checked.data,
            note=note,
            progress=progress,
            unless_unchanged=True,
            rows_in_file=checked.parsed.rows_read,
        )
    except Unchanged:  # another import stored the same rows between the check and this commit
        raise NothingToImport(NOTHING) from None
    progress(1.0, f"Stored as version {info.id}")
    return info


def revert_preview(store: Store, version_id: int) -> dict[str, Preview]:
    """What reverting to a version would change in each table (a revert sets both), writing nothing."""
    return {kind: store.preview(table, store.read(table, version_id), mode="revert") for kind, table in KINDS.items()}


def delimiter(checked: Checked) -> str:
    """';' when the file was semicolon-separated (as a French Excel saves it), else ','.

    Downloads made from the file use it: a French Excel opens a comma-separated file in one column.
    """
    return ";" if checked.parsed.delimiter == ";" else ","


def problems_csv(checked: Checked) -> bytes:
    """Every problem, one per line, as CSV (spreadsheet-safe, separated as the file was)."""
    rows = [p.as_dict() for p in checked.validated.problems]
    frame = pd.DataFrame(rows, columns=["row", "column", "value", "message", "severity"])
    return to_csv_bytes(frame, sep=delimiter(checked))


AS_WRITTEN = "as written"  # the column of skipped_rows() holding a row that could not be split into cells


def skipped_rows(checked: Checked) -> pd.DataFrame:
    """Every row that would not be imported, as the file had it, with its problems, in file order.

    Rows that could not be split into the header's columns (too many or too few cells, a repeated
    header) have no cells to show: their text comes whole in the column "as written".
    """
    rejected = checked.validated.rejected_with_problems()
    refused = checked.parsed.refused  # rows refused while reading (an admin-1 code that names no province)
    if refused is not None and len(refused):
        early = Validated(refused.iloc[0:0], checked.parsed.problems, refused).rejected_with_problems()
        rejected = pd.concat([rejected, early.drop_duplicates("row")], ignore_index=True).sort_values(
            "row", kind="stable", ignore_index=True)
    listed = set(rejected["row"])
    unsplit: dict[int, list] = {}
    for p in errors(checked.parsed.problems):
        if p.row is not None and p.column is None and p.row not in listed:
            entry = unsplit.setdefault(p.row, [[], p.value])
            entry[0].append(f"row: {p.message}")
    if not unsplit:
        return rejected
    extra = pd.DataFrame({"row": list(unsplit), "problems": [" | ".join(m) for m, _ in unsplit.values()],
                          AS_WRITTEN: [v or "" for _, v in unsplit.values()]})
    out = pd.concat([rejected.assign(**{AS_WRITTEN: ""}), extra], ignore_index=True)
    return out.sort_values("row", kind="stable").reset_index(drop=True)


def skipped_rows_csv(checked: Checked) -> bytes:
    """skipped_rows() as CSV (spreadsheet-safe, separated as the file was), with the project's column names."""
    return to_csv_bytes(skipped_rows(checked), sep=delimiter(checked))


def export(store: Store, kind: str, *, version: int | None = None, hxl: bool = False) -> bytes:
    """A table as it was in a version, as CSV (optionally with the HXL hashtag row)."""
    table = KINDS[kind]
    return to_csv_bytes(store.read(table, version), table, hxl=hxl)


def template(kind: str) -> bytes:
    """The project's own template: header, HXL row and one example row."""
    table = KINDS[kind]
    buffer = io.StringIO()
    pd.DataFrame([table.hxl_row, [TEMPLATE_EXAMPLES[kind][n] for n in table.names]], columns=table.names).to_csv(
        buffer, index=False
    )
    return buffer.getvalue().encode("utf-8")



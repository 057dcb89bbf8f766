"""Tables for people to read and files for them to download. Pure functions."""

from __future__ import annotations

import io
import re

import pandas as pd

from ..cells import neutralise
from ..schema import Table
from . import text as t

_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


def to_csv_bytes(frame: pd.DataFrame, table: Table | None = None, *, hxl: bool = False, sep: str = ",") -> bytes:
    """CSV safe to open in a spreadsheet; with hxl, the table's hashtag row under the header; sep ';' for a
    French Excel, which splits cells only at semicolons.

    UTF-8 with a byte-order mark: without one, Excel on Windows reads the file in the legacy code page
    and shows "Réfugiés" as "RÃ©fugiÃ©s". Every reader here (and pandas, LibreOffice, Sheets) skips it.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    buffer = io.StringIO()
    if hxl and table is not None:
        tags = [table.column(c).hxl if c in table.names else "" for c in out.columns]
        pd.DataFrame([tags], columns=out.columns).to_csv(buffer, index=False, sep=sep)
        out.to_csv(buffer, index=False, header=False, sep=sep)
    else:
        out.to_csv(buffer, index=False, sep=sep)
    return buffer.getvalue().encode("utf-8-sig")


def readable(frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table for people to read: dates as YYYY-MM-DD, missing text blank (not "None"); numbers stay numbers.

    Columns in keep (e.g. links, which must stay missing rather than become empty links) are left as they are.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column in keep or pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d")
        out[column] = values.astype("object").where(values.notna(), "").astype("str")
    return out


def safe_url(value):
    """Only http(s) addresses may become links in a table."""
    return value if isinstance(value, str) and _SAFE_URL.match(value) else None


# The figures table's first columns and their widths in pixels. Together they fit the 940 pixels the table
# gets in a 1400-pixel-wide window beside the navigation, so each figure's as-of date, what it counts and its
# source are in sight without scrolling sideways; the other columns follow, a scroll away. Rows are
# FIGURES_ROW_HEIGHT high, which makes the grid wrap a cell's text instead of cutting it.
FIGURES_TABLE_FIRST = {
    "As of": 85,
    "Where people are": 165,  # "Democratic Republic of the Congo / South Kivu" on two lines
    "Who": 145,  # "refugees from North Kivu"; new arrivals' long label on up to four lines
    "Figure": 85,  # room for 2,000,000
    "What it counts": 205,  # "flow since 1 Jan 2025 [scope] · low confidence", a long scope on further lines
    "Source": 185,  # an organisation's name whole, up to some 95 characters on four lines
    "Link": 60,
}
# Streamlit wraps cell text only in rows higher than 4rem (64 pixels); these hold four lines.
FIGURES_ROW_HEIGHT = 84


def what_it_counts(row) -> str:
    """A figure's kind in words, for the table: 'stock', 'flow since 1 Jan 2025', 'flow, start not stated', then
    its scope in brackets and '· low confidence' where they apply: 'stock [Goma sites only] · low confidence';
    first, how the source qualifies the figure where it does: 'more than the figure · flow since 1 Jan 2025'."""
    low = " · low confidence" if row.get("confidence") == "low" else ""
    return f"{t.qualified(row)}{t.period(row, short=True)}{t.scope(row)}{low}"


def _place(countries: pd.Series, provinces: pd.Series, names: dict[str, str]) -> list[str]:
    """'Democratic Republic of the Congo / South Kivu': the country's name, then the province where given."""
    return [t.place(c, names) + ("" if t.blank(a) else f" / {a}") for c, a in zip(countries, provinces)]


def figures_display(figures: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The figures table as people read it: one row per reported figure, newest first; date, place, who (and
    from where), figure, what it counts and source first (FIGURES_TABLE_FIRST), then the parts of what it counts
    in columns of their own, to sort and filter by."""
    f = figures.sort_values(["as_of", "destination_country"], ascending=[False, True])
    rows = f.to_dict("records")
    return readable(pd.DataFrame(
        {
            "As of": f["as_of"].dt.date,
            "Where people are": _place(f["destination_country"], f["destination_admin1"], names),
            "Who": [t.population(r["population_type"]) + t.origin(r) for r in rows],
            "Figure": f["figure"],
            "What it counts": [what_it_counts(r) for r in rows],
            "Source": f["source_org"],
            "Link": f["source_url"].map(safe_url),
            "Figure as the source words it": [t.amount(r) for r in rows],
            "Stock or flow": f["measure"],
            "Counted since": f["period_start"].dt.date,
            "From": _place(f["origin_country"], f["origin_admin1"], names),
            "Scope": f["scope"],
            "Title": f["source_title"],
            "Confidence": f["confidence"],
            "Notes": f["notes"],
        }
    ).reset_index(drop=True), keep=("Link",))


def control_display(state: pd.DataFrame) -> pd.DataFrame:
    """Control per locality at a date: who, since when, from which source."""
    s = state.sort_values(["province", "locality"])
    return readable(pd.DataFrame(
        {
            "Locality": s["locality"],
            "Territory": s["territory"],
            "Province": s["province"],
            "Controlled by": s["controlled_by"].map(t.controller),
            "Since": s["since"].dt.date,
            "Last event": s["event"],
            "Event date": s["date"].dt.date,
            "On the map": s["lat"].notna() & s["lon"].notna(),
            "Source": s["source_org"],
            "Title": s["source_title"],
            "Link": s["source_url"].map(safe_url),
            "Confidence": s["confidence"],
            "Notes": s["notes"],
        }
    ).reset_index(drop=True), keep=("Link",))


def events_display(events: pd.DataFrame) -> pd.DataFrame:
    """Every control event, newest first."""
    e = events.sort_values(["date", "locality"], ascending=[False, True])
    return readable(pd.DataFrame(
        {
            "Date": e["date"].dt.date,
            "Locality": e["locality"],
            "Territory": e["territory"],
            "Province": e["province"],
            "Event": e["event"],
            "Controlled by": e["controlled_by"].map(t.controller),
            "Latitude": e["lat"],
            "Longitude": e["lon"],
            "Coordinate source": e["coord_source"],
            "Source": e["source_org"],
            "Title": e["source_title"],
            "Link": e["source_url"].map(safe_url),
            "Confidence": e["confidence"],
            "Notes": e["notes"],
        }
    ).reset_index(drop=True), keep=("Link",))


# The version list's columns in the order people read them, with their labels: who stored what, when, and
# what it changed first; the file's 64-character fingerprint last, where it pushes nothing out of sight.
VERSION_COLUMNS = {
    "id": "Version",
    "created_at": "Time",
    "editor": "Editor",
    "file_name": "File",
    "added": "Added",
    "changed": "Changed",
    "removed": "Removed",
    "note": "Note",
    "mode": "Mode",
    "tables": "Tables",
    "unchanged": "Unchanged",
    "sha256": "File fingerprint (SHA-256)",
}


def versions_display(versions: pd.DataFrame) -> pd.DataFrame:
    """The version list for people to read, its columns in the order of VERSION_COLUMNS."""
    return readable(versions[list(VERSION_COLUMNS)])


# A problem's place and what to do come before the value as written, which can be a whole row of the
# file: on a phone a long value would otherwise push the message out of sight.
PROBLEM_COLUMNS = ["severity", "row", "column", "message", "value"]


def problems_display(problems: list[dict]) -> pd.DataFrame:
    """Problems (Problem.as_dict()) as text, blank where there is nothing, columns in PROBLEM_COLUMNS order."""
    table = pd.DataFrame(problems, columns=PROBLEM_COLUMNS).astype("object")
    # Text throughout, blank where there is nothing (not "None"): row numbers and blanks in one column.
    return table.where(table.notna(), "").astype("str")

"""Read a CSV file into a frame of raw text cells named after the schema.

Nothing here judges the values: every cell stays the text the file holds, so
validation can quote it back to the user. Rows are indexed by the line number a
person sees in a spreadsheet (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .problems import Problem
from .schema import Table

MAX_BYTES = 200 * 1024 * 1024


class UnreadableFile(ValueError):
    """The file cannot be read at all; the message is one sentence for the user."""


@dataclass
class Parsed:
    """Raw cells mapped to schema columns, plus what was understood about the file."""

    frame: pd.DataFrame
    table: Table
    format: str
    column_map: dict[str, str]
    header_rows: int
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without byte-order mark), else Windows-1252 as Excel saves it."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            "The file is not plain text (it contains NUL bytes): save it as CSV, UTF-8, and upload again."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file's text encoding is not UTF-8 or Windows-1252: save it as CSV UTF-8.")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: comma, semicolon or tab."""
    first = text.splitlines()[0] if text else ""
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def is_hxl_row(cells: list[str]) -> bool:
    """True when the non-empty cells are HXL hashtags (HDX puts them under the header)."""
    filled = [c.strip() for c in cells if c and c.strip()]
    return bool(filled) and all(c.startswith("#") for c in filled)


def hxl_tag(tag: str) -> tuple[str, frozenset[str]]:
    """Split an HXL hashtag into its name and the set of its attributes."""
    parts = tag.strip().lower().replace(" ", "").split("+")
    return parts[0], frozenset(p for p in parts[1:] if p)


def map_columns(header: list[str], hxl: list[str] | None, table: Table) -> dict[int, str]:
    """File column position -> schema column, by HXL hashtag first, then by header name."""
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    if hxl:
        wanted = {hxl_tag(c.hxl): c.name for c in table.columns}
        for i, tag in enumerate(hxl):
            if not tag.strip():
                continue
            name, attrs = hxl_tag(tag)
            # The hashtag matches a column whose attributes it all carries (HDX adds extras).
            best = None
            for (w_name, w_attrs), column in wanted.items():
                if w_name == name and w_attrs <= attrs and column not in taken:
                    if best is None or len(w_attrs) > len(best[0]):
                        best = (w_attrs, column)
            if best:
                mapping[i] = best[1]
                taken.add(best[1])
    by_name = {c.name: c.name for c in table.columns}
    for i, text in enumerate(header):
        if i in mapping:
            continue
        key = text.strip().lower().replace(" ", "_")
        if key in by_name and by_name[key] not in taken:
            mapping[i] = by_name[key]
            taken.add(by_name[key])
    return mapping


def read_csv(data: bytes, table: Table, *, max_bytes: int = MAX_BYTES) -> Parsed:
    """Parse CSV bytes in the project's own layout (an HXL row under the header is optional)."""
    if len(data) > max_bytes:
        raise UnreadableFile(
            f"The file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit: split it and upload the parts."
        )
    text = decode(data)
    delimiter = sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise UnreadableFile("The file is empty.")
    header = [h.strip() for h in rows[0]]
    hxl = rows[1] if len(rows) > 1 and is_hxl_row(rows[1]) else None
    header_rows = 2 if hxl else 1
    mapping = map_columns(header, hxl, table)

    problems: list[Problem] = []
    found = set(mapping.values())
    for name in table.required:
        if name not in found:
            column = table.column(name)
            problems.append(
                Problem(
                    None,
                    name,
                    None,
                    f"Required column '{name}' ({column.hxl}) is missing: add it to the header row.",
                )
            )

    body = rows[header_rows:]
    records = []
    index = []
    width = len(header)
    for offset, cells in enumerate(body):
        line = header_rows + offset + 1
        if not any(c.strip() for c in cells):
            continue  # blank lines are not data
        if len(cells) != width:
            problems.append(
                Problem(
                    line,
                    None,
                    None,
                    f"This row has {len(cells)} cells but the header has {width}: "
                    "check for a missing or extra delimiter.",
                )
            )
            continue
        records.append({mapping[i]: cells[i].strip() for i in mapping})
        index.append(line)
    frame = pd.DataFrame.from_records(records, index=pd.Index(index, name="row"), columns=list(mapping.values()))
    for name in table.names:
        if name not in frame.columns:
            frame[name] = ""
    frame = frame[table.names].astype(object)
    return Parsed(
        frame=frame,
        table=table,
        format="HXL-tagged CSV" if hxl else "CSV",
        column_map={header[i] or f"column {i + 1}": name for i, name in mapping.items()},
        header_rows=header_rows,
        problems=problems,
    )


def read_path(path: Path, table: Table) -> Parsed:
    """Read a CSV file from disk."""
    return read_csv(Path(path).read_bytes(), table)

"""How a text cell is protected from spreadsheets on export, and read back on import.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (OWASP's CSV injection guidance), so every export puts an apostrophe in front
of such a cell. Spreadsheets read a leading apostrophe as "this is text" and do not
show it; imports do the same, so a downloaded version uploads again unchanged.

A cell can also be split: French-locale Excel opens our comma-separated files splitting
them on ';' (a quoted cell's quotes do not protect it there, and a line break in it starts
a new row), and other setups split on ','. So a part of a cell after ';', ',' or a line
break (and any spaces) gets the apostrophe too when it starts like a formula:
'Goma;=HYPERLINK(...)' is exported as "Goma;'=HYPERLINK(...)". A mark in front of the
whole cell would not help: it stays with the first part.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARK = "'"
# Where a spreadsheet may start a cell (the text's start, or a separator or line break and
# spaces), then what it would read first: apostrophes already there and a formula character.
# Counting those apostrophes one up on export and one down on import makes the two exact
# inverses, whatever the text holds.
_CELL_START = r"(^|[;,\n] *)"
_FORMULA = "('*[" + "".join({"-": r"\-", "\t": r"\t", "\r": r"\r"}.get(c, c) for c in FORMULA_START) + "])"
_UNSAFE = re.compile(_CELL_START + _FORMULA)
_MARKED = re.compile(_CELL_START + _MARK + _FORMULA)
# A signed number after a separator ('Masisi, -1.40671,28.86255') is a number to any spreadsheet, not a
# formula: it is left as written, so citations and coordinates in text keep their exact wording.
_SIGNED_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[;,\n]|$)")


def _number_after_separator(match: re.Match) -> bool:
    signed = bool(match.group(1)) and match.group(2)[-1] in "+-"
    return signed and _SIGNED_NUMBER.match(match.string, match.end()) is not None


def _mark(match: re.Match) -> str:
    return match.group(0) if _number_after_separator(match) else match.group(1) + _MARK + match.group(2)


def _unmark(match: re.Match) -> str:
    return match.group(0) if _number_after_separator(match) else match.group(1) + match.group(2)


def neutralise(value):
    """Put an apostrophe before every part of a text a spreadsheet would run as a formula; numbers and dates stay."""
    if isinstance(value, str) and _UNSAFE.search(value):  # searching first: most cells need nothing
        return _UNSAFE.sub(_mark, value)
    return value


def clip(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters, an ellipsis marking the cut (for labels and messages)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def restore(text: pd.Series) -> pd.Series:
    """Undo neutralise() on a column of text cells: "'=SUM(1)" is read as "=SUM(1)", "a;'+1" as "a;+1"."""
    if not _may_contain(text, _MARK.encode()):  # the usual case, told from the column's bytes: no copy, no search
        return text
    marked = text.str.contains(_MARK, regex=False, na=False)
    if not marked.any():  # the usual case: no copy of the column
        return text
    out = text.copy()
    out[marked] = [_MARKED.sub(_unmark, cell) for cell in text[marked]]
    return out


_SCAN_BYTES = 1 << 20


def _may_contain(text: pd.Series, byte: bytes) -> bool:
    """False only when no cell of a column of Arrow strings holds this ASCII byte (which no other character's
    UTF-8 contains): the column's bytes are searched a megabyte at a time, many times faster than cell by cell.
    True when some cell may hold it, or when the column is not stored as Arrow strings."""
    chunks = arrow_text(text)
    if chunks is None:
        return True
    for offsets, data in chunks:
        # The chunk's cells take these bytes of the buffer (a slice of a column starts into it).
        view = memoryview(data)[int(offsets[0]) : int(offsets[-1])]
        for start in range(0, len(view), _SCAN_BYTES):
            if byte in bytes(view[start : start + _SCAN_BYTES]):
                return True
    return False


def arrow_text(text: pd.Series) -> list[tuple[np.ndarray, pa.Buffer]] | None:
    """A text column's cells as Arrow stores them, without a copy: per chunk, the offsets of its cells (one more
    than the cells; cell i takes bytes offsets[i] to offsets[i + 1]) and the data buffer they index. Chunks with
    no bytes are left out. None when the column is not stored as Arrow strings."""
    try:
        chunked = text.array.__arrow_array__()
    except AttributeError:
        return None
    widths = {pa.large_string(): np.int64, pa.string(): np.int32}
    if chunked.type not in widths:
        return None
    out = []
    for chunk in chunked.chunks:
        _, offsets_buffer, data_buffer = chunk.buffers()
        if len(chunk) == 0 or data_buffer is None:
            continue
        offsets = np.frombuffer(offsets_buffer, dtype=widths[chunked.type])
        out.append((offsets[chunk.offset : chunk.offset + len(chunk) + 1], data_buffer))
    return out

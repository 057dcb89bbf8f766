"""How a text cell is protected from spreadsheets on export, and read back on import.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (OWASP's CSV injection guidance), so every export puts an apostrophe in front
of such a cell. Spreadsheets read a leading apostrophe as "this is text" and do not
show it; imports do the same, so a downloaded version uploads again unchanged.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARK = "'"


def neutralise(value):
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return _MARK + value
    return value


def clip(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters, an ellipsis marking the cut (for labels and messages)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def restore(text: pd.Series) -> pd.Series:
    """Undo neutralise() on a column of text cells: "'=SUM(1)" is read as "=SUM(1)", other cells as they are."""
    marked = text.str.startswith(_MARK, na=False)
    if not marked.any():  # the usual case: no copy of the column
        return text
    protected = marked & text.str.slice(1, 2).isin(FORMULA_START)
    return text.where(~protected, text.str.slice(1))

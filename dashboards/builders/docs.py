"""Documentation built from the data and the schema, so it can never drift from them."""

from __future__ import annotations

import pandas as pd

from ..schema import Table


def schema_table(table: Table) -> pd.DataFrame:
    """Column, type, required, allowed values, HXL hashtag and meaning, for users."""
    return pd.DataFrame(
        {
            "Column": [c.name for c in table.columns],
            "Type": [c.type for c in table.columns],
            "Required": ["yes" if c.required else "" for c in table.columns],
            "Allowed values": [", ".join(c.allowed) for c in table.columns],
            "HXL hashtag": [c.hxl for c in table.columns],
            "Meaning": [c.description for c in table.columns],
        }
    )


def source_summary(figures: pd.DataFrame, control: pd.DataFrame) -> pd.DataFrame:
    """Each source organisation with how many figures and control events cite it, and their date span."""
    parts = []
    for frame, date_col, kind in ((figures, "as_of", "figures"), (control, "date", "control events")):
        if frame.empty:
            continue
        g = frame.groupby("source_org")[date_col].agg(["count", "min", "max"]).reset_index()
        g["kind"] = kind
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=["Source", "What", "Rows", "From", "To"])
    out = pd.concat(parts).sort_values(["kind", "count", "source_org"], ascending=[True, False, True])
    return pd.DataFrame(
        {
            "Source": out["source_org"],
            "What": out["kind"],
            "Rows": out["count"],
            "From": out["min"].dt.date,
            "To": out["max"].dt.date,
        }
    ).reset_index(drop=True)

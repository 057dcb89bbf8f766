"""Timelines of reported figures. Each series is its own line: stocks and flows never share one."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from .. import viewmodel as vm
from ..schema import COUNTRY_OF_INTEREST
from . import text as t


def series_label(row, names: dict[str, str]) -> str:
    """'Burundi: refugees, flow since 1 Jan 2025' — one label per series."""
    where = row["destination_admin1"] if row["destination_country"] == COUNTRY_OF_INTEREST else t.place(
        row["destination_country"], names)
    if row["measure"] == "stock":
        kind = "stock"
    elif t.blank(row["period_start"]):
        kind = "flow, start not stated"
    else:
        kind = f"flow since {t.fmt_date(row['period_start'])}"
    scope = "" if t.blank(row.get("scope")) else f" [{row['scope']}]"
    return f"{where}: {t.population(row['population_type']).split(' (')[0]}, {kind}{scope}"


def timeline(figures: pd.DataFrame, names: dict[str, str], on: date, *, cross_border: bool) -> alt.LayerChart:
    """Figures over time per series (cross-border by country, or IDPs by province), the chosen date marked."""
    if cross_border:
        rows = figures[vm.is_cross_border(figures)]
    else:
        rows = figures[(figures["destination_country"] == COUNTRY_OF_INTEREST) & (figures["population_type"] == "idps")]
    data = pd.DataFrame({
        "as of": rows["as_of"],
        "figure": rows["figure"].astype("float"),
        "series": [series_label(r, names) for _, r in rows.iterrows()],
        "source": rows["source_org"],
    })
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("as of:T", title=None),
        y=alt.Y("figure:Q", title="people", scale=alt.Scale(type="sqrt")),
        color=alt.Color("series:N", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400, title=None)),
        tooltip=["series:N", alt.Tooltip("as of:T", format="%d %b %Y"), alt.Tooltip("figure:Q", format=","), "source:N"],
    )
    rule = alt.Chart(pd.DataFrame({"as of": [pd.Timestamp(on)]})).mark_rule(strokeDash=[4, 3], color="#444").encode(
        x="as of:T")
    return (lines + rule).properties(height=320)

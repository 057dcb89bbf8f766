"""Timelines of reported figures. Each series is its own line (a flow with no stated start its own dots):
stocks and flows never share one."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from .. import viewmodel as vm
from ..schema import COUNTRY_OF_INTEREST
from . import text as t


HEIGHT = 320       # pixels of plot, the legend comes on top of that
# Pixels of a legend line before it is cut with an ellipsis (the tooltip has it whole): the plot's width
# less the symbol, so labels stop at the chart's edge in any column.
LABEL_LIMIT = alt.ExprRef("max(100, width - 30)")
# A label's scope ("[Goma sites only]") goes on a second line, so labels fit a half-width column.
TWO_LINES = ("indexof(datum.label, ' [') > 0 ? [slice(datum.label, 0, indexof(datum.label, ' [')), "
             "slice(datum.label, indexof(datum.label, ' [') + 1)] : datum.label")


def series_label(row, names: dict[str, str], *, population: bool = True) -> str:
    """'Burundi: refugees from South Kivu, flow since 1 Jan 2025' — one label per series.

    Inside DR Congo the place is the province; a row that names none (a national figure) reads as the
    country, never as a blank. ``population=False`` leaves out the population where a chart holds one.
    """
    if row["destination_country"] == COUNTRY_OF_INTEREST and not t.blank(row["destination_admin1"]):
        where = row["destination_admin1"]
    else:
        where = t.place(row["destination_country"], names)
    kind = t.period(row, short=True)
    scope = "" if t.blank(row.get("scope")) else f" [{row['scope']}]"
    people = t.population(row["population_type"]).split(" (")[0] if population else ""
    what = f"{people}{t.origin(row)}".strip()
    what = f"{what}, " if what else ""
    return f"{where}: {what}{kind}{scope}"


def timeline(figures: pd.DataFrame, names: dict[str, str], on: date, *, cross_border: bool) -> alt.LayerChart:
    """Figures over time per series (cross-border by country, or IDPs by province), the chosen date marked."""
    if cross_border:
        rows = figures[vm.is_cross_border(figures)]
    else:
        rows = figures[(figures["destination_country"] == COUNTRY_OF_INTEREST) & (figures["population_type"] == "idps")]
    data = pd.DataFrame({
        "as of": rows["as_of"],
        "figure": rows["figure"].astype("float"),
        "series": [series_label(r, names, population=cross_border) for _, r in rows.iterrows()],
        "measure": rows["measure"],
        # A flow with no stated start counts over a period each report leaves unknown (and may differ from
        # report to report): its figures are dots, never joined into a line as if one count went on.
        "joined": (rows["measure"] == "stock") | rows["period_start"].notna(),
        "source": rows["source_org"],
    })
    # Twenty distinct colours (the default ten repeat), stocks solid and flows dashed. The legend sits
    # below in one column and the chart keeps its height whatever the legend's length: Streamlit's default
    # autosize "fit" would squeeze the plot to make room for a long legend.
    figures_chart = alt.Chart(data).encode(
        x=alt.X("as of:T", title=None),
        y=alt.Y("figure:Q", title="people", scale=alt.Scale(type="sqrt")),
        color=alt.Color("series:N", scale=alt.Scale(scheme="tableau20"),
                        legend=alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=LABEL_LIMIT,
                                          labelExpr=TWO_LINES, symbolLimit=0, title=None)),
        tooltip=["series:N", alt.Tooltip("as of:T", format="%d %b %Y"), alt.Tooltip("figure:Q", format=","), "source:N"],
    )
    lines = figures_chart.transform_filter(alt.FieldEqualPredicate(field="joined", equal=True)).mark_line(point=True).encode(
        strokeDash=alt.StrokeDash("measure:N", scale=alt.Scale(domain=["stock", "flow"], range=[[1, 0], [5, 3]]),
                                  legend=None),
    )
    dots = figures_chart.transform_filter(alt.FieldEqualPredicate(field="joined", equal=False)).mark_point(filled=True, opacity=1)
    rule = alt.Chart(pd.DataFrame({"as of": [pd.Timestamp(on)]})).mark_rule(strokeDash=[4, 3], color="#444").encode(
        x="as of:T")
    return (lines + dots + rule).properties(height=HEIGHT,
                                            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))

"""Timelines of reported figures. Each series is its own line (a flow with no stated start its own dots):
stocks and flows never share one."""

from __future__ import annotations

import json
import textwrap
from datetime import date

import altair as alt
import pandas as pd

from .. import viewmodel as vm
from ..schema import COUNTRY_OF_INTEREST
from . import text as t


HEIGHT = 320       # pixels of plot, the legend comes on top of that
# Vega's tableau20 less its two greys: twenty series' colours would repeat, and grey is the chosen date's.
COLOURS = ["#4c78a8", "#9ecae9", "#f58518", "#ffbf79", "#54a24b", "#88d27a", "#b79a20", "#f2cf5b", "#439894",
           "#83bcb6", "#e45756", "#ff9d98", "#d67195", "#fcbfd2", "#b279a2", "#d6a5c9", "#9e765f", "#d8b5a5"]
DATE_GREY = "#888888"
# What the chart's marks mean, for the caption under the charts' heading (the colour legend names the series).
KEY = ("Stocks are solid lines, flows counted since a stated date dashed lines; a flow whose start is not stated "
       "is dots only, never joined, as each report may cover another period. The grey rule is the chosen date.")
# Pixels of a legend line before it is cut with an ellipsis (the tooltip has it whole): the plot's width
# less the symbol, so labels stop at the chart's edge in any column.
LABEL_LIMIT = alt.ExprRef("max(100, width - 30)")
# Characters of a legend line: the room a 360-pixel-wide phone leaves a label (some 230 pixels, at up to 7 a
# character). Fixed, not read from the chart's width: Vega lays the legend out before it knows that width,
# and lines that changed afterwards would overlap.
LINE_CHARS = 32


def legend_lines(label: str, width: int = LINE_CHARS) -> list[str]:
    """A series label ('Burundi: refugees from South Kivu, flow since 1 Dec 2025 [Goma sites only]') broken into
    lines at its parts: the place, who and from where, the kind of count, each joined to the line before while
    the line stays within width characters; the scope always on a line of its own; a part longer than a line
    broken between its words. So on a phone the parts that tell series apart are never cut off."""
    head, bracket, scope = label.partition(" [")
    place, colon, rest = head.partition(": ")
    if not colon:
        place, rest = "", head
    at = max(rest.rfind(", stock"), rest.rfind(", flow"))
    who, kind = (rest[: at + 1], rest[at + 2 :]) if at >= 0 else ("", rest)
    lines: list[str] = []
    for part in (place + colon.rstrip(), who, kind):
        for piece in textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False):
            if lines and len(lines[-1]) + 1 + len(piece) <= width:
                lines[-1] += " " + piece
            else:
                lines.append(piece)
    if bracket:
        lines += textwrap.wrap("[" + scope, width, break_long_words=False, break_on_hyphens=False)
    return lines or [label]


def _legend_expr(labels) -> str:
    """The legend's labelExpr: each series' lines (legend_lines), looked up by its label in a literal object."""
    return json.dumps({label: legend_lines(label) for label in sorted(set(labels))}) + "[datum.label]"


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
    people = t.population(row["population_type"], short=True) if population else ""
    what = f"{people}{t.origin(row)}".strip()
    what = f"{what}, " if what else ""
    return f"{where}: {what}{kind}{t.scope(row)}"


def timeline(figures: pd.DataFrame, names: dict[str, str], on: date, *, cross_border: bool) -> alt.LayerChart:
    """Figures over time per series (cross-border by country, or IDPs by province), the chosen date marked."""
    if cross_border:
        rows = figures[vm.is_cross_border(figures)]
    else:
        rows = figures[(figures["destination_country"] == COUNTRY_OF_INTEREST) & (figures["population_type"] == "idps")]
    records = rows.to_dict("records")
    data = pd.DataFrame({
        "as of": rows["as_of"],
        "figure": rows["figure"].astype("float"),
        "series": [series_label(r, names, population=cross_border) for r in records],
        "measure": rows["measure"],
        # A flow with no stated start counts over a period each report leaves unknown (and may differ from
        # report to report): its figures are dots, never joined into a line as if one count went on.
        "joined": (rows["measure"] == "stock") | rows["period_start"].notna(),
        "source": rows["source_org"],
        "as reported": [t.amount(r) for r in records],  # 'more than 50,000' where the source says so
    })
    # A colour each (COLOURS), stocks solid, dated flows dashed, undated flows dots (KEY). The legend sits
    # below in one column and the chart keeps its height whatever the legend's length: Streamlit's default
    # autosize "fit" would squeeze the plot to make room for a long legend.
    figures_chart = alt.Chart(data).encode(
        x=alt.X("as of:T", title=None),
        y=alt.Y("figure:Q", title="people", scale=alt.Scale(type="sqrt")),
        color=alt.Color("series:N", scale=alt.Scale(range=COLOURS),
                        legend=alt.Legend(orient="bottom", direction="vertical", columns=1, labelLimit=LABEL_LIMIT,
                                          labelExpr=_legend_expr(data["series"]), symbolLimit=0, title=None)),
        tooltip=["series:N", alt.Tooltip("as of:T", format="%d %b %Y"), alt.Tooltip("as reported:N", title="figure"), "source:N"],
    )
    joined = alt.FieldEqualPredicate(field="joined", equal=True)
    lines = figures_chart.transform_filter(joined).mark_line(point=True).encode(
        strokeDash=alt.StrokeDash("measure:N", scale=alt.Scale(domain=["stock", "flow"], range=[[1, 0], [5, 3]]),
                                  legend=None),
    )
    dots = figures_chart.transform_filter(alt.FieldEqualPredicate(field="joined", equal=False)).mark_point(
        filled=True, opacity=1)
    return alt.layer(lines, dots, *_chosen_date(on, data["as of"])).properties(
        height=HEIGHT, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def _chosen_date(on: date, dates: pd.Series) -> tuple[alt.Chart, alt.Chart]:
    """A solid grey rule at the chosen date, its date written at the top: on the rule's left in the right half
    of the time axis, on its right in the left half, so the text stays inside the plot."""
    when = pd.Timestamp(on)
    first, last = min([when, *dates]), max([when, *dates])
    right_half = when - first > (last - first) / 2
    # The tooltip says the date as the page does (Streamlit's own would write 'Feb 21, 2025').
    marker = alt.Chart(pd.DataFrame({"as of": [when], "label": [t.fmt_date(on)]})).encode(
        x="as of:T", tooltip=alt.Tooltip("label:N", title="chosen date"))
    rule = marker.mark_rule(color=DATE_GREY, strokeWidth=1.5)
    label = marker.mark_text(align="right" if right_half else "left", dx=-4 if right_half else 4, baseline="top",
                             dy=2, color=DATE_GREY, fontWeight="bold").encode(y=alt.value(0), text="label:N")
    return rule, label

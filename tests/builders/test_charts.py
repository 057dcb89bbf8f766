import json
from datetime import date

import pandas as pd

from dashboards.builders import charts
from dashboards.builders.charts import timeline
from dashboards.config import SEEDS_DIR
from dashboards.schema import FIGURES
from dashboards.seeds import read_seed

FIGS = read_seed(SEEDS_DIR / "figures.csv", FIGURES)


def test_stocks_and_flows_of_one_country_are_separate_lines():
    spec = timeline(FIGS, {"UGA": "Uganda"}, date(2025, 6, 1), cross_border=True).to_dict()
    series = {row["series"] for row in spec["datasets"][next(iter(spec["datasets"]))]}
    uganda = {s for s in series if s.startswith("Uganda")}
    assert any("stock" in s for s in uganda) and any("flow since 1 Jan 2025" in s for s in uganda)


def test_the_idp_chart_holds_only_internal_displacement_and_marks_the_date():
    spec = timeline(FIGS, {}, date(2025, 6, 1), cross_border=False).to_dict()
    rows = [r for d in spec["datasets"].values() for r in d if "series" in r]
    idps = FIGS[(FIGS["destination_country"] == "COD") & (FIGS["population_type"] == "idps")]
    assert sorted(r["figure"] for r in rows) == sorted(float(f) for f in idps["figure"])
    assert any(r.get("as of", "").startswith("2025-06-01") for d in spec["datasets"].values() for r in d)


def _series(spec):
    return {r["series"] for d in spec["datasets"].values() for r in d if "series" in r}


def test_a_national_row_with_no_province_is_labelled_by_its_country_not_nan():
    national = FIGS[(FIGS["destination_country"] == "COD") & FIGS["destination_admin1"].isna()
                    & (FIGS["population_type"] == "idps")]
    assert not national.empty  # the seeds hold national IDP totals
    series = _series(timeline(FIGS, {"COD": "DR Congo"}, date(2026, 1, 1), cross_border=False).to_dict())
    assert not any("nan" in s.lower().split(":")[0] for s in series)
    assert any(s.startswith("DR Congo: stock") for s in series)


def test_the_plot_keeps_its_height_and_the_legend_lists_every_series_in_one_column():
    spec = timeline(FIGS, {}, date(2026, 1, 1), cross_border=False).to_dict()
    # Streamlit only fills in its own autosize ("fit", which squeezes the plot under a long legend) when
    # the spec has none: ours fits the width only.
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["height"] >= 300
    color = spec["layer"][0]["encoding"]["color"]
    assert color["legend"]["columns"] == 1 and color["legend"]["symbolLimit"] == 0
    assert len(set(color["scale"]["range"])) == len(color["scale"]["range"])
    assert len(_series(spec)) <= len(color["scale"]["range"])  # one colour each; more would repeat a colour


def test_idp_labels_leave_out_the_population_the_chart_title_gives_and_flows_are_dashed():
    spec = timeline(FIGS, {}, date(2026, 1, 1), cross_border=False).to_dict()
    assert not any("internally displaced" in s for s in _series(spec))
    dash = spec["layer"][0]["encoding"]["strokeDash"]
    assert dash["field"] == "measure" and dash["scale"]["domain"] == ["stock", "flow"]
    abroad = _series(timeline(FIGS, {"BDI": "Burundi"}, date(2026, 1, 1), cross_border=True).to_dict())
    assert any(s.startswith("Burundi: refugees,") for s in abroad)


def test_arrivals_from_two_provinces_are_two_series_told_apart_by_their_origin():
    row = {"destination_country": "UGA", "destination_admin1": None, "population_type": "refugees",
           "measure": "flow", "period_start": pd.Timestamp("2025-01-01"), "scope": None}
    assert charts.series_label({**row, "origin_admin1": "North Kivu"}, {"UGA": "Uganda"}) == (
        "Uganda: refugees from North Kivu, flow since 1 Jan 2025")
    assert charts.series_label({**row, "origin_admin1": None}, {"UGA": "Uganda"}) == "Uganda: refugees, flow since 1 Jan 2025"
    idps = {**row, "destination_country": "COD", "destination_admin1": "North Kivu; South Kivu",
            "population_type": "idps", "origin_admin1": "North Kivu"}
    assert charts.series_label(idps, {}, population=False) == "North Kivu; South Kivu: from North Kivu, flow since 1 Jan 2025"
    assert charts.series_label({**idps, "origin_admin1": "North Kivu; South Kivu"}, {}, population=False) == (
        "North Kivu; South Kivu: flow since 1 Jan 2025")


def _drawn_as(spec, mark: str) -> set[str]:
    """The series the layers of one mark type draw: every row of the chart's data, less what a layer's
    field filter leaves out."""
    rows = [r for d in spec["datasets"].values() for r in d if "series" in r]
    drawn = set()
    for layer in spec["layer"]:
        if layer["mark"]["type"] != mark:
            continue
        kept = rows
        for step in layer.get("transform", []):
            test = step["filter"]
            kept = [r for r in kept if r[test["field"]] == test["equal"]]
        drawn |= {r["series"] for r in kept}
    return drawn


def test_a_flow_with_no_stated_start_is_dots_never_a_line_and_stocks_and_dated_flows_stay_lines():
    # Seeds: Burundi's refugees from South Kivu, start not stated, 10,000 (16 and 19 Feb 2025) then 60,000
    # (1 Mar 2025): three reports of three unknown periods, which a line would chain into one count.
    spec = timeline(FIGS, {"BDI": "Burundi", "UGA": "Uganda"}, date(2026, 1, 1), cross_border=True).to_dict()
    undated = "Burundi: refugees from South Kivu, flow, start not stated"
    lines, dots = _drawn_as(spec, "line"), _drawn_as(spec, "point")
    assert undated in dots and undated not in lines
    assert {"Uganda: refugees, stock", "Burundi: refugees, flow since 1 Jan 2025"} <= lines
    assert not lines & dots and lines | dots == _series(spec)  # every series drawn, each one way
    inside = timeline(FIGS, {}, date(2026, 1, 1), cross_border=False).to_dict()
    assert {s for s in _series(inside) if "start not stated" in s} == _drawn_as(inside, "point") != set()


def test_the_chosen_date_is_a_solid_grey_rule_labelled_with_its_date_in_no_series_colour():
    spec = timeline(FIGS, {}, date(2025, 6, 1), cross_border=False).to_dict()
    marks = {layer["mark"]["type"]: layer for layer in spec["layer"]}
    rule, label = marks["rule"], marks["text"]
    assert "strokeDash" not in rule["mark"]  # the flows' lines are dashed: the date's rule is not
    assert rule["mark"]["color"] == label["mark"]["color"] == charts.DATE_GREY
    assert charts.DATE_GREY not in spec["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert [r["label"] for r in spec["datasets"][rule["data"]["name"]]] == ["1 Jun 2025"]
    assert label["encoding"]["text"]["field"] == "label" and label["encoding"]["y"] == {"value": 0}  # at the top
    # Pointed at, rule and label say the date as the page writes it, not in the US order.
    assert rule["encoding"]["tooltip"] == label["encoding"]["tooltip"] == {
        "field": "label", "type": "nominal", "title": "chosen date"}
    # The latest date is at the plot's right edge: its label goes left of the rule, an early date's right of it.
    assert label["mark"]["align"] == "right"
    early = timeline(FIGS, {}, date(2022, 7, 1), cross_border=False).to_dict()
    assert next(layer for layer in early["layer"] if layer["mark"]["type"] == "text")["mark"]["align"] == "left"


def test_legend_labels_break_into_lines_whatever_the_charts_width():
    # Vega lays the legend out before the chart's width is known: lines read from the width would change
    # afterwards and overlap. The label's own length decides; the width only cuts what still overflows.
    legend = timeline(FIGS, {}, date(2026, 1, 1), cross_border=True).to_dict()["layer"][0]["encoding"]["color"]["legend"]
    assert "width" not in legend["labelExpr"] and "width" in legend["labelLimit"]["expr"]


def test_a_legend_label_breaks_at_its_parts_and_between_words_never_losing_a_word():
    # Found by QA: on phones of 360 to 390 pixels a place or a scope longer than a line was cut with an ellipsis.
    labels = [
        "Burundi: refugees from South Kivu, flow since 1 Dec 2025",
        "Ituri; North Kivu; South Kivu; Tanganyika: flow since 1 Jan 2025 [Masisi and Kirotshe health zones only]",
        "Democratic Republic of the Congo: refugees, stock",
        "North Kivu: stock [displaced by dismantling of IDP sites]",
    ]
    for label in labels:
        lines = charts.legend_lines(label)
        assert all(len(line) <= charts.LINE_CHARS for line in lines), lines
        assert " ".join(lines) == label  # every word kept, in order
        if "[" in label:
            assert any(line.startswith("[") for line in lines)  # the scope starts a line of its own
    assert charts.legend_lines("Burundi: refugees from South Kivu, flow since 1 Dec 2025") == [
        "Burundi:", "refugees from South Kivu,", "flow since 1 Dec 2025"]


def test_the_legend_shows_each_series_by_its_own_lines():
    spec = timeline(FIGS, {}, date(2026, 1, 1), cross_border=True).to_dict()
    expr = spec["layer"][0]["encoding"]["color"]["legend"]["labelExpr"]
    lookup, _, rest = expr.rpartition("[")
    assert rest == "datum.label]"
    table = json.loads(lookup)
    assert set(table) == _series(spec)
    assert all(table[label] == charts.legend_lines(label) for label in table)

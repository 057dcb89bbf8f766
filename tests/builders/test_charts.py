from datetime import date

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
    assert rows and all(": internally displaced people" in r["series"] for r in rows)
    assert any(r.get("as of", "").startswith("2025-06-01") for d in spec["datasets"].values() for r in d)

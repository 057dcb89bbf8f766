from dashboards.config import SEEDS_DIR
from dashboards.schema import FIGURES
from dashboards.seeds import read_seed

from ..conftest import run_page

PAGE = "dashboards.pages.figures_page"


def test_every_figure_is_listed_with_its_source_link(app_env):
    at = run_page(PAGE)
    table = at.dataframe[0].value
    assert len(table) == len(read_seed(SEEDS_DIR / "figures.csv", FIGURES))
    assert table["Link"].str.startswith("http").all()
    assert {"As of", "Figure", "Stock or flow", "Source"} <= set(table.columns)


def test_filters_narrow_the_table(app_env):
    at = run_page(PAGE)
    at.multiselect(key="fig_where").set_value(["BDI"]).run()
    table = at.dataframe[0].value
    assert len(table) > 0 and table["Where people are"].str.startswith("Burundi").all()
    at.multiselect(key="fig_measure").set_value(["stock"]).run()
    assert (at.dataframe[0].value["Stock or flow"] == "stock").all()

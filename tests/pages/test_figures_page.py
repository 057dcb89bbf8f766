from datetime import date

from dashboards.config import SEEDS_DIR
from dashboards.schema import FIGURES
from dashboards.seeds import read_seed

from ..conftest import page_apptest, run_page

PAGE = "dashboards.pages.figures_page"


def test_every_figure_is_listed_with_its_source_link(app_env):
    at = run_page(PAGE)
    table = at.dataframe[0].value
    assert len(table) == len(read_seed(SEEDS_DIR / "figures.csv", FIGURES))
    assert table["Link"].str.startswith("http").all()
    assert {"As of", "Figure", "Stock or flow", "Source"} <= set(table.columns)


def test_the_table_is_set_to_show_date_and_source_in_its_first_columns_at_their_widths(app_env):
    import json

    from dashboards.builders.tables import FIGURES_TABLE_FIRST

    at = run_page(PAGE)
    table = at.dataframe[0]
    columns = json.loads(table.proto.columns)
    assert {name: columns[name]["width"] for name in FIGURES_TABLE_FIRST} == FIGURES_TABLE_FIRST
    # Streamlit wraps a cell's text, rather than cutting it, only in rows higher than 4rem (64 pixels).
    assert table.proto.row_height > 64
    assert list(table.value.columns[: len(FIGURES_TABLE_FIRST)]) == list(FIGURES_TABLE_FIRST)


def test_filters_narrow_the_table(app_env):
    at = run_page(PAGE)
    at.multiselect(key="fig_where").set_value(["UGA"]).run()
    table = at.dataframe[0].value
    assert len(table) > 1 and table["Where people are"].str.startswith("Uganda").all()
    at.multiselect(key="fig_measure").set_value(["stock"]).run()
    stocks = at.dataframe[0].value
    assert 0 < len(stocks) < len(table) and (stocks["Stock or flow"] == "stock").all()


def test_filters_that_match_nothing_say_so_instead_of_an_empty_grid(app_env):
    at = run_page(PAGE)
    at.multiselect(key="fig_where").set_value(["BDI"]).run()
    at.multiselect(key="fig_who").set_value(["idps"]).run()
    assert [i.value for i in at.info] == ["No figures reported up to 23 Dec 2025 match these filters: choose a later date "
                                          "or remove a filter to see more."]
    assert not at.dataframe and not at.get("download_button")


def test_the_table_lists_the_newest_figures_first(app_env):
    at = run_page(PAGE)
    dates = list(at.dataframe[0].value["As of"])
    assert dates == sorted(dates, reverse=True)


def test_a_link_opens_the_table_with_its_date_and_filters_and_the_address_follows_changes(app_env):
    at = page_apptest(PAGE)
    at.query_params["date"] = "2025-02-21"
    at.query_params["where"] = ["BDI", "Atlantis"]  # a place the data does not hold is dropped
    at.query_params["measure"] = "flow"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0 and table["Where people are"].str.startswith("Burundi").all()
    assert (table["As of"].astype("str") <= "2025-02-21").all() and (table["Stock or flow"] != "stock").all()
    assert at.query_params["where"] == "BDI" or at.query_params["where"] == ["BDI"]
    at.multiselect(key="fig_who").set_value(["refugees"]).run()
    assert at.query_params["who"] in ("refugees", ["refugees"]) and at.query_params["date"] in ("2025-02-21", ["2025-02-21"])


def test_the_date_keeps_only_figures_reported_up_to_it(app_env):
    at = page_apptest(PAGE)
    at.run()
    every = len(at.dataframe[0].value)
    at.date_input(key="fig_date").set_value(date(2025, 1, 31)).run()
    early = at.dataframe[0].value
    assert 0 < len(early) < every and (early["As of"].astype("str") <= "2025-01-31").all()


def test_filters_in_a_link_are_read_by_name_in_any_capitals_and_unknown_ones_are_named(app_env):
    at = page_apptest(PAGE)
    at.query_params.update({"where": ["uganda", "Atlantis"], "who": "IDPs", "measure": "Flow"})
    at.run()
    assert at.multiselect(key="fig_where").value == ["UGA"] and at.multiselect(key="fig_who").value == ["idps"]
    assert at.multiselect(key="fig_measure").value == ["flow"]
    assert [w.value for w in at.warning] == ["There is no place 'Atlantis' in the data: it is left out of the filter."]
    at.multiselect(key="fig_measure").set_value([]).run()
    assert not at.warning  # said about the link, once


def test_an_older_version_says_newer_data_exists_and_a_page_left_through_the_menu_comes_back_as_it_was(app_env):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    from ..conftest import own_row_from_template

    run_page(PAGE)
    store = Store(database_url())
    imports.apply(imports.check(own_row_from_template("figures"), "figures", store=store), store)
    at = page_apptest(PAGE)
    at.query_params.update({"version": "1", "date": "2025-03-01", "where": "BDI"})
    at.run()
    [notice] = [i.value for i in at.info if "Newer data exists" in i.value]
    assert "(?date=2025-03-01&where=BDI)" in notice
    # The menu's link carries no view, and Streamlit forgets a page's widgets while another page is shown: the
    # page comes back as the reader left it (kept in the session), not on the latest data.
    back = page_apptest(PAGE)
    from dashboards.pages.address import SHOWN

    for key in ("fig_date_kept", SHOWN):  # its filters, and the date and version last shown
        back.session_state[key] = at.session_state[key]
    back.run()
    assert back.date_input(key="fig_date").value == date(2025, 3, 1) and back.multiselect(key="fig_where").value == ["BDI"]
    assert back.query_params["version"] in ("1", ["1"]) and not back.warning

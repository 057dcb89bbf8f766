from datetime import date

from dashboards import viewmodel as vm
from dashboards.config import SEEDS_DIR
from dashboards.schema import CONTROL
from dashboards.seeds import read_seed

from ..conftest import page_apptest, run_page

PAGE = "dashboards.pages.control_page"


def test_control_per_locality_unmapped_list_and_all_events(app_env):
    at = run_page(PAGE)
    control = read_seed(SEEDS_DIR / "control.csv", CONTROL)
    state = vm.control_at(control)
    per_locality, unmapped, events = (d.value for d in at.dataframe)
    assert len(per_locality) == len(state)
    assert set(unmapped["Locality"]) == set(vm.unmapped(state)["locality"])
    assert len(events) == len(control)
    goma = per_locality.set_index("Locality").loc["Goma"]
    assert goma["Controlled by"] == "M23/AFC" and str(goma["Since"]) == "2025-01-27"


def test_the_province_filter_applies_to_both_tables(app_env):
    at = run_page(PAGE)
    at.multiselect(key="ctl_province").set_value(["South Kivu"]).run()
    per_locality, _, events = (d.value for d in at.dataframe)
    assert set(per_locality["Province"]) == {"South Kivu"} and set(events["Province"]) == {"South Kivu"}


def test_a_link_dated_before_bukavu_fell_shows_goma_held_by_m23_and_bukavu_not_yet_taken(app_env):
    at = page_apptest(PAGE)
    at.query_params["date"] = "2025-02-01"
    at.query_params["province"] = ["North Kivu", "south kivu", "North Kivu"]  # each once, in any capitals
    at.run()
    assert not at.exception and not at.warning
    per_locality, _, events = (d.value for d in at.dataframe)
    rows = per_locality.set_index("Locality")
    assert rows.loc["Goma", "Controlled by"] == "M23/AFC" and "Bukavu" not in rows.index
    assert str(events["Date"].max()) <= "2025-02-01"  # the events up to the date, and a word on the later ones
    assert any("later event(s) are not shown" in c.value for c in at.caption)
    assert at.query_params["date"] in ("2025-02-01", ["2025-02-01"])
    assert at.query_params["province"] == ["North Kivu", "South Kivu"]


def test_the_date_chosen_on_the_page_goes_into_the_address(app_env):
    at = page_apptest(PAGE)
    at.run()
    at.date_input(key="ctl_date").set_value(date(2025, 2, 20)).run()
    per_locality = at.dataframe[0].value.set_index("Locality")
    assert per_locality.loc["Bukavu", "Controlled by"] == "M23/AFC" and str(per_locality.loc["Bukavu", "Since"]) == "2025-02-16"
    assert at.query_params["date"] in ("2025-02-20", ["2025-02-20"])


def test_a_link_with_a_date_outside_the_data_or_an_unknown_version_says_so_and_shows_the_nearest(app_env):
    at = page_apptest(PAGE)
    at.query_params["date"] = "2031-01-01"
    at.query_params["version"] = "999"
    at.query_params["province"] = "Atlantis"
    at.run()
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "no data version '999'" in notices and "2031-01-01 is outside the data" in notices
    assert "There is no province 'Atlantis' in the data" in notices
    assert "province" not in at.query_params and "version" not in at.query_params


def test_a_date_before_any_event_of_the_provinces_says_so_and_offers_no_empty_download(app_env):
    at = page_apptest(PAGE)
    at.query_params.update({"date": "2022-06-13", "province": "South Kivu"})
    at.run()
    assert [i.value for i in at.info] == ["No locality in these provinces has a recorded event on or before 13 Jun 2022: "
                                          "choose a later date or another province."]
    assert not at.get("download_button")


def test_opened_from_the_menu_it_shows_the_date_of_the_page_before_brought_within_the_data(app_env):
    # The date last shown on another page; after a full refresh the data may no longer reach it.
    from dashboards.pages.address import SHOWN

    at = page_apptest(PAGE)
    at.session_state[SHOWN] = {"version": None, "on": date(2025, 2, 1)}
    at.run()
    assert not at.exception and at.date_input(key="ctl_date").value == date(2025, 2, 1)
    assert at.query_params["date"] in ("2025-02-01", ["2025-02-01"])  # written by finish_run(), after the page
    later = page_apptest(PAGE)
    later.session_state[SHOWN] = {"version": None, "on": date(2031, 1, 1)}
    later.run()
    assert not later.exception
    latest = later.date_input(key="ctl_date").value
    assert latest < date(2031, 1, 1) and "outside the data" in later.warning[0].value

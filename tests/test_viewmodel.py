from datetime import date

import pandas as pd

from dashboards import viewmodel as vm
from dashboards.config import SEEDS_DIR
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import read_seed

from .conftest import CONTROL_HEADER, FIGURES_HEADER, frame

FIGS = frame(
    FIGURES,
    "\n".join(
        [
            FIGURES_HEADER,
            "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,T,https://e.org/1,standard,",
            "2025-03-31,COD,,BDI,,refugees,70000,flow,2025-01-01,,UNHCR,T,https://e.org/2,standard,",
            "2025-12-19,COD,South Kivu,BDI,,refugees,84000,flow,2025-12-01,,UNHCR,T,https://e.org/3,standard,",
            "2025-04-08,COD,,UGA,,refugees,600000,stock,,,UNHCR,T,https://e.org/4,standard,",
            "2025-04-08,COD,North Kivu,UGA,,refugees,41000,flow,2025-01-01,,UNHCR,T,https://e.org/5,standard,",
            "2025-01-30,COD,North Kivu,RWA,,asylum_seekers,600,flow,,,UNHCR,T,https://e.org/6,standard,",
            "2025-04-11,COD,,XNB,,new_arrivals,121000,flow,2025-01-01,,UNHCR,T,https://e.org/7,standard,",
            "2024-05-31,COD,South Kivu,COD,South Kivu,idps,1395604,stock,,,IOM DTM,T,https://e.org/8,standard,",
            "2025-01-11,COD,North Kivu,COD,North Kivu,idps,2800000,stock,,,UN,T,https://e.org/9,low,",
            "2025-03-04,COD,North Kivu,COD,North Kivu,idps,17000,stock,,Goma sites only,UNHCR,T,https://e.org/10,standard,",
        ]
    ),
)

CTRL = frame(
    CONTROL,
    "\n".join(
        [
            CONTROL_HEADER,
            "2025-01-27,Goma,Goma (city),North Kivu,-1.67409,29.22845,GeoNames,M23/AFC,captured,R,T,https://e.org/a,,",
            "2025-02-16,Bukavu,Bukavu (city),South Kivu,-2.49077,28.84281,GeoNames,M23/AFC,captured,R,T,https://e.org/b,,",
            "2023-10-07,Kitshanga,Masisi,North Kivu,-1.25222,29.05889,wiki,M23/AFC,captured,A,T,https://e.org/c,,",
            "2023-10-14,Kitshanga,Masisi,North Kivu,-1.25222,29.05889,wiki,FARDC,retaken,B,T,https://e.org/d,,",
            "2023-10-21,Kitshanga,Masisi,North Kivu,-1.25222,29.05889,wiki,M23/AFC,captured,C,T,https://e.org/e,,",
            "2025-12-10,Uvira,Uvira (city),South Kivu,-3.39534,29.13779,GeoNames,M23/AFC,captured,D,T,https://e.org/f,,",
            "2025-12-18,Uvira,Uvira (city),South Kivu,-3.39534,29.13779,GeoNames,contested,withdrew,E,T,https://e.org/g,,",
            "2025-12-09,Kiliba,Uvira,South Kivu,,,,M23/AFC,captured,F,T,https://e.org/h,,",
        ]
    ),
)


def test_on_28_january_2025_goma_is_held_by_m23_and_bukavu_not_yet_taken():
    state = vm.control_at(CTRL, date(2025, 1, 28)).set_index("locality")
    assert state.loc["Goma", "controlled_by"] == "M23/AFC"
    assert "Bukavu" not in state.index


def test_since_is_the_start_of_the_current_controllers_unbroken_run():
    state = vm.control_at(CTRL).set_index("locality")
    assert state.loc["Kitshanga", "since"] == pd.Timestamp("2023-10-21")
    assert state.loc["Uvira", "controlled_by"] == "contested"
    assert state.loc["Uvira", "since"] == pd.Timestamp("2025-12-18")


def test_localities_without_a_coordinate_are_unmapped_not_placed():
    state = vm.control_at(CTRL)
    assert list(vm.unmapped(state)["locality"]) == ["Kiliba"]
    assert "Kiliba" not in set(vm.mapped(state)["locality"])


def test_each_destination_shows_its_latest_figure_whatever_its_series():
    latest = vm.cross_border_latest(FIGS).set_index("destination_country")
    assert latest.loc["BDI", "figure"] == 84000
    assert latest.loc["RWA", "figure"] == 600
    assert "XNB" not in latest.index and "COD" not in latest.index


def test_on_a_tie_of_dates_a_flow_is_preferred_to_a_stock():
    latest = vm.cross_border_latest(FIGS).set_index("destination_country")
    assert latest.loc["UGA", "figure"] == 41000


def test_latest_means_on_or_before_the_chosen_date():
    latest = vm.cross_border_latest(FIGS, date(2025, 3, 1)).set_index("destination_country")
    assert latest.loc["BDI", "figure"] == 42000
    assert "UGA" not in latest.index


def test_province_idps_are_the_latest_whole_province_stock_not_a_subset():
    idp = vm.idp_by_province(FIGS).set_index("destination_admin1")
    assert idp.loc["North Kivu", "figure"] == 2800000
    assert idp.loc["South Kivu", "figure"] == 1395604


def test_the_headline_counts_only_flows_since_1_january_2025_and_keeps_the_sourced_total_apart():
    head = vm.headline(FIGS)
    assert dict(zip(head.by_country["destination_country"], head.by_country["figure"])) == {"BDI": 70000, "UGA": 41000}
    assert head.sourced_total["figure"] == 121000
    assert head.sum_of_countries == 111000
    assert list(head.without_series["destination_country"]) == ["RWA"]


def test_the_headline_names_the_figure_the_map_draws_where_it_is_another_count_than_the_card():
    head = vm.headline(FIGS)
    # Burundi's card counts since 1 January (70,000 as of 31 Mar); the map draws its latest figure of any
    # series (84,000 since 1 Dec, as of 19 Dec). Uganda's card and map mark are the same report.
    assert list(head.on_the_map["destination_country"]) == ["BDI"]
    burundi = head.on_the_map.iloc[0]
    assert (burundi["figure"], burundi["period_start"]) == (84000, pd.Timestamp("2025-12-01"))
    mapped = vm.cross_border_latest(FIGS).set_index("destination_country")
    assert burundi["figure"] == mapped.loc["BDI", "figure"]
    # On 1 March Burundi has no count since 1 January: it is listed as without one, not as differing.
    early = vm.headline(FIGS, date(2025, 3, 1))
    assert early.on_the_map.empty and list(early.without_series["destination_country"]) == ["BDI", "RWA"]


def test_stocks_and_flows_are_separate_series():
    series = vm.latest_per_series(FIGS)
    uganda = series[series["destination_country"] == "UGA"]
    assert sorted(uganda["measure"]) == ["flow", "stock"]


def test_the_date_range_spans_both_tables():
    assert vm.date_range(FIGS, CTRL) == (date(2023, 10, 7), date(2025, 12, 19))


def test_a_town_first_reported_without_a_coordinate_is_placed_by_the_one_a_later_event_gave():
    later = frame(CONTROL, "\n".join([
        CONTROL_HEADER,
        "2025-12-20,Kiliba,Uvira,South Kivu,-3.22,29.15,GeoNames,FARDC,retaken,G,T,https://e.org/i,,",
        "2025-12-22,Kiliba,Uvira,South Kivu,-3.23,29.16,OCHA,FARDC,retaken,H,T,https://e.org/j,,",
    ]))
    both = pd.concat([CTRL, later], ignore_index=True)
    before = vm.control_at(both, date(2025, 12, 15)).set_index("locality").loc["Kiliba"]
    # On 15 December only the coordinate-less event had happened: the earliest coordinate given later places it.
    assert before["controlled_by"] == "M23/AFC"
    assert (before["lat"], before["lon"], before["coord_source"]) == (-3.22, 29.15, "GeoNames")
    # Once coordinates exist on or before the date, the latest of them is used.
    after = vm.control_at(both, date(2025, 12, 31)).set_index("locality").loc["Kiliba"]
    assert (after["lat"], after["lon"], after["coord_source"]) == (-3.23, 29.16, "OCHA")
    # A locality that never had one stays off the map.
    assert list(vm.unmapped(vm.control_at(CTRL))["locality"]) == ["Kiliba"]


def test_an_other_sources_different_count_in_the_30_days_before_is_found_not_hidden_by_the_latest():
    figures = read_seed(SEEDS_DIR / "figures.csv", FIGURES)
    rwanda = vm.cross_border_latest(figures, date(2025, 2, 16)).set_index("destination_country", drop=False).loc["RWA"]
    assert (rwanda["figure"], rwanda["source_org"]) == (600, "UNHCR")
    earlier = vm.recent_other_sources(figures, rwanda)
    assert list(zip(earlier["figure"], earlier["as_of"].dt.date)) == [(1200, date(2025, 1, 28))]
    assert "Government of Rwanda" in earlier["source_org"].iloc[0]
    # The same source's own earlier count, a count equal to the latest, or one over 30 days older is not listed.
    same = figures[figures["destination_country"] == "RWA"].assign(source_org="UNHCR")
    assert vm.recent_other_sources(same, rwanda).empty
    assert vm.recent_other_sources(figures.assign(figure=600), rwanda).empty
    later = rwanda.copy()
    later["as_of"] = rwanda["as_of"] + pd.Timedelta(days=60)
    assert vm.recent_other_sources(figures, later).empty

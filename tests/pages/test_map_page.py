from datetime import date

from dashboards import viewmodel as vm
from dashboards.builders import maps
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import read_seed
from dashboards.config import SEEDS_DIR

from ..conftest import component_args, own_row_from_template, page_apptest, run_page

PAGE = "dashboards.pages.map_page"


def map_apptest():
    """The map page under AppTest, not yet run, so a test can set query parameters first."""
    return page_apptest(PAGE)


def seeds():
    return read_seed(SEEDS_DIR / "figures.csv", FIGURES), read_seed(SEEDS_DIR / "control.csv", CONTROL)


def test_the_headline_shows_each_country_since_january_with_its_date(app_env):
    at = run_page(PAGE)
    figures, _ = seeds()
    head = vm.headline(figures)
    labels = [m.label for m in at.metric]
    values = [m.value for m in at.metric]
    assert "Burundi" in labels and "All neighbouring countries" in labels
    burundi = head.by_country.set_index("destination_country").loc["BDI"]
    assert values[labels.index("Burundi")] == f"about {int(burundi['figure']):,}"  # 'Some 70,000' (UNHCR)
    assert values[labels.index("All neighbouring countries")] == "more than 121,000"  # 'Over 121,000 people have fled' (11 Apr 2025)
    assert "add up to" in " ".join(c.value for c in at.caption) and "each as its source states it: more than, about" in " ".join(c.value for c in at.caption)
    captions = " ".join(c.value for c in at.caption)
    assert "as of 31 Mar 2025" in captions


def test_where_the_map_draws_another_count_than_a_card_the_page_says_what_each_counts(app_env):
    # Seeds, latest date: Burundi's card is 70,000 refugees since 1 Jan 2025 (as of 31 Mar 2025); the map
    # draws 84,000 refugees since 1 Dec 2025 (as of 19 Dec 2025), the country's latest figure of any series.
    at = run_page(PAGE)
    labels, values = [m.label for m in at.metric], [m.value for m in at.metric]
    assert values[labels.index("Burundi")] == "about 70,000"  # the source: 'Some 70,000 arrived in Burundi'
    captions = " ".join(c.value for c in at.caption)
    assert "refugees, as of 31 Mar 2025" in captions
    assert ("Burundi: the map shows more than 84,000 refugees from South Kivu in Burundi, newly displaced since "
            "1 Dec 2025 \\(flow\\), as of 19 Dec 2025") in captions
    assert "Straits Times" in captions and "are not added up" in captions
    # Uganda's card is the report the map draws: nothing to explain.
    assert "Uganda: the map shows" not in captions
    assert "flow since 1 Dec 2025" in component_args(at)["feature_group"]  # the map's label says it too


def test_the_map_gets_all_layers_local_assets_and_no_rerun_on_every_interaction(app_env):
    at = run_page(PAGE)
    args = component_args(at)
    figures, control = seeds()
    state = vm.control_at(control)
    assert args["returned_objects"] == ["center", "zoom"]  # where the reader moved it; clicks cause no rerun
    assert all(not link.startswith("http") for link in args["js_links"] + args["css_links"])
    assert any(link.endswith("leaflet.js") for link in args["js_links"])
    groups = args["feature_group"]
    assert groups.count('"className": "control-marker') == len(vm.mapped(state))
    assert groups.count("L.polyline") == vm.cross_border_latest(figures)["destination_country"].nunique()
    assert groups.count('"className": "idp-marker') == len(vm.idp_by_province(figures))
    assert "Who controls the town" in args["script"]


def test_turning_a_layer_off_removes_it_and_keeps_the_base_map(app_env):
    at = run_page(PAGE)
    base = component_args(at)["script"]
    at.button_group[0].set_value(["control", "idps"]).run()
    args = component_args(at)
    assert "L.polyline" not in args["feature_group"]
    assert args["script"] == base


def test_unmapped_localities_are_listed_under_the_map(app_env):
    at = run_page(PAGE)
    _, control = seeds()
    missing = vm.unmapped(vm.control_at(control))
    text = " ".join(c.value for c in at.caption)
    assert f"{len(missing)} of" in text and sorted(missing["locality"])[0] in text


def test_online_tiles_are_off_until_the_user_turns_them_on(app_env):
    at = run_page(PAGE)
    assert "tile.openstreetmap.org" not in component_args(at)["script"]
    at.toggle(key="tiles").set_value(True).run()
    assert "tile.openstreetmap.org" in component_args(at)["script"]


def test_url_parameters_set_the_date_layers_and_version(app_env):
    at = map_apptest()
    at.query_params["date"] = "2025-01-28"
    at.query_params["layers"] = ["control"]
    at.query_params["version"] = "1"
    at.run()
    assert not at.exception and not at.warning
    assert str(at.slider(key="date").value) == "2025-01-28"
    args = component_args(at)
    assert "L.polyline" not in args["feature_group"]
    assert at.query_params["date"] in ("2025-01-28", ["2025-01-28"]) and at.query_params["version"] in ("1", ["1"])


def test_invalid_url_parameters_fall_back_and_say_so(app_env):
    at = map_apptest()
    at.query_params["date"] = "2031-13-45"
    at.query_params["layers"] = ["nonsense"]
    at.query_params["version"] = "999"
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "no data version '999'" in warnings and "not a day of the calendar" in warnings and "nonsense" in warnings
    assert str(at.slider(key="date").value) == "2025-12-23"
    # Once the reader moves the date they are about a view no longer on screen: they go.
    at.slider(key="date").set_value(date(2025, 2, 1)).run()
    assert not at.exception and not at.warning


def test_changing_the_date_updates_the_address_and_keeps_the_map_mounted(app_env):
    from datetime import date

    at = map_apptest()
    at.run()
    before = component_args(at)
    at.slider(key="date").set_value(date(2025, 1, 28)).run()
    after = component_args(at)
    assert at.query_params["date"] in ("2025-01-28", ["2025-01-28"])
    assert after["key"] == before["key"] and after["script"] == before["script"]  # same base map: no remount
    assert after["feature_group"] != before["feature_group"]


def test_the_caption_links_to_the_tables_for_the_same_date_and_version(app_env):
    at = map_apptest()
    at.query_params.update({"date": "2025-02-21", "version": "1"})
    at.run()
    caption = next(c.value for c in at.caption if c.value.startswith("Situation on 21 Feb 2025"))
    assert "[the figures reported up to this date](figures?version=1&date=2025-02-21)" in caption
    assert "[who controlled each locality on it](control?version=1&date=2025-02-21)" in caption


def test_focusing_on_a_country_centres_the_map_without_changing_the_base_map(app_env):
    at = map_apptest()
    at.query_params["focus"] = "BDI"
    at.run()
    assert not at.exception and not at.warning
    args = component_args(at)
    assert args["zoom"] == 7 and -4.5 < args["center"][0] < -2.3
    at.selectbox(key="focus").set_value(None).run()
    back = component_args(at)
    assert (back["center"], back["zoom"]) == (list(maps.CENTER), maps.ZOOM)  # back to the whole region
    assert back["key"] == args["key"]  # moved, not remounted


def test_a_link_with_a_map_position_opens_there_and_says_so_when_it_cannot_be_read(app_env):
    at = map_apptest()
    at.query_params["center"] = "-2.5081,28.8617"
    at.query_params["zoom"] = "10"
    at.run()
    assert not at.exception and not at.warning
    args = component_args(at)
    assert (args["center"], args["zoom"]) == ([-2.5081, 28.8617], 10)
    assert at.query_params["center"] in ("-2.5081,28.8617", ["-2.5081,28.8617"])
    broken = map_apptest()
    broken.query_params["center"] = "Bukavu"
    broken.query_params["zoom"] = "10"
    broken.run()
    assert "cannot be read" in broken.warning[0].value and component_args(broken)["center"] is None
    assert "center" not in broken.query_params


def test_where_the_reader_moves_the_map_goes_into_the_address_and_a_new_focus_moves_it_again(app_env):
    at = map_apptest()
    at.run()
    key = component_args(at)["key"]
    sent = (component_args(at)["center"], component_args(at)["zoom"])
    at.session_state[key] = {"center": {"lat": -1.6792345, "lng": 29.2228123}, "zoom": 9}  # as the map reports
    at.run()
    assert at.query_params["center"] in ("-1.6792,29.2228", ["-1.6792,29.2228"])
    assert at.query_params["zoom"] in ("9", ["9"])
    # The map is where the reader put it: the component is sent what it was sent before, so that it does not move.
    assert (component_args(at)["center"], component_args(at)["zoom"]) == sent
    at.slider(key="date").set_value(date(2025, 2, 1)).run()  # other changes keep the position
    assert at.query_params["zoom"] in ("9", ["9"]) and (component_args(at)["center"], component_args(at)["zoom"]) == sent
    at.selectbox(key="focus").set_value("BDI").run()  # a new focus wins over the last reported position
    args = component_args(at)
    assert args["zoom"] == 7 and -4.5 < args["center"][0] < -2.3 and "center" not in at.query_params


def test_the_readers_own_moves_are_never_sent_back_to_the_map_so_a_late_run_cannot_pull_it_back(app_env):
    # Two quick zooms on a slow server: the run for the first (zoom 7) can end after the reader reached zoom 8.
    # Had it sent zoom 7 to the component, the map would have jumped back to 7 while the address said 8.
    at = map_apptest()
    at.query_params["focus"] = "BDI"  # the page moves the map once, to Burundi
    at.run()
    key, sent = component_args(at)["key"], (component_args(at)["center"], component_args(at)["zoom"])
    assert sent[1] == 7
    at.session_state[key] = {"center": {"lat": sent[0][0], "lng": sent[0][1]}, "zoom": 7}  # the map got there
    at.run()
    for zoom in (8, 9):
        at.session_state[key] = {"center": {"lat": -3.3, "lng": 29.9}, "zoom": zoom}
        at.run()
        assert at.query_params["zoom"] in (str(zoom), [str(zoom)])
        assert (component_args(at)["center"], component_args(at)["zoom"]) == sent
    # Back to the same focus after panning away: the map is sent there again (a hair off, to count as new).
    at.selectbox(key="focus").set_value(None).run()
    at.selectbox(key="focus").set_value("BDI").run()
    args = component_args(at)
    assert args["zoom"] == 7 and abs(args["center"][0] - sent[0][0]) < 1e-6


def test_turning_every_layer_off_is_kept_in_the_address(app_env):
    at = map_apptest()
    at.run()
    at.pills(key="layers").set_value([]).run()
    assert not at.exception
    assert at.query_params["layers"] in ("none", ["none"])  # not dropped: a dropped parameter means all layers
    reopened = map_apptest()
    reopened.query_params["layers"] = "none"
    reopened.run()
    assert not reopened.exception and not reopened.warning
    assert list(reopened.pills(key="layers").value) == []


def test_a_headline_figure_older_than_30_days_before_the_date_is_marked_old(app_env):
    at = map_apptest()
    at.query_params["date"] = "2025-12-23"
    at.run()
    captions = [c.value for c in at.caption]
    burundi = next(c for c in captions if c.startswith("refugees, as of 31 Mar 2025"))
    # The seed row is low confidence (publisher not confirmed): the card says so, as the map's popup does.
    assert burundi.endswith(":orange-badge[low confidence] :orange-badge[over 30 days old]")
    at = map_apptest()
    at.query_params["date"] = "2025-04-15"
    at.run()
    burundi = next(c.value for c in at.caption if c.value.startswith("refugees, as of 31 Mar 2025"))
    assert "30 days" not in burundi


def test_before_2025_the_headline_says_its_count_had_not_begun(app_env):
    at = map_apptest()
    at.query_params["date"] = "2024-06-01"
    at.run()
    assert not at.exception
    assert any("this count had not begun" in c.value for c in at.caption)
    assert not [m for m in at.metric]
    at = map_apptest()
    at.query_params["date"] = "2025-06-01"
    at.run()
    assert not any("had not begun" in c.value for c in at.caption)


def test_text_from_the_data_cannot_format_the_page(app_env):
    from dashboards.builders import text as t

    shown = t.md("UNHCR $x$ :red[!] [link](https://evil.example) **b**")
    # Every Markdown sign is escaped, so Streamlit shows the text exactly as written.
    for sign in "$:[]()*":
        assert shown.count("\\" + sign) == "UNHCR $x$ :red[!] [link](https://evil.example) **b**".count(sign)


def test_the_layer_choices_wrap_on_a_narrow_screen_rather_than_scroll_out_of_sight(app_env):
    at = run_page(PAGE)
    assert at.button_group[0].proto.wrap is True


def test_the_downloaded_map_keeps_the_focus_of_the_page(app_env):
    import re
    from datetime import date

    from dashboards.config import database_url
    from dashboards.geo import load_boundaries
    from dashboards.pages import map_page

    run_page(PAGE)  # creates and seeds the database
    anchor = load_boundaries().province_anchor("South Kivu")
    focused = map_page.standalone_map(database_url(), 1, date(2025, 12, 23), ("control",), False, "South Kivu")
    whole = map_page.standalone_map(database_url(), 1, date(2025, 12, 23), ("control",), False)

    def view(html):
        center = re.search(r'center: \[([-\d.]+), ([-\d.]+)\]', html)
        zoom = re.search(r'"zoom": (\d+),', html)
        return (float(center[1]), float(center[2])), int(zoom[1])

    assert view(focused) == (tuple(anchor), map_page.FOCUS_ZOOM)
    assert "centred on South Kivu" in focused
    assert view(whole) == (maps.CENTER, maps.ZOOM)
    moved = map_page.standalone_map(database_url(), 1, date(2025, 12, 23), ("control",), False, "South Kivu",
                                    (-1.6792, 29.2228), 10)
    assert view(moved) == ((-1.6792, 29.2228), 10)  # where the reader moved the map, over the focus


def test_an_older_version_links_to_the_same_view_on_the_latest_data(app_env):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    run_page(PAGE)
    store = Store(database_url())
    imports.apply(imports.check(own_row_from_template("figures"), "figures", store=store), store)
    at = map_apptest()
    at.query_params.update({"version": "1", "date": "2025-03-01", "focus": "south kivu", "layers": "flows"})
    at.run()
    [notice] = [i.value for i in at.info if "Newer data exists" in i.value]
    assert "(?date=2025-03-01&layers=flows&focus=South+Kivu)" in notice and "version=" not in notice


def test_a_database_of_another_layout_stops_the_page_with_what_to_do(app_env):
    import sqlite3

    with sqlite3.connect(app_env / "app.sqlite") as conn:
        conn.execute("CREATE TABLE versions (id INTEGER PRIMARY KEY, table_name TEXT)")
    at = run_page(PAGE)
    assert [e.value for e in at.error] and "has a table 'versions' without the column(s)" in at.error[0].value
    assert "Point DATABASE_URL or DASHBOARD_DB at a new database" in at.error[0].value
    assert not [e for e in at.main if getattr(e, "type", None) == "component_instance"]  # no map over no data


def test_the_page_says_how_old_the_newest_data_is_when_it_is_over_30_days_before_today(app_env):
    from dashboards import viewstate

    newest = max(seeds()[0]["as_of"].max(), seeds()[1]["date"].max()).date()
    expected = viewstate.data_age_notice(newest, date.today())
    at = run_page(PAGE)
    infos = [i.value for i in at.info]
    assert (expected in infos) if expected else not any("newest report" in i for i in infos)
    at.slider(key="date").set_value(date(2025, 2, 1)).run()  # an earlier date chosen on purpose: no notice
    assert not any("newest report" in i.value for i in at.info)


def test_a_card_says_the_province_its_figure_counts_people_from(app_env):
    at = map_apptest()
    at.query_params["date"] = "2025-04-10"  # Uganda's latest count since 1 January: arrivals from North Kivu
    at.run()
    labels = [m.label for m in at.metric]
    assert at.metric[labels.index("Uganda")].value == "more than 41,000"
    assert any(c.value.startswith("refugees from North Kivu, as of") for c in at.caption)


def typed_date(at):
    [field] = [d for d in at.date_input if d.label == "Or type the date"]
    return field


def test_a_typed_date_sets_the_view_as_the_slider_does_and_follows_it(app_env):
    at = map_apptest()
    at.run()
    typed_date(at).set_value(date(2025, 2, 16)).run()
    assert not at.exception
    assert at.slider(key="date").value == date(2025, 2, 16)
    assert at.query_params["date"] in ("2025-02-16", ["2025-02-16"])
    at.slider(key="date").set_value(date(2025, 1, 28)).run()
    assert typed_date(at).value == date(2025, 1, 28)


def run_as_a_browser_not_redrawn_yet(at, field_as_drawn) -> None:
    """Run with every widget's value, as a browser sends them, but with the date field as the browser still has
    it from before the last run (it has not redrawn it yet): keys pressed fast on a slow server do that."""
    states = at._tree.get_widget_states()
    kept = [w for w in states.widgets if w.id != typed_date(at).id]
    del states.widgets[:]
    states.widgets.extend([*kept, field_as_drawn])
    at._run(states)
    assert not at.exception


def test_a_date_field_the_browser_has_not_redrawn_yet_does_not_pull_the_slider_back(app_env):
    at = map_apptest()
    at.run()
    first = at.slider(key="date").value
    stale = typed_date(at)._widget_state  # the field as the browser last drew it
    at.slider(key="date").set_value(date(2025, 3, 1)).run()
    at.slider(key="date").set_value(date(2025, 2, 1))
    run_as_a_browser_not_redrawn_yet(at, stale)
    assert first != date(2025, 2, 1)
    assert at.slider(key="date").value == date(2025, 2, 1)
    assert at.query_params["date"] in ("2025-02-01", ["2025-02-01"])


def test_the_slider_moved_right_after_a_typed_date_is_not_pulled_back_to_it(app_env):
    at = map_apptest()
    at.run()
    typed_date(at).set_value(date(2025, 2, 16))
    typed = typed_date(at)._widget_state  # the field holding the typed date, under the key it was drawn with
    at.run()
    assert at.slider(key="date").value == date(2025, 2, 16)
    at.slider(key="date").set_value(date(2025, 2, 17))
    run_as_a_browser_not_redrawn_yet(at, typed)
    assert at.slider(key="date").value == date(2025, 2, 17)
    assert typed_date(at).value == date(2025, 2, 17)


def test_the_timelines_caption_says_what_each_line_style_and_the_grey_rule_mean(app_env):
    at = run_page(PAGE)
    caption = next(c.value for c in at.caption if "Square-root scale" in c.value)
    for key in ("Stocks are solid lines", "flows counted since a stated date dashed lines",
                "a flow whose start is not stated is dots only", "The grey rule is the chosen date"):
        assert key in caption, caption
    assert "dashed line is the chosen date" not in caption


def test_the_timelines_hold_their_data_as_arrow_made_once_with_every_row_of_the_chart(app_env):
    import pyarrow as pa

    from dashboards.builders import charts
    from dashboards.pages import map_page
    from dashboards.pages.state import get_boundaries, snapshot, tables

    run_page(PAGE)  # seeds the database
    snap, url = snapshot(), map_page.database_url()
    figures, _ = tables(url, snap.version)
    abroad, _ = map_page.timelines(url, snap.version, snap.span[1])
    expected = charts.timeline(figures, get_boundaries().country_names(), snap.span[1], cross_border=True).to_dict()
    assert abroad["datasets"] and set(abroad["datasets"]) == set(expected["datasets"])
    for name, data in abroad["datasets"].items():
        assert isinstance(data, bytes)  # Streamlit sends bytes as they are; records it converts on every rerun
        rows = pa.ipc.open_stream(data).read_all().to_pandas()
        assert len(rows) == len(expected["datasets"][name]) > 0


def test_on_21_february_2025_the_un_count_reads_more_than_50000_as_the_un_said(app_env):
    at = map_apptest()
    at.query_params["date"] = "2025-02-21"
    at.run()
    labels = [m.label for m in at.metric]
    assert at.metric[labels.index("All neighbouring countries")].value == "more than 50,000"
    assert at.metric[labels.index("Uganda")].value == "13,000"  # 'another 13,000': given as it stands


def test_a_card_whose_count_covers_only_part_of_its_people_says_which_part(app_env):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    from ..conftest import FIGURES_HEADER

    run_page(PAGE)
    store = Store(database_url())
    row = ("2026-01-05,COD,South Kivu,ZMB,,refugees,900,flow,2025-01-01,Mantapala settlement only,Made-up org,T,"
           "https://example.org/test/zmb,standard,Made-up row for tests")
    imports.apply(imports.check(f"{FIGURES_HEADER}\n{row}\n".encode(), "figures", store=store), store)
    at = map_apptest()
    at.query_params["date"] = "2026-01-05"
    at.run()
    labels = [m.label for m in at.metric]
    assert at.metric[labels.index("Zambia")].value == "900"
    assert any(c.value.startswith("refugees from South Kivu \\[Mantapala settlement only\\], as of 5 Jan 2026")
               for c in at.caption), [c.value for c in at.caption]


def test_back_on_the_map_from_the_menu_it_shows_the_date_of_the_page_before_brought_within_the_data(app_env):
    from dashboards.pages.address import SHOWN
    from dashboards.viewstate import ViewState

    at = map_apptest()
    # The map was seen earlier in the session (its view kept, its widgets forgotten while another page showed);
    # the page before showed a date the data no longer reaches (a full refresh since).
    at.session_state["view"] = ViewState(None, date(2025, 2, 1), ("control",))
    at.session_state[SHOWN] = {"version": None, "on": date(2031, 1, 1)}
    at.run()
    assert not at.exception
    assert at.slider(key="date").value < date(2031, 1, 1) and "outside the data" in at.warning[0].value
    assert at.query_params["layers"] in ("control", ["control"])  # the layers as the reader left them


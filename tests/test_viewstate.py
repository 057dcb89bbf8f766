from datetime import date

from dashboards.viewstate import ViewState, data_age_notice, is_stale, parse, query, share_url

SPAN = (date(2022, 6, 13), date(2025, 12, 23))


def test_valid_parameters_set_the_view():
    v = parse({"version": ["2"], "date": ["2025-01-28"], "layers": ["control", "idps"]}, versions=[1, 2], span=SPAN)
    assert (v.version, v.on, v.layers, v.notices) == (2, date(2025, 1, 28), ("control", "idps"), [])


def test_an_empty_parameter_is_as_if_absent():
    state = parse({"date": [""], "version": [" "], "focus": [""]}, versions=[1, 2], span=SPAN)
    assert (state.on, state.version, state.focus, state.notices) == (SPAN[1], None, None, [])


def test_each_invalid_parameter_falls_back_to_its_default_with_a_notice():
    v = parse({"version": ["7"], "date": ["2030-01-01"], "layers": ["bogus"]}, versions=[1, 2], span=SPAN)
    assert (v.version, v.on, v.layers) == (None, SPAN[1], ("control", "flows", "idps"))
    assert len(v.notices) == 3


def test_a_date_outside_the_data_goes_to_its_nearest_end_and_an_impossible_day_is_named():
    early = parse({"date": ["1999-01-01"]}, versions=[1], span=SPAN)
    assert early.on == SPAN[0] and early.notices == [
        "1999-01-01 is outside the data (2022-06-13 to 2025-12-23): showing the first date instead."]
    impossible = parse({"date": ["2025-02-30"]}, versions=[1], span=SPAN)
    assert impossible.on == SPAN[1]
    assert impossible.notices == ["2025-02-30 is not a day of the calendar: showing the latest date instead."]


def test_every_layer_off_survives_the_round_trip_through_a_link():
    off = ViewState(None, date(2025, 1, 28), ())
    url = share_url("http://host/", off, 3)
    assert url == "http://host/?version=3&date=2025-01-28&layers=none"
    params = {"version": ["3"], "date": ["2025-01-28"], "layers": ["none"]}
    assert parse(params, versions=[3], span=SPAN).layers == () and not parse(params, versions=[3], span=SPAN).notices


def test_no_parameters_mean_latest_everything():
    v = parse({}, versions=[1], span=SPAN)
    assert (v.version, v.on, v.layers, v.notices) == (None, SPAN[1], ("control", "flows", "idps"), [])


def test_a_share_link_pins_version_date_and_layers():
    url = share_url("http://host/", ViewState(None, date(2025, 1, 28), ("control",)), 3)
    assert url == "http://host/?version=3&date=2025-01-28&layers=control"
    both = share_url("http://host/", ViewState(None, date(2025, 1, 28), ("control", "idps"), focus="BDI"), 3)
    assert both == "http://host/?version=3&date=2025-01-28&layers=control&layers=idps&focus=BDI"


def test_more_than_30_days_old_is_stale():
    assert is_stale(date(2025, 1, 1), date(2025, 2, 1)) and not is_stale(date(2025, 1, 2), date(2025, 2, 1))


def test_focus_must_be_a_known_place():
    assert parse({"focus": ["BDI"]}, versions=[1], span=SPAN, places=("BDI", "North Kivu")).focus == "BDI"
    v = parse({"focus": ["Mars"]}, versions=[1], span=SPAN, places=("BDI",))
    assert v.focus is None and "Mars" in v.notices[0]


def test_a_focus_may_be_written_as_a_code_or_a_name_in_any_case():
    places = {"RWA": "Rwanda", "BDI": "Burundi", "South Kivu": "South Kivu"}
    for written, code in (("Rwanda", "RWA"), ("rwa", "RWA"), ("south kivu", "South Kivu"), (" BURUNDI ", "BDI")):
        view = parse({"focus": [written]}, versions=[1], span=SPAN, places=places)
        assert (view.focus, view.notices) == (code, []), written
    assert parse({"focus": ["Narnia"]}, versions=[1], span=SPAN, places=places).notices == [
        "There is no place 'Narnia' to focus on: showing the whole region instead."]


def test_a_share_link_has_one_slash_before_its_query_whatever_the_base():
    view = ViewState(None, date(2025, 1, 28), ("control",))
    assert share_url("http://host:8501", view, 3) == share_url("http://host:8501/", view, 3) == (
        "http://host:8501/?version=3&date=2025-01-28&layers=control")


def test_a_map_position_is_read_rounded_and_written_back_only_when_whole():
    v = parse({"center": ["-1.679234,29.222812"], "zoom": ["9"]}, versions=[1], span=SPAN)
    assert (v.center, v.zoom, v.notices) == ((-1.6792, 29.2228), 9, [])
    assert query(v, None)["center"] == "-1.6792,29.2228" and query(v, None)["zoom"] == "9"
    for center, zoom in [("-1.6,29.2", "13"), ("-1.6,29.2", "3"), ("-1.6,29.2", "nine"), ("91,29", "9"),
                         ("-1.6;29.2", "9"), ("nan,29", "9"), ("-1.6,29.2", None), (None, "9"), ("-1.6,inf", "9")]:
        params = {k: [v] for k, v in (("center", center), ("zoom", zoom)) if v is not None}
        bad = parse(params, versions=[1], span=SPAN)
        assert (bad.center, bad.zoom) == (None, None), (center, zoom)
        assert "cannot be read" in bad.notices[0] and "whole region" in bad.notices[0]
        assert "center" not in query(bad, None) and "zoom" not in query(bad, None)


def test_readers_are_told_when_the_newest_data_is_over_30_days_before_today():
    assert data_age_notice(date(2025, 12, 23), date(2026, 1, 22)) is None
    notice = data_age_notice(date(2025, 12, 23), date(2026, 11, 29))
    assert notice.startswith("The newest report in this data is from 23 Dec 2025, 341 days before today (29 Nov 2026)")

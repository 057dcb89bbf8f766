from datetime import date

from dashboards.viewstate import ViewState, is_stale, parse, share_url

SPAN = (date(2022, 6, 13), date(2025, 12, 23))


def test_valid_parameters_set_the_view():
    v = parse({"version": ["2"], "date": ["2025-01-28"], "layers": ["control", "idps"]}, versions=[1, 2], span=SPAN)
    assert (v.version, v.on, v.layers, v.notices) == (2, date(2025, 1, 28), ("control", "idps"), [])


def test_each_invalid_parameter_falls_back_to_its_default_with_a_notice():
    v = parse({"version": ["7"], "date": ["1999-01-01"], "layers": ["bogus"]}, versions=[1, 2], span=SPAN)
    assert (v.version, v.on, v.layers) == (None, SPAN[1], ("control", "flows", "idps"))
    assert len(v.notices) == 3


def test_no_parameters_mean_latest_everything():
    v = parse({}, versions=[1], span=SPAN)
    assert (v.version, v.on, v.layers, v.notices) == (None, SPAN[1], ("control", "flows", "idps"), [])


def test_a_share_link_pins_version_date_and_layers():
    url = share_url("http://host/", ViewState(None, date(2025, 1, 28), ("control",)), 3)
    assert url == "http://host/?version=3&date=2025-01-28&layers=control"


def test_more_than_30_days_old_is_stale():
    assert is_stale(date(2025, 1, 1), date(2025, 2, 1)) and not is_stale(date(2025, 1, 2), date(2025, 2, 1))


def test_focus_must_be_a_known_place():
    assert parse({"focus": ["BDI"]}, versions=[1], span=SPAN, places=("BDI", "North Kivu")).focus == "BDI"
    v = parse({"focus": ["Mars"]}, versions=[1], span=SPAN, places=("BDI",))
    assert v.focus is None and "Mars" in v.notices[0]

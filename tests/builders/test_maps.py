import re
from datetime import date

import folium
import pandas as pd
import pytest

from dashboards import viewmodel as vm
from dashboards.builders import maps
from dashboards.geo import load_boundaries
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import read_seed

from ..conftest import CONTROL_HEADER, FIXTURES, frame

B = load_boundaries()


def render(m: folium.Map, *groups: folium.FeatureGroup) -> str:
    for g in groups:
        g.add_to(m)
    return m.get_root().render()


@pytest.fixture(scope="module")
def hostile():
    figures = read_seed(FIXTURES / "hostile_figures.csv", FIGURES)
    control = read_seed(FIXTURES / "hostile_control.csv", CONTROL)
    return figures, control


def test_the_base_map_loads_scripts_and_styles_only_from_the_app():
    html = render(maps.base_map(B))
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the map should load Leaflet"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "leaflet.js" in html and "leaflet.css" in html
    assert "tile" not in html.lower().split("<script>")[0]


def test_online_tiles_are_added_only_when_asked_for():
    assert "openstreetmap" not in render(maps.base_map(B)).lower()
    assert "tile.openstreetmap.org" in render(maps.base_map(B, tiles=True))


def test_the_online_tiles_come_with_our_own_notice_for_when_they_cannot_load():
    html = render(maps.base_map(B, tiles=True))
    layer = re.search(r"var (tile_layer_\w+) = L\.tileLayer", html)[1]
    handler = html.index(f'{layer}.on("tileerror"')
    assert handler > html.index(f"{layer}.addTo(")  # attached once the layer exists, before any tile fails
    assert maps.TILE_ERROR_NOTE in html[handler:] and "offline layers still work" in maps.TILE_ERROR_NOTE
    assert ".tile-error" in html  # styled by our own CSS; the page loads nothing else (see above)
    assert "tileerror" not in render(maps.base_map(B))  # no online layer, nothing to fail


def test_the_legend_names_every_controller():
    html = render(maps.base_map(B))
    for label in ("M23/AFC", "FARDC / government", "Wazalendo and allied groups", "Contested or unknown"):
        assert label in html


def test_one_marker_per_mapped_locality_coloured_by_controller():
    control = read_seed(FIXTURES.parent.parent / "seeds" / "control.csv", CONTROL)
    state = vm.control_at(control)
    group = maps.control_layer(state, control)
    markers = [c for c in group._children.values() if isinstance(c, folium.CircleMarker)]
    assert len(markers) == len(vm.mapped(state))
    goma = next(m for m in markers if m.location == [-1.67409, 29.22845])
    assert goma.options["fillColor"] == maps.CONTROLLER_COLORS[state.set_index("locality").loc["Goma", "controlled_by"]]


def test_towns_of_the_less_common_controllers_are_drawn_last_so_they_stay_visible_on_top():
    rows = [("Goma", "M23/AFC"), ("Masisi", "Wazalendo"), ("Sake", "M23/AFC"), ("Uvira", "FARDC"),
            ("Minova", "M23/AFC"), ("Kalehe", "Wazalendo")]
    control = frame(CONTROL, "\n".join([CONTROL_HEADER] + [
        f"2025-02-01,{town},T,North Kivu,-1.5,29.0,GeoNames,{who},captured,R,T,https://example.org/x,," for town, who in rows
    ]))
    group = maps.control_layer(vm.control_at(control), control)
    drawn = [c.options["fillColor"] for c in group._children.values() if isinstance(c, folium.CircleMarker)]
    colours = maps.CONTROLLER_COLORS
    assert drawn == [colours["M23/AFC"]] * 3 + [colours["Wazalendo"]] * 2 + [colours["FARDC"]]


def test_every_mapped_town_is_named_beside_its_circle_cities_first_then_the_most_reported():
    control = read_seed(FIXTURES.parent.parent / "seeds" / "control.csv", CONTROL)
    state = vm.control_at(control)
    group = maps.control_layer(state, control)
    labels = [c for c in group._children.values() if type(c) is folium.Marker]
    icons = [next(i for i in m._children.values() if isinstance(i, folium.DivIcon)) for m in labels]
    names = dict(re.fullmatch(r'<span data-rank="(\d+)" data-city="[01]">([^<]+)</span>', i.options["html"]).groups() for i in icons)
    html = render(maps.base_map(B), group)
    assert len(labels) == len(names) == len(vm.mapped(state))
    ranked = [names[r] for r in sorted(names, key=int)]
    assert ranked[:3] == ["Goma", "Bukavu", "Uvira"]
    counts = control.groupby("locality").size()
    others = [counts[n] for n in ranked[3:] if n not in maps.CITIES]
    assert others == sorted(others, reverse=True) and others[0] > 1  # Kitshanga, 4 events, leads the rest
    assert all(m.options.get("interactive") is False for m in labels)  # clicks go through to the circle
    assert "declutter" in html  # names that would cover something are hidden by the map's own script


def test_a_town_name_is_escaped_on_the_map():
    control = frame(CONTROL, "\n".join([CONTROL_HEADER,
        '2025-02-01,<b onmouseover=alert(1)>Sake,T,North Kivu,-1.5,29.0,GeoNames,M23/AFC,captured,R,T,https://example.org/x,,']))
    html = render(maps.base_map(B), maps.control_layer(vm.control_at(control), control))
    assert "&lt;b onmouseover=alert(1)&gt;Sake" in html
    assert "<b onmouseover" not in html.replace("\\u003c", "<")  # the JSON in the page holds no live tag


def test_a_control_popup_gives_place_controller_since_and_linked_source():
    row = pd.Series({"locality": "Goma", "territory": "Goma (city)", "province": "North Kivu",
                     "controlled_by": "M23/AFC", "since": pd.Timestamp("2025-01-27"), "event": "captured",
                     "date": pd.Timestamp("2025-01-27"), "source_org": "Reuters", "source_title": "Goma falls",
                     "source_url": "https://example.org/goma", "confidence": "standard", "notes": None,
                     "coord_source": "GeoNames 216281"})
    html = maps.control_popup(row)
    for text in ("Goma", "Goma (city)", "North Kivu", "M23/AFC", "27 Jan 2025", "Reuters",
                 'href="https://example.org/goma"', "GeoNames 216281"):
        assert text in html


def test_flow_width_follows_the_square_root_of_the_figure():
    assert maps.flow_weight(100, 100) == maps.MAX_FLOW_WEIGHT
    assert maps.flow_weight(25, 100) == maps.MAX_FLOW_WEIGHT / 2
    assert maps.flow_weight(0, 100) == maps.MIN_FLOW_WEIGHT


def test_one_flow_per_destination_country_with_a_boundary():
    figures = read_seed(FIXTURES.parent.parent / "seeds" / "figures.csv", FIGURES)
    latest = vm.cross_border_latest(figures)
    group = maps.flow_layer(latest, vm.latest_per_series(figures), B)
    lines = [c for c in group._children.values() if isinstance(c, folium.PolyLine)]
    drawable = [c for c in latest["destination_country"] if B.country_anchor(c)]
    assert len(lines) == len(drawable) == latest["destination_country"].nunique()
    html = render(maps.base_map(B), group)
    burundi = latest.set_index("destination_country").loc["BDI"]
    assert f"{int(burundi['figure']):,}" in html


def test_idp_figures_sit_on_the_kivu_provinces_with_date_and_source():
    figures = read_seed(FIXTURES.parent.parent / "seeds" / "figures.csv", FIGURES)
    idp = vm.idp_by_province(figures)
    html = render(maps.base_map(B), maps.idp_layer(idp, vm.latest_per_series(figures), B))
    for _, row in idp.iterrows():
        assert f"{row['destination_admin1']}: {int(row['figure']):,} IDPs" in html


def test_hostile_text_is_escaped_everywhere_it_reaches_the_map(hostile):
    figures, control = hostile
    html = render(
        maps.base_map(B),
        maps.control_layer(vm.control_at(control), control),
        maps.flow_layer(vm.cross_border_latest(figures), vm.latest_per_series(figures), B),
    )
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "${alert" not in html and "`${" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- Sources that differ on the same date stay visible -------------------------

from ..conftest import FIGURES_HEADER, frame  # noqa: E402

HOSTILE_ORG = "<script>alert(1)</script>Gov`${x}`"
SAME_DATE = frame(
    FIGURES,
    "\n".join(
        [
            FIGURES_HEADER,
            "2025-12-19,COD,South Kivu,BDI,,refugees,84000,flow,2025-12-01,,UNHCR,T,https://e.org/unhcr,standard,",
            f"2025-12-19,COD,South Kivu,BDI,,refugees,95000,flow,2025-12-01,,{HOSTILE_ORG},G,https://e.org/gov,standard,",
            "2025-12-19,COD,South Kivu,BDI,,refugees,84000,flow,2025-12-01,,UNHCR via Reuters,R,https://e.org/r,standard,",
            "2025-12-19,COD,South Kivu,BDI,,refugees,1000,stock,,,Other series,O,https://e.org/o,standard,",
            "2025-12-01,COD,North Kivu,COD,North Kivu,idps,2000000,stock,,,IOM DTM,D,https://e.org/dtm,standard,",
            "2025-12-01,COD,North Kivu,COD,North Kivu,idps,2500000,stock,,,OCHA,H,https://e.org/ocha,low,",
        ]
    ),
)


def test_a_flow_popup_lists_every_source_that_differs_on_the_same_date():
    latest = vm.cross_border_latest(SAME_DATE)
    chosen = latest.iloc[0]
    group = maps.flow_layer(latest, vm.latest_per_series(SAME_DATE), B, reports=SAME_DATE)
    html = render(maps.base_map(B), group)
    assert maps.DIFFER_HEADING in html
    assert "84,000" in html and "95,000" in html
    assert "UNHCR" in html and 'href="https://e.org/gov"' in html and 'href="https://e.org/unhcr"' in html
    assert "19 Dec 2025" in html
    # the label, not only the popup, says the sources differ
    assert f'<span class="low-confidence">{maps.DIFFER_NOTE}</span>' in html
    # the untrusted source name is escaped, in the label and the popup alike
    assert "<script>alert(1)" not in html and "${x}" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Gov&#96;&#36;{x}&#96;" in html
    # a report agreeing with the chosen figure is not a conflict; another series is not either
    assert chosen["figure"] == 95000
    rivals = vm.same_date_rivals(SAME_DATE, chosen)
    assert sorted(rivals["source_org"]) == ["UNHCR", "UNHCR via Reuters"]
    unhcr = SAME_DATE[SAME_DATE["source_org"] == "UNHCR"].iloc[0]
    assert list(vm.same_date_rivals(SAME_DATE, unhcr)["figure"]) == [95000]


def test_without_a_same_date_conflict_there_is_no_sources_differ_note():
    alone = SAME_DATE[SAME_DATE["figure"] != 95000]
    latest = vm.cross_border_latest(alone)
    html = render(maps.base_map(B), maps.flow_layer(latest, vm.latest_per_series(alone), B, reports=alone))
    assert maps.DIFFER_HEADING not in html and maps.DIFFER_NOTE not in html


def test_a_flow_label_says_what_its_figure_counts():
    latest = vm.cross_border_latest(SAME_DATE[SAME_DATE["figure"] != 95000]).iloc[0]
    label = maps.flow_label(latest, B.country_names())
    assert "84,000</b> refugees<br>flow since 1 Dec 2025, as of 19 Dec 2025<br>UNHCR" in label


def test_an_idp_popup_lists_the_other_source_for_the_same_date():
    idp = vm.idp_by_province(SAME_DATE)
    html = render(maps.base_map(B), maps.idp_layer(idp, vm.latest_per_series(SAME_DATE), B, reports=SAME_DATE))
    assert maps.DIFFER_HEADING in html and maps.DIFFER_NOTE in html
    assert "2,000,000" in html and "2,500,000" in html
    assert "IOM DTM" in html and "OCHA" in html


def test_flow_and_idp_popups_carry_the_stale_flag_like_their_labels():
    on = date(2026, 3, 1)
    latest, idp = vm.cross_border_latest(SAME_DATE, on), vm.idp_by_province(SAME_DATE, on)
    series = vm.latest_per_series(SAME_DATE, on)
    flow_row, idp_row = latest.iloc[0], idp.iloc[0]
    names = B.country_names()
    assert maps.STALE_NOTE in maps.flow_label(flow_row, names, on)
    assert f"last report {maps.STALE_NOTE}" in maps.figure_popup(flow_row, names, stale=True)
    for group in (maps.flow_layer(latest, series, B, on, SAME_DATE), maps.idp_layer(idp, series, B, on, SAME_DATE)):
        html = render(folium.Map(), group)  # no legend, which names the flag too
        assert f"last report {maps.STALE_NOTE}" in html  # in the popups, not only the labels
    fresh = render(folium.Map(), maps.idp_layer(idp, series, B, date(2025, 12, 2), SAME_DATE))
    assert f"last report {maps.STALE_NOTE}" not in fresh and f"{int(idp_row['figure']):,}" in fresh


def test_an_old_figure_keeps_its_line_and_number_but_is_drawn_faded_and_dashed_with_its_year():
    # Early 2025 in the seeds: Uganda's latest figure is 30,000 from 13 June 2022, the widest line.
    figures = read_seed(FIXTURES.parent.parent / "seeds" / "figures.csv", FIGURES)
    on = date(2025, 2, 1)
    latest = vm.cross_border_latest(figures, on)
    group = maps.flow_layer(latest, vm.latest_per_series(figures, on), B, on)
    lines = {c.options.get("className"): c for c in group._children.values() if isinstance(c, folium.PolyLine)}
    old, current = lines["flow-line stale"], lines["flow-line"]  # Uganda 2022; Rwanda, 30 Jan 2025
    assert old.options["weight"] == maps.MAX_FLOW_WEIGHT  # the figure and its width are unchanged
    assert old.options["dashArray"] == maps.STALE_DASH and old.options["opacity"] == maps.STALE_OPACITY
    assert current.options.get("dashArray") is None and current.options["opacity"] == 0.7
    html = render(folium.Map(), group)
    assert "<b>Uganda: more than 30,000 (2022)</b>" in html and "<b>Rwanda: about 600</b>" in html
    idp = maps.idp_layer(vm.idp_by_province(figures, on), vm.latest_per_series(figures, on), B, on)
    marks = {c.options["className"] for c in idp._children.values() if isinstance(c, folium.CircleMarker)}
    assert marks == {"idp-marker", "idp-marker stale"}  # North Kivu 11 Jan 2025; South Kivu May 2024
    assert "South Kivu: 1,395,604 IDPs (2024)</b>" in render(folium.Map(), idp)
    # In December 2025 a figure from May 2025 is old too, but its year is the date's: no year, only the fading.
    late = date(2025, 12, 23)
    html = render(folium.Map(), maps.flow_layer(vm.cross_border_latest(figures, late),
                                                vm.latest_per_series(figures, late), B, late))
    assert "<b>Uganda: more than 65,000</b>" in html and "flow-line stale" in html


def test_the_legend_explains_how_an_old_figure_is_drawn():
    legend = maps.legend_html()
    assert f"Faded, dashed: figure {maps.STALE_NOTE}" in legend and "repeating-linear-gradient" in legend


def test_a_flow_popup_lists_other_sources_recent_different_counts_and_caps_the_other_series():
    figures = read_seed(FIXTURES.parent.parent / "seeds" / "figures.csv", FIGURES)
    on = date(2025, 2, 16)
    html = render(folium.Map(), maps.flow_layer(vm.cross_border_latest(figures, on), vm.latest_per_series(figures, on),
                                                B, on, figures))
    rwanda = html[html.index("<h4>Rwanda"):]
    rwanda = rwanda[: rwanda.index("popup-body", 10) if "popup-body" in rwanda[10:] else len(rwanda)]
    assert maps.EARLIER_HEADING in rwanda and "<b>about 1,200</b>" in rwanda and "28 Jan 2025" in rwanda
    # A place with many series lists its newest few and says how many more there are.
    many = pd.concat([figures[figures["destination_country"] == "UGA"].assign(scope=f"scope {i}") for i in range(20)])
    popup = maps.figure_popup(many.iloc[0], {"UGA": "Uganda"}, many.iloc[1:])
    assert popup.count("<li>") == maps.OTHERS_LISTED + 1 and f"and {len(many) - 1 - maps.OTHERS_LISTED:,} more" in popup

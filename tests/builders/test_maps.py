import re

import folium
import pandas as pd
import pytest

from dashboards import viewmodel as vm
from dashboards.builders import maps
from dashboards.geo import load_boundaries
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import read_seed

from ..conftest import FIXTURES

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

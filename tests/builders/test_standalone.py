import re

from dashboards import viewmodel as vm
from dashboards.builders import maps
from dashboards.builders.standalone import standalone_html
from dashboards.config import SEEDS_DIR
from dashboards.geo import load_boundaries
from dashboards.schema import CONTROL
from dashboards.seeds import read_seed


def test_the_standalone_map_loads_nothing_from_anywhere():
    control = read_seed(SEEDS_DIR / "control.csv", CONTROL)
    html = standalone_html(maps.base_map(load_boundaries()), [maps.control_layer(vm.control_at(control), control)], "t")
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)=', html)
    assert "L.circleMarker" in html and "Who controls the town" in html
    assert html.count("<script>") >= 2  # jQuery and Leaflet inlined


def test_the_saved_map_says_on_the_page_which_date_and_version_it_shows():
    html = standalone_html(maps.base_map(load_boundaries()), [], "Eastern DR Congo on 2025-02-21 (data version 3) <b>")
    body = html.split("<body>", 1)[1]
    assert 'class="standalone-title"' in body and "on 2025-02-21 (data version 3) &lt;b&gt;</div>" in body

import re

import folium
import pytest
import streamlit_folium

from dashboards.pages.map_component import RETURNED, component_args


def sample():
    m = folium.Map(location=(-1.9, 29.4), zoom_start=6, tiles=None)
    folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(m)
    group = folium.FeatureGroup(name="towns")
    folium.CircleMarker((-1.67, 29.22), radius=5, popup=folium.Popup("<b>Goma</b>"), tooltip="Goma").add_to(group)
    return m, [group]


def test_the_cached_arguments_are_exactly_what_st_folium_would_send(monkeypatch):
    captured = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: captured.update(kw))
    m, groups = sample()
    streamlit_folium.st_folium(m, key="map", feature_group_to_add=groups, returned_objects=RETURNED, height=640,
                               use_container_width=True)
    m2, groups2 = sample()
    ours = component_args(m2, groups2, key="map", height=640)
    captured.pop("on_change")
    # Element ids are random per folium object; everything else must match.
    same_ids = lambda d: {k: re.sub(r"[0-9a-f]{32}", "ID", v) if isinstance(v, str) else v for k, v in d.items()}
    assert same_ids(ours) == same_ids(captured)


@pytest.mark.parametrize("layers", [[], ["towns"]])
def test_the_base_map_hash_does_not_depend_on_the_layers(layers):
    # The component remounts (losing pan and zoom) only when this key changes.
    m, groups = sample()
    m2, _ = sample()
    assert component_args(m, groups, key="map", height=640)["key"] == component_args(m2, [], key="map", height=640)["key"]

"""Send a folium map to streamlit-folium's component from pre-rendered, cacheable arguments.

`st_folium` renders the whole map (hundreds of Jinja templates) on every rerun. The
map only changes when the data version, date or layers change, so the page renders
it once per view with `component_args`, caches the resulting strings, and re-sends
them with `show`. The arguments are exactly those `st_folium` would send (a test
compares them), so the component behaves the same: a stable base map is never
remounted, and changing layers arrive through its feature-group channel.
"""

from __future__ import annotations

import folium
import streamlit_folium as sf

# streamlit-folium is pinned; tests/pages/test_map_component.py fails if its arguments change.

# What the map tells the page: only where the reader moved it (after a pan or zoom, debounced by the
# component), so the address can hold the position; clicks and hovers cause no rerun.
RETURNED = ["center", "zoom"]


def _links(m: folium.Map) -> tuple[list[str], list[str]]:
    css, js = [], []

    def walk(element):
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(m):
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def component_args(m: folium.Map, groups: list[folium.FeatureGroup], *, key: str, height: int) -> dict:
    """The arguments st_folium(m, key, feature_group_to_add=groups, returned_objects=RETURNED, ...) would send."""
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    leaflet = sf._get_map_string(m)  # before the groups are attached, as st_folium does
    groups_js = "".join(sf._get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(groups)) if groups else None
    css, js = _links(m)
    return {
        "script": leaflet,
        "header": header,
        "html": html,
        "id": sf.get_full_id(m),
        "key": sf.generate_js_hash(leaflet, key, False),
        "height": height,
        "width": None,
        "returned_objects": RETURNED,
        "default": {"zoom": m.options.get("zoom")},  # st_folium's default for the objects returned
        "zoom": None,
        "center": None,
        "feature_group": groups_js,
        "return_on_hover": False,
        "layer_control": None,
        "pixelated": False,
        "css_links": css,
        "js_links": js,
        "wrap_longitude": False,
    }


def show(args: dict, *, center: tuple[float, float] | None = None, zoom: int | None = None) -> None:
    """Render the component from component_args' output; center and zoom move the map without remounting it."""
    sf._component_func(**{**args, "center": center, "zoom": zoom}, on_change=None)


def reported_position(args: dict, session_state) -> tuple[tuple[float, float], int] | None:
    """Where the reader last moved the map (centre, zoom), as the component reported it; None before any move."""
    value = session_state.get(args["key"]) or {}
    center, zoom = value.get("center") or {}, value.get("zoom")
    if not isinstance(center, dict) or not isinstance(zoom, (int, float)):
        return None
    try:
        return (float(center["lat"]), float(center["lng"])), int(zoom)
    except (KeyError, TypeError, ValueError):
        return None

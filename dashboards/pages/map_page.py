"""The map: who controls which town, where people fled, how many, by whose count."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from datetime import date

import pandas as pd
import streamlit as st

from .. import viewmodel as vm
from .. import viewstate
from ..viewstate import is_stale
from ..builders import charts, maps
from ..builders.standalone import standalone_html
from ..builders import text as t
from ..config import database_url
from ..schema import QUALIFIER_WORDS
from .map_component import component_args, reported_position, show
from .address import (address_later, history_navigation, newer_data, pinned_view, shown_on, shown_params,
                      write_address)
from .state import get_boundaries, snapshot, tables

LAYERS = {
    "control": "Territorial control",
    "flows": "Cross-border displacement",
    "idps": "Internal displacement",
}
MAP_KEY = "map"
MAP_HEIGHT = 640
FOCUS_ZOOM = 7  # a province or a neighbouring country fills the map


@dataclass(frozen=True)
class MapView:
    """Everything the page shows for one (version, date, layers, tiles): computed once, then cached."""

    headline: vm.Headline
    component: dict
    unmapped: list[str]
    localities: int


def _layers(figures, control, state, series, boundaries, on, layers) -> list:
    """The chosen layers, in drawing order: towns last, on top, so they stay clickable."""
    groups = []
    if "flows" in layers:
        groups.append(maps.flow_layer(vm.cross_border_latest(figures, on), series, boundaries, on, figures))
    if "idps" in layers:
        groups.append(maps.idp_layer(vm.idp_by_province(figures, on), series, boundaries, on, figures))
    if "control" in layers:
        groups.append(maps.control_layer(state, control, on))
    return groups


@st.cache_resource(show_spinner=False, max_entries=64)  # shared, read-only: no copy per rerun
def map_view(url: str, version: int | None, on: date, layers: tuple[str, ...], tiles: bool) -> MapView:
    figures, control = tables(url, version)
    boundaries = get_boundaries()
    state = vm.control_at(control, on)
    series = vm.latest_per_series(figures, on)
    groups = _layers(figures, control, state, series, boundaries, on, layers)
    args = component_args(maps.base_map(boundaries, tiles=tiles), groups, key=MAP_KEY, height=MAP_HEIGHT)
    return MapView(vm.headline(figures, on), args, sorted(vm.unmapped(state)["locality"]), len(state))


@st.cache_data(show_spinner=False, max_entries=8)
def standalone_map(url: str, version: int | None, on: date, layers: tuple[str, ...], tiles: bool,
                   focus: str | None = None, center: tuple[float, float] | None = None,
                   zoom: int | None = None) -> str:
    """The same view as one offline HTML file, centred and zoomed as the page is; built only when someone asks."""
    figures, control = tables(url, version)
    boundaries = get_boundaries()
    state = vm.control_at(control, on)
    groups = _layers(figures, control, state, vm.latest_per_series(figures, on), boundaries, on, layers)
    point = _focus_point(focus)
    title = f"Eastern DR Congo on {on.isoformat()} (data version {version})"
    if center and zoom:
        point, level = center, zoom
    else:
        level = FOCUS_ZOOM if point else None
        if point:
            title += f", centred on {_focus_places().get(focus, focus)}"
    return standalone_html(maps.base_map(boundaries, tiles=tiles, center=point, zoom=level), groups, title)


@st.cache_data(show_spinner=False, max_entries=16)
def timelines(url: str, version: int | None, on: date) -> tuple[dict, dict]:
    figures, _ = tables(url, version)
    names = get_boundaries().country_names()
    return (_with_arrow_data(charts.timeline(figures, names, on, cross_border=True).to_dict()),
            _with_arrow_data(charts.timeline(figures, names, on, cross_border=False).to_dict()))


def _with_arrow_data(spec: dict) -> dict:
    """The chart's datasets as Arrow IPC bytes, made once here (cached) rather than by Streamlit on each rerun,
    which converts a dataset of records to a DataFrame and then to Arrow every time it draws the chart."""
    import pyarrow as pa

    datasets = {}
    for name, records in spec.get("datasets", {}).items():
        sink = pa.BufferOutputStream()
        table = pa.Table.from_pandas(pd.DataFrame.from_records(records))
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        datasets[name] = sink.getvalue().to_pybytes()
    return {**spec, "datasets": datasets} if datasets else spec


def _headline(head: vm.Headline, names: dict[str, str], on: date) -> None:
    st.subheader("People who fled abroad since 1 January 2025")
    if pd.Timestamp(on) < vm.HEADLINE_START:
        st.caption(f"On {t.fmt_date(on)} this count had not begun: it runs from 1 January 2025. "
                   "Move the date to 2025 or later to see it; the map below shows the situation on the date chosen.")
    cards = list(head.by_country.iterrows())
    columns = st.columns(max(1, len(cards) + (1 if head.sourced_total is not None else 0)))
    for column, (_, row) in zip(columns, cards):
        _card(column, t.md(t.place(row["destination_country"], names)), row, names, on)
    if head.sourced_total is not None:
        _card(columns[-1], "All neighbouring countries", head.sourced_total, names, on)
    notes = []
    if len(head.by_country) > 1:
        dates = head.by_country["as_of"]
        notes.append(
            f"The country figures add up to {t.fmt_int(head.sum_of_countries)}{_as_stated(head.by_country)}, but "
            "they have different as-of dates "
            f"({t.fmt_date(dates.min())} to {t.fmt_date(dates.max())}) and sources; the total shown is the latest "
            "figure a source gave for all neighbouring countries together."
        )
    for _, row in head.without_series.iterrows():
        notes.append(
            f"{t.md(t.place(row['destination_country'], names))}: no 'since 1 January 2025' count in the data; "
            f"latest figure {t.md(t.figure_sentence(row, names))} ({t.md(row['source_org'])})."
        )
    for _, row in head.on_the_map.iterrows():
        # The card counts since 1 January; the map draws the country's latest figure of any series.
        notes.append(
            f"{t.md(t.place(row['destination_country'], names))}: the map shows "
            f"{t.md(t.figure_sentence(row, names))} ({t.md(row['source_org'])}), its latest figure of any series; "
            "that counts something else than the card's 'since 1 January 2025', so the two differ and are not "
            "added up."
        )
    if notes:
        st.caption(" ".join(notes))


def _as_stated(rows: pd.DataFrame) -> str:
    """' (each as its source states it: more than, about)' when some of the summed figures are so qualified."""
    given = set(rows["figure_qualifier"].dropna())
    words = [word for qualifier, word in QUALIFIER_WORDS.items() if qualifier in given]
    return f" (each as its source states it: {', '.join(words)})" if words else ""


def _card(column, label: str, row: pd.Series, names: dict[str, str], on: date) -> None:
    column.metric(
        label,
        t.amount(row),
        help=t.md(f"{t.figure_sentence(row, names)}. Source: {row['source_org']}: {row['source_title']}"),
    )
    # Short enough for a card a quarter of the page wide; the caption above the map says what it means.
    old = f" :orange-badge[{maps.STALE_NOTE}]" if is_stale(row["as_of"], on) else ""
    low = " :orange-badge[low confidence]" if row.get("confidence") == "low" else ""  # as the map's popups say
    # "refugees from North Kivu", and what part of them where the count covers only some [Rutshuru only]
    who = t.population(row["population_type"], short=True) + t.origin(row) + t.scope(row)
    column.caption(f"{t.md(who)}, as of {t.fmt_date(row['as_of'])} · {t.md(row['source_org'])}{low}{old}")


def _focus_places() -> dict[str, str]:
    """Places the map can centre on: destination countries with a boundary, and the provinces."""
    boundaries = get_boundaries()
    names = boundaries.country_names()
    out = {iso3: name for iso3, name in sorted(names.items(), key=lambda kv: kv[1]) if iso3 != "COD"}
    out.update({p: p for p in sorted(boundaries.provinces["name"])})
    return out


def _focus_point(focus: str | None) -> tuple[float, float] | None:
    if not focus:
        return None
    boundaries = get_boundaries()
    return boundaries.country_anchor(focus) or boundaries.province_anchor(focus)


def _position(view: viewstate.ViewState, args: dict, focus_changed: bool, restored: bool = False):
    """Where the map should be (centre, zoom) for the component, keeping view.center/zoom, which the address
    holds, in step with it. None, None leaves the map where it is.

    A new focus moves the map to that place (or back to the whole region); otherwise the reader's last pan or
    zoom, as the component reports it, is kept; a position from the link applies until the reader moves.
    restored: the view was read from the address Back or Forward went to: the map goes where it says.
    """
    moved = reported_position(args, st.session_state)
    center, zoom = _wanted_position(view, moved, focus_changed, restored)
    there = moved is not None and center is not None and _near(moved, (center, zoom))
    if there and "map_sent" in st.session_state:
        # The reader put the map there: the component gets the position it was last sent, unchanged, so it
        # does not move. Sending the reader's own position back would move the map to it once more when this
        # run ends after the reader zoomed or panned on (a slow server): the map would jump back a step.
        return st.session_state["map_sent"]
    if center is not None and not there:
        # Sent to move the map: a report that differs, the next to come, was made before the map got there
        # (the component reports its first position as it starts) and must not pull the view back.
        st.session_state["map_target"] = (center, zoom)
        # The component applies a centre, and a zoom, only when it differs from the one it was sent last: the
        # same again (the reader moved the map since) is sent a hair's breadth off, far below a pixel. The map
        # rounds a zoom to a whole level.
        sent_center, sent_zoom = st.session_state.get("map_sent") or (None, None)
        if center == sent_center:
            center = (center[0] + 1e-9, center[1])
        if zoom == sent_zoom:
            zoom = zoom + 1e-9
    st.session_state["map_sent"] = (center, zoom)
    return center, zoom


def _wanted_position(view: viewstate.ViewState, moved, focus_changed: bool, restored: bool):
    fresh = moved is not None and moved != st.session_state.get("map_position_seen")
    st.session_state["map_position_seen"] = moved  # each report is taken once: an old one never pulls back
    if restored:  # the reader's position now is what Back leaves: the address's, or its focus, or the region
        st.session_state.pop("map_target", None)
        if view.center and view.zoom:
            return view.center, view.zoom
        point = _focus_point(view.focus)
        return (point, FOCUS_ZOOM) if point else (maps.CENTER, maps.ZOOM)
    if fresh and st.session_state.get("map_target"):
        target = st.session_state.pop("map_target")
        fresh = _near(moved, target)  # one report that is not where the map was sent is from before it moved
    if focus_changed:
        view.center, view.zoom = None, None
        point = _focus_point(view.focus)
        return (point, FOCUS_ZOOM) if point else (maps.CENTER, maps.ZOOM)
    if fresh and not view.center:
        point = _focus_point(view.focus)
        if _near(moved, (point, FOCUS_ZOOM) if point else (maps.CENTER, maps.ZOOM)):
            fresh = False  # where the map starts, or where its focus puts it: nothing more for the address to hold
    if fresh:
        (lat, lon), level = moved
        rounded, zoom = viewstate.position_of(lat, lon, level)
        if rounded:
            view.center, view.zoom = rounded, zoom
    if view.center and view.zoom:
        return view.center, view.zoom
    point = _focus_point(view.focus)
    return (point, FOCUS_ZOOM) if point else (None, None)


def _near(reported, target) -> bool:
    """The same zoom, and centres less than a pixel and a half apart: the map moves its centre to whole pixels,
    so a map sent somewhere reports a centre up to a pixel off (a pixel at zoom 6 is about 0.02 degrees)."""
    (lat, lon), zoom = reported
    (lat2, lon2), zoom2 = target
    within = 1.5 * 360 / (256 * 2**zoom)  # degrees of longitude per pixel, times 1.5 (of latitude: fewer)
    return zoom == zoom2 and abs(lat - lat2) < within and abs(lon - lon2) < within


def _typed_key(drawn: date) -> str:
    return f"date_typed_{drawn.isoformat()}"


def _take_typed_date(shown: date) -> None:
    """A date typed into the field drawn for the date shown last becomes the slider's date.

    The field is a new widget for each date shown, and only the one drawn last is read. A browser sends every
    widget's value with each change, and one that has not redrawn the field yet sends it back under the key
    it was drawn with, still holding its old date or the date typed before: read as typed again, that would
    pull the slider back (keys pressed fast on a slow server did that; so did a slider moved right after a
    typed date). A callback cannot tell these apart. An emptied field leaves the date as it was.
    """
    typed = st.session_state.get(_typed_key(shown))
    if typed and typed != shown:
        st.session_state["date"] = typed


def _view_state(span) -> tuple[viewstate.ViewState, bool]:
    """The view from the URL on a session's first run, then from the widgets; the URL follows every change.
    After Back or Forward, the view is the URL's again (and the second value is True): the widgets take it up."""
    restored = history_navigation(written_with="layers")
    shown = shown_params()
    if not st.query_params and ("view" not in st.session_state or "date" not in st.session_state):
        address_later()  # opened with no view in the address: a visit's first run
    if "view" not in st.session_state or restored:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        if not params and shown:  # opened from the menu after a table page: the date shown there
            params = shown
        st.session_state["view"], _ = pinned_view(params, span, places=_focus_places())
    view = st.session_state["view"]
    if "date" not in st.session_state and not restored and shown and not st.query_params.get("date"):
        # Back on the map from the menu: the date (and data version) the reader last looked at, on a table page
        # perhaps, read as a link's (a date the data no longer reaches is brought within it, and said); layers,
        # focus and position as the reader left them.
        again, _ = pinned_view(shown, span)
        view.version, view.on, view.notices = again.version, again.on, again.notices
    # Streamlit forgets a widget's value while another page is shown: back on the map, the widgets
    # take up the view the reader left (or the URL's, on the first run) instead of their defaults.
    for key, value in (("date", view.on), ("layers", list(view.layers)), ("focus", view.focus)):
        if key not in st.session_state or restored:
            st.session_state[key] = value
    return view, restored


def render() -> None:
    current = snapshot()  # stops the page with a message if the database cannot be set up
    latest = current.version
    span = current.span
    st.title("Eastern DR Congo: displacement and territorial control")
    if span is None:
        st.info("There is no data yet.")
        return
    view, restored = _view_state(span)
    if not restored:  # the browser sends the field's date as it was before Back: not a date typed
        _take_typed_date(view.on)
    snap = snapshot(view.version) if view.version else current
    span = snap.span or span
    names = get_boundaries().country_names()
    # The notices are about the address opened: once the reader changes the view they no longer hold.
    untouched = (st.session_state.get("date") == view.on and st.session_state.get("focus") == view.focus
                 and list(st.session_state.get("layers") or []) == list(view.layers))
    for notice in view.notices if untouched else ():
        st.warning(notice)
    newer = st.empty()  # filled once the widgets have set the view, so the link carries it

    # A slider is quick on a screen and coarse on a phone (a pixel is days): a date field beside it
    # sets the same date exactly, and follows the slider.
    slide, typed = st.columns([5, 1], vertical_alignment="bottom")
    on = slide.slider("Show the situation on", min_value=span[0], max_value=span[1], key="date",
                      format="D MMM YYYY")
    typed.date_input("Or type the date", value=on, min_value=span[0], max_value=span[1], key=_typed_key(on),
                     format="YYYY-MM-DD")
    headline = st.container()  # filled below, once the view is known
    with st.container(horizontal=True):
        shown = st.pills(
            "Layers",
            options=list(LAYERS),
            format_func=LAYERS.get,
            selection_mode="multi",
            key="layers",
            wrap=True,  # on a phone every layer stays in sight (Streamlit's default scrolls them sideways)
        )
        tiles = st.toggle("Online map tiles (needs internet)", value=False, key="tiles")
        places = _focus_places()
        focus = st.selectbox("Focus on", [None, *places], key="focus", placeholder="The whole region",
                             format_func=lambda p: "The whole region" if p is None else places[p])
    layers = tuple(l for l in LAYERS if l in shown)
    focus_changed = focus != view.focus
    view.on, view.layers, view.focus = on, layers, focus
    shown_view = map_view(database_url(), snap.version, on, layers, tiles)
    center, zoom = _position(view, shown_view.component, focus_changed, restored)
    write_address(viewstate.query(view, view.version))
    shown_on(view.version, on)
    # The same date, layers, focus and position, on the latest data (no version in the link).
    newer_data(view.version, latest, viewstate.query(view, None), where=newer)

    # The same date (and pinned version) as tables; relative links, so that they work under any base path.
    same = urlencode(viewstate.table_query(view.version, on, {}))
    st.caption(f"Situation on {t.fmt_date(on)}, data version {snap.version}. Figures and control states "
               f"more than 30 days older than this date are marked '{maps.STALE_NOTE}'. Line widths compare "
               f"the figures on the map for this date, not across dates. As tables: [the figures reported up to this "
               f"date](figures?{same}), [who controlled each locality on it](control?{same}).")
    age = viewstate.data_age_notice(span[1], date.today())
    if age and on == span[1]:
        st.info(age)
    with headline:
        _headline(shown_view.headline, names, on)
    show(shown_view.component, center=center, zoom=zoom)
    if shown_view.unmapped and "control" in layers:
        st.caption(
            f"{len(shown_view.unmapped)} of {shown_view.localities} localities have no sourced coordinate and are "
            f"not on the map: {t.md(', '.join(shown_view.unmapped))}. See the Control page."
        )
    st.download_button(
        "Download this map (HTML file that works offline)",
        lambda: standalone_map(database_url(), snap.version, on, layers, tiles, focus, view.center, view.zoom),
        file_name=f"kivu-map-{on.isoformat()}-v{snap.version}.html", mime="text/html", key="download_map",
        on_click="ignore",
    )
    st.subheader("Reported figures over time")
    st.caption("One colour per series (place, population, stock or flow, counting period, scope); stocks and flows "
               f"are separate series and are never added up. {charts.KEY} Square-root scale.")
    # One above the other, each the page's width: side by side, half a column cuts every legend label.
    abroad, inside = timelines(database_url(), snap.version, on)
    st.markdown("**People who fled abroad, by country**")
    st.vega_lite_chart(abroad, width="stretch")
    st.markdown("**Internally displaced people, by province**")
    st.vega_lite_chart(inside, width="stretch")
    with st.expander("Share this view"):
        base = st.context.url or ""
        st.code(viewstate.share_url(base, view, snap.version), language=None)
        st.caption("This link is pinned to data version "
                   f"{snap.version}: it shows the same figures even after newer uploads. Copy it with the button.")

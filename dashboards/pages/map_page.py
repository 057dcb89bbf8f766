"""The map: who controls which town, where people fled, how many, by whose count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from .. import viewmodel as vm
from ..builders import maps
from ..builders import text as t
from ..config import database_url
from .map_component import component_args, show
from .state import get_boundaries, snapshot, tables

LAYERS = {
    "control": "Territorial control",
    "flows": "Cross-border displacement",
    "idps": "Internal displacement",
}
MAP_KEY = "map"
MAP_HEIGHT = 640


@dataclass(frozen=True)
class MapView:
    """Everything the page shows for one (version, date, layers, tiles): computed once, then cached."""

    headline: vm.Headline
    component: dict
    unmapped: list[str]
    localities: int


@st.cache_data(show_spinner=False, max_entries=64)
def map_view(url: str, version: int | None, on: date, layers: tuple[str, ...], tiles: bool) -> MapView:
    figures, control = tables(url, version)
    boundaries = get_boundaries()
    state = vm.control_at(control, on)
    series = vm.latest_per_series(figures, on)
    groups = []  # drawn in this order: towns last, on top, so they stay clickable
    if "flows" in layers:
        groups.append(maps.flow_layer(vm.cross_border_latest(figures, on), series, boundaries))
    if "idps" in layers:
        groups.append(maps.idp_layer(vm.idp_by_province(figures, on), series, boundaries))
    if "control" in layers:
        groups.append(maps.control_layer(state, control))
    args = component_args(maps.base_map(boundaries, tiles=tiles), groups, key=MAP_KEY, height=MAP_HEIGHT)
    return MapView(vm.headline(figures, on), args, sorted(vm.unmapped(state)["locality"]), len(state))


def _headline(head: vm.Headline, names: dict[str, str]) -> None:
    st.subheader("People who fled abroad since 1 January 2025")
    cards = list(head.by_country.iterrows())
    columns = st.columns(max(1, len(cards) + (1 if head.sourced_total is not None else 0)))
    for column, (_, row) in zip(columns, cards):
        _card(column, t.place(row["destination_country"], names), row, names)
    if head.sourced_total is not None:
        _card(columns[-1], "All neighbouring countries", head.sourced_total, names)
    notes = []
    if len(head.by_country) > 1:
        dates = head.by_country["as_of"]
        notes.append(
            f"The country figures add up to {t.fmt_int(head.sum_of_countries)}, but they have different as-of dates "
            f"({t.fmt_date(dates.min())} to {t.fmt_date(dates.max())}) and sources; the total shown is the latest "
            "figure a source gave for all neighbouring countries together."
        )
    for _, row in head.without_series.iterrows():
        notes.append(
            f"{t.place(row['destination_country'], names)}: no 'since 1 January 2025' count in the data; "
            f"latest figure {t.figure_sentence(row, names)} ({row['source_org']})."
        )
    if notes:
        st.caption(" ".join(notes))


def _card(column, label: str, row: pd.Series, names: dict[str, str]) -> None:
    column.metric(
        label,
        t.fmt_int(row["figure"]),
        help=f"{t.figure_sentence(row, names)}. Source: {row['source_org']}: {row['source_title']}",
    )
    column.caption(f"as of {t.fmt_date(row['as_of'])} · {row['source_org']}")


def render() -> None:
    snap = snapshot()
    names = get_boundaries().country_names()
    st.title("Eastern DR Congo: displacement and territorial control")
    span = vm.date_range(snap.figures, snap.control)
    if span is None:
        st.info("There is no data yet.")
        return
    on = span[1]
    st.caption(f"Showing the latest data, up to {t.fmt_date(on)}. Data version {snap.version}.")
    headline = st.container()  # filled below, once the view is known

    with st.container(horizontal=True):
        shown = st.pills(
            "Layers",
            options=list(LAYERS),
            format_func=LAYERS.get,
            selection_mode="multi",
            default=list(LAYERS),
            key="layers",
        )
        tiles = st.toggle("Online map tiles (needs internet)", value=False, key="tiles")
    view = map_view(database_url(), snap.version, on, tuple(l for l in LAYERS if l in shown), tiles)

    with headline:
        _headline(view.headline, names)
    show(view.component)
    if view.unmapped:
        st.caption(
            f"{len(view.unmapped)} of {view.localities} localities have no sourced coordinate and are not on the "
            f"map: {', '.join(view.unmapped)}. See the Control page."
        )

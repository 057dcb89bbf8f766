"""The map: who controls which town, where people fled, how many, by whose count."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from .. import viewmodel as vm
from ..builders import maps
from ..builders import text as t
from .state import get_boundaries, snapshot

LAYERS = {
    "control": "Territorial control",
    "flows": "Cross-border displacement",
    "idps": "Internal displacement",
}


def _headline(head: vm.Headline, names: dict[str, str]) -> None:
    st.subheader("People who fled abroad since 1 January 2025")
    cards = list(head.by_country.iterrows())
    columns = st.columns(max(1, len(cards) + (1 if head.sourced_total is not None else 0)))
    for column, (_, row) in zip(columns, cards):
        column.metric(
            t.place(row["destination_country"], names),
            t.fmt_int(row["figure"]),
            help=f"{t.figure_sentence(row, names)}. Source: {row['source_org']}: {row['source_title']}",
            delta=None,
        )
        column.caption(f"as of {t.fmt_date(row['as_of'])} · {row['source_org']}")
    if head.sourced_total is not None:
        total = head.sourced_total
        columns[-1].metric(
            "All neighbouring countries",
            t.fmt_int(total["figure"]),
            help=f"{t.figure_sentence(total, names)}. Source: {total['source_org']}: {total['source_title']}",
        )
        columns[-1].caption(f"as of {t.fmt_date(total['as_of'])} · {total['source_org']}")
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


def render() -> None:
    snap = snapshot()
    boundaries = get_boundaries()
    names = boundaries.country_names()
    figures, control = snap.figures, snap.control

    st.title("Eastern DR Congo: displacement and territorial control")
    span = vm.date_range(figures, control)
    if span is None:
        st.info("There is no data yet.")
        return
    on = span[1]
    st.caption(f"Showing the latest data, up to {t.fmt_date(on)}. Data version {snap.version}.")

    _headline(vm.headline(figures, on), names)

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

    state = vm.control_at(control, on)
    series = vm.latest_per_series(figures, on)
    groups = []  # drawn in this order: towns last, on top, so they stay clickable
    if "flows" in shown:
        groups.append(maps.flow_layer(vm.cross_border_latest(figures, on), series, boundaries))
    if "idps" in shown:
        groups.append(maps.idp_layer(vm.idp_by_province(figures, on), series, boundaries))
    if "control" in shown:
        groups.append(maps.control_layer(state, control))

    st_folium(
        maps.base_map(boundaries, tiles=tiles),
        key="map",
        feature_group_to_add=groups,
        returned_objects=[],
        height=640,
        use_container_width=True,
    )
    missing = vm.unmapped(state)
    if len(missing):
        st.caption(
            f"{len(missing)} of {len(state)} localities have no sourced coordinate and are not on the map: "
            + ", ".join(sorted(missing["locality"]))
            + ". See the Control page."
        )

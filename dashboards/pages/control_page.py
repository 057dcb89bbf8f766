"""Who controls each locality, since when, by whose account; and every recorded event."""

from __future__ import annotations

import streamlit as st

from .. import viewmodel as vm
from ..builders import tables
from ..schema import CONTROL
from .state import snapshot


def render() -> None:
    snap = snapshot()
    control = snap.control
    st.title("Territorial control")
    span = vm.date_range(snap.figures, control)
    on = span[1] if span else None
    state = vm.control_at(control, on)
    st.caption(
        "Control per locality from its latest recorded event. 'Since' is the first event of the current "
        "controller's unbroken run. Claims by one side and single-source reports are marked low confidence."
    )
    provinces = sorted(state["province"].dropna().unique())
    chosen = st.multiselect("Province", provinces, key="ctl_province")
    if chosen:
        state = state[state["province"].isin(chosen)]
    st.dataframe(
        tables.control_display(state),
        hide_index=True,
        width="stretch",
        column_config={"Link": st.column_config.LinkColumn(display_text="source")},
        key="control_table",
    )
    missing = vm.unmapped(state)
    st.subheader(f"Not on the map ({len(missing)})")
    st.caption(
        "No coordinate for these localities was found in a citable gazetteer, so they are not placed on the "
        "map by guesswork. Upload a control event with a sourced latitude and longitude to place one."
    )
    st.dataframe(
        tables.control_display(missing)[["Locality", "Territory", "Province", "Controlled by", "Since"]],
        hide_index=True,
        width="stretch",
        key="unmapped_table",
    )
    st.subheader("All control events")
    events = control[control["province"].isin(chosen)] if chosen else control
    st.dataframe(
        tables.events_display(events),
        hide_index=True,
        width="stretch",
        column_config={"Link": st.column_config.LinkColumn(display_text="source")},
        key="events_table",
    )
    st.download_button(
        "Download these events as CSV",
        tables.to_csv_bytes(events[CONTROL.names], CONTROL),
        file_name=f"control-events-v{snap.version}.csv",
        mime="text/csv",
    )

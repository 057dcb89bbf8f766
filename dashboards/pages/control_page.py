"""Who controls each locality on a date, since when, by whose account; and the events up to that date."""

from __future__ import annotations

import streamlit as st

from .. import viewmodel as vm
from .. import viewstate
from ..builders import tables
from ..builders import text as t
from ..schema import CONTROL
from .address import known_choices, newer_data, pin_hint, set_address, table_view


def render() -> None:
    st.title("Territorial control")
    view = table_view("ctl_date", {"province": "ctl_province"})
    if view is None:
        return
    version, snap, span = view.version, view.snap, view.span
    control = snap.control
    when, where = st.columns([1, 3])
    on = when.date_input("Control on", min_value=span[0], max_value=span[1], key="ctl_date", format="YYYY-MM-DD")
    state = vm.control_at(control, on)
    provinces = sorted(control["province"].dropna().unique())
    unknown = known_choices("ctl_province", provinces, what="province")
    if unknown:
        st.warning(unknown)
    chosen = where.multiselect("Province", provinces, key="ctl_province", placeholder="All provinces")
    set_address("ctl_date", version, on, {"province": chosen})
    newer_data(version, view.latest, viewstate.table_query(None, on, {"province": chosen}))
    st.caption(
        f"Control on {t.fmt_date(on)}, data version {snap.version}: per locality, from its latest recorded event "
        "on or before that date. 'Since' is the first event of the controller's unbroken run up to then. Claims "
        "by one side and single-source reports are marked low confidence. The address holds this date and these "
        f"provinces; opened later it shows the latest data{pin_hint(version, snap.version)}."
    )
    if chosen:
        state = state[state["province"].isin(chosen)]
    if state.empty:
        st.info(f"No locality{' in these provinces' if chosen else ''} has a recorded event on or before "
                f"{t.fmt_date(on)}: choose a later date{' or another province' if chosen else ''}.")
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
    events = control[control["province"].isin(chosen)] if chosen else control
    later = int((events["date"].dt.date > on).sum())
    events = events[events["date"].dt.date <= on]
    st.subheader(f"Control events up to {t.fmt_date(on)} ({len(events)})")
    if later:
        st.caption(f"{later} later event(s) are not shown: move the date to see them.")
    st.dataframe(
        tables.events_display(events),
        hide_index=True,
        width="stretch",
        column_config={"Link": st.column_config.LinkColumn(display_text="source")},
        key="events_table",
    )
    if events.empty:
        return
    st.download_button(
        "Download these events as CSV",
        tables.to_csv_bytes(events[CONTROL.names], CONTROL),
        file_name=f"control-events-{on.isoformat()}-v{snap.version}.csv",
        mime="text/csv",
    )

"""Every displacement figure, filterable, with its source, downloadable."""

from __future__ import annotations

import streamlit as st

from .. import viewstate
from ..builders import tables
from ..builders import text as t
from ..schema import FIGURES, MEASURES, POPULATION_TYPES
from .address import known_choices, newer_data, pin_hint, set_address, table_view
from .state import get_boundaries


def column_config() -> dict:
    """How tables made by tables.figures_display show their figures and links, and how wide their first
    columns are (so date and source are in sight at 1400 pixels)."""
    widths = tables.FIGURES_TABLE_FIRST
    config = {name: st.column_config.Column(width=width) for name, width in widths.items()}
    config["Figure"] = st.column_config.NumberColumn(format="localized", width=widths["Figure"])
    config["Link"] = st.column_config.LinkColumn(display_text="source", width=widths["Link"])
    return config


def render() -> None:
    names = get_boundaries().country_names()
    st.title("Displacement figures")
    view = table_view("fig_date", {"where": "fig_where", "who": "fig_who", "measure": "fig_measure"})
    if view is None:
        return
    version, snap, span = view.version, view.snap, view.span
    figures = snap.figures
    st.caption(
        "One row per reported figure. Stocks (people displaced at a date) and flows (people newly displaced, "
        "returned or arrived since a date) are different series and are never added together. Rows marked low confidence come from a single, "
        "secondary or unverified report."
    )
    places = sorted(figures["destination_country"].dropna().unique(), key=lambda c: t.place(c, names))
    for notice in (known_choices("fig_where", places, lambda c: t.place(c, names), "place"),
                   known_choices("fig_who", POPULATION_TYPES, t.population, "population type"),
                   known_choices("fig_measure", MEASURES, what="measure")):
        if notice:
            st.warning(notice)
    c0, c1, c2, c3 = st.columns([1, 2, 2, 2])
    on = c0.date_input("Reported up to", min_value=span[0], max_value=span[1], key="fig_date", format="YYYY-MM-DD")
    where = c1.multiselect("Where people are", places, format_func=lambda c: t.place(c, names), key="fig_where",
                           placeholder="All places")
    who = c2.multiselect("Who", POPULATION_TYPES, format_func=t.population, key="fig_who", placeholder="Everyone")
    measure = c3.multiselect("Stock or flow", MEASURES, key="fig_measure", placeholder="Both")
    chosen = {"where": where, "who": who, "measure": measure}
    set_address("fig_date", version, on, chosen)
    newer_data(version, view.latest, viewstate.table_query(None, on, chosen))
    shown = figures[figures["as_of"].dt.date <= on]
    if where:
        shown = shown[shown["destination_country"].isin(where)]
    if who:
        shown = shown[shown["population_type"].isin(who)]
    if measure:
        shown = shown[shown["measure"].isin(measure)]
    # Newest first, in the table and in the download alike.
    shown = shown.sort_values(["as_of", "destination_country"], ascending=[False, True], kind="stable")
    if shown.empty:
        st.info(f"No figures reported up to {t.fmt_date(on)} match these filters: choose a later date or remove a "
                "filter to see more.")
        return
    st.dataframe(
        tables.figures_display(shown, names),
        hide_index=True,
        width="stretch",
        column_config=column_config(),
        row_height=tables.FIGURES_ROW_HEIGHT,
        height=600,  # some seven rows of four lines in sight (the default height shows four)
        key="figures_table",
    )
    st.caption(f"{len(shown)} of {len(figures)} rows (those reported up to {t.fmt_date(on)} that match the filters), "
               f"data version {snap.version}. The address holds this date and these filters; opened later it shows the latest "
               f"data{pin_hint(version, snap.version)}.")
    st.download_button(
        "Download these rows as CSV",
        tables.to_csv_bytes(shown[FIGURES.names], FIGURES),
        file_name=f"displacement-figures-{on.isoformat()}-v{snap.version}.csv",
        mime="text/csv",
    )

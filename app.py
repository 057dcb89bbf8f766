"""Streamlit entry point: `streamlit run app.py`."""

from __future__ import annotations

import streamlit as st

from dashboards.assets import install_assets
from dashboards.pages import control_page, figures_page, history_page, map_page, sources_page, upload_page
from dashboards.pages.address import finish_run


@st.cache_resource(show_spinner=False)
def _static_assets() -> None:
    # Copy Leaflet and jQuery under static/ once per server process; the map loads them from there.
    install_assets()


st.set_page_config(page_title="Eastern DR Congo: displacement and control", page_icon=None, layout="wide")
_static_assets()
# Embedded in another site (?embed=true): the map alone, no menu leading to the editors' pages.
embedded = bool(st.context.is_embedded)  # st.query_params leaves out Streamlit's own embed parameter
page = st.navigation(
    [
        st.Page(map_page.render, title="Map", url_path="map", default=True),
        st.Page(figures_page.render, title="Figures", url_path="figures"),
        st.Page(control_page.render, title="Control", url_path="control"),
        st.Page(sources_page.render, title="Sources", url_path="sources"),
        st.Page(upload_page.render, title="Upload", url_path="upload"),
        st.Page(history_page.render, title="History", url_path="history"),
    ],
    position="hidden" if embedded else "sidebar",
)
page.run()
finish_run()  # a page opened from the menu writes its view into the address here, once it is drawn

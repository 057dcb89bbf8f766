"""The world as of a date, in a version: pure functions over the stored tables.

Nothing here reads files or draws: frames in, frames out. "Latest" always means
the latest row on or before the chosen date; nothing is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from .places import place_coordinates
from .schema import COUNTRY_OF_INTEREST, FIGURE_SERIES, KIVU_PROVINCES, REGION_CODES

# The headline counts people who fled since the offensive's first month.
HEADLINE_START = pd.Timestamp("2025-01-01")


def _on_or_before(frame: pd.DataFrame, column: str, on: date | pd.Timestamp | None) -> pd.DataFrame:
    if on is None:
        return frame
    return frame[frame[column] <= pd.Timestamp(on)]


def _rank(figures: pd.DataFrame) -> pd.DataFrame:
    """Order rows so the preferred one of a group comes last: newest date, then flows, then standard confidence."""
    return figures.assign(
        _flow=(figures["measure"] == "flow").astype(int),
        _std=(figures["confidence"] == "standard").astype(int),
    ).sort_values(["as_of", "_flow", "_std", "figure"], kind="stable")


def _last_per(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    ranked = _rank(frame)
    return ranked.groupby(by, dropna=False, sort=False).tail(1).drop(columns=["_flow", "_std"])


def latest_per_series(figures: pd.DataFrame, on: date | None = None) -> pd.DataFrame:
    """The latest row of every series (same place, population, measure, period and scope)."""
    return _last_per(_on_or_before(figures, "as_of", on), list(FIGURE_SERIES)).sort_values(
        "as_of", ascending=False
    )


def _same_series(figures: pd.DataFrame, row) -> pd.Series:
    same = pd.Series(True, index=figures.index)
    for column in FIGURE_SERIES:
        value = row.get(column)
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            same &= figures[column].isna()
        else:
            same &= (figures[column] == value).fillna(False).astype(bool)
    return same


def same_date_rivals(figures: pd.DataFrame, row) -> pd.DataFrame:
    """Other reports of the row's series (same place, population, measure, period and scope) with the same
    as-of date but a different figure: a conflict the map shows as such, never resolves. Largest first."""
    same = _same_series(figures, row) & (figures["as_of"] == row["as_of"]).fillna(False).astype(bool)
    different = (figures["figure"] != row["figure"]).fillna(False).astype(bool)
    return figures[same & different].sort_values("figure", ascending=False, kind="stable")


RECENT = pd.Timedelta(days=30)


def recent_other_sources(figures: pd.DataFrame, row) -> pd.DataFrame:
    """Each other source's latest figure for the row's series in the 30 days before its as-of date, where it
    differs from the row's: an earlier count that disagrees, which a 'latest figure' view would hide. Newest first."""
    as_of = row["as_of"]
    recent = (figures["as_of"] < as_of) & (figures["as_of"] >= as_of - RECENT)
    other = (figures["source_org"] != row["source_org"]).fillna(True).astype(bool)
    rows = figures[_same_series(figures, row) & recent.fillna(False).astype(bool) & other]
    rows = rows.sort_values("as_of", kind="stable").groupby("source_org", sort=False, dropna=False).tail(1)
    rows = rows[(rows["figure"] != row["figure"]).fillna(False).astype(bool)]
    return rows.sort_values("as_of", ascending=False, kind="stable")


def is_cross_border(figures: pd.DataFrame) -> pd.Series:
    """Rows about people who left DR Congo for one named country."""
    dest = figures["destination_country"]
    return (
        (figures["origin_country"] == COUNTRY_OF_INTEREST)
        & (dest != COUNTRY_OF_INTEREST)
        & ~dest.isin(list(REGION_CODES))
    )


def cross_border_latest(figures: pd.DataFrame, on: date | None = None) -> pd.DataFrame:
    """For each destination country, its latest reported figure (any population type or measure)."""
    rows = _on_or_before(figures[is_cross_border(figures)], "as_of", on)
    return _last_per(rows, ["destination_country"]).sort_values("figure", ascending=False)


def idp_by_province(figures: pd.DataFrame, on: date | None = None) -> pd.DataFrame:
    """For each Kivu province, the latest whole-province IDP stock."""
    rows = _on_or_before(figures, "as_of", on)
    rows = rows[
        (rows["destination_country"] == COUNTRY_OF_INTEREST)
        & (rows["population_type"] == "idps")
        & (rows["measure"] == "stock")
        & rows["scope"].isna()
        & rows["destination_admin1"].isin(list(KIVU_PROVINCES))
    ]
    return _last_per(rows, ["destination_admin1"]).sort_values("destination_admin1")


@dataclass(frozen=True)
class Headline:
    """Cross-border arrivals since 1 January 2025: per country, a sourced total, and their sum.

    on_the_map: for countries with a count since 1 January, the figure the map draws instead when it is
    another report (the map shows each country's latest figure of any series, e.g. a newer flow counted
    from a later date), so the page can say why the two numbers differ.
    """

    by_country: pd.DataFrame
    sourced_total: pd.Series | None
    sum_of_countries: int
    without_series: pd.DataFrame
    on_the_map: pd.DataFrame


def headline(figures: pd.DataFrame, on: date | None = None) -> Headline:
    """Latest 'since 1 January 2025' flow per destination country and the latest sourced regional total."""
    rows = _on_or_before(figures, "as_of", on)
    since_jan = rows[
        (rows["measure"] == "flow")
        & (rows["period_start"] == HEADLINE_START)
        & (rows["origin_country"] == COUNTRY_OF_INTEREST)
    ]
    countries = _last_per(since_jan[is_cross_border(since_jan)], ["destination_country"]).sort_values(
        "figure", ascending=False
    )
    totals = since_jan[since_jan["destination_country"] == "XNB"]
    total = _rank(totals).iloc[-1].drop(["_flow", "_std"]) if len(totals) else None
    latest = cross_border_latest(rows)  # what the map draws, one mark per country
    counted = latest["destination_country"].isin(countries["destination_country"])
    on_the_map = latest[counted & ~latest.index.isin(countries.index)]
    return Headline(countries, total, int(countries["figure"].sum()), latest[~counted], on_the_map)


def control_at(control: pd.DataFrame, on: date | None = None) -> pd.DataFrame:
    """One row per locality: its latest event on or before the date, and since when its controller holds it."""
    events = _on_or_before(control, "date", on).sort_values(["date"], kind="stable")
    if events.empty:
        return events.assign(since=pd.Series(dtype="datetime64[ns]"))
    key = ["locality", "province"]
    latest = events.groupby(key, sort=False).tail(1).set_index(key)

    # 'Since' is the first event of the unbroken run of the current controller.
    def run_start(group: pd.DataFrame) -> pd.Timestamp:
        current = group["controlled_by"].iloc[-1]
        changed = group["controlled_by"] != current
        tail = group.loc[changed[::-1].cumsum()[::-1] == 0]
        return tail["date"].iloc[0]

    since = events.groupby(key, sort=False)[["date", "controlled_by"]].apply(run_start)
    latest["since"] = since
    latest[["lat", "lon", "coord_source"]] = place_coordinates(control, on).reindex(latest.index)
    return latest.reset_index().sort_values(["province", "locality"]).reset_index(drop=True)


def mapped(state: pd.DataFrame) -> pd.DataFrame:
    return state[state["lat"].notna() & state["lon"].notna()]


def unmapped(state: pd.DataFrame) -> pd.DataFrame:
    return state[state["lat"].isna() | state["lon"].isna()]


def date_range(figures: pd.DataFrame, control: pd.DataFrame) -> tuple[date, date] | None:
    """Earliest and latest date in the data."""
    dates = pd.concat([figures["as_of"], control["date"]]).dropna()
    if dates.empty:
        return None
    return dates.min().date(), dates.max().date()

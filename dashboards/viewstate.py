"""The view a link describes: page parameters read from the URL, checked, with fallbacks explained.

Pure functions: the query parameters come in as a dict of strings, a ViewState and
notices for the user come out. An invalid or outdated parameter never breaks the
page: it falls back to its default and the page says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

LAYER_KEYS = ("control", "flows", "idps")
ZOOM_RANGE = (4, 12)  # the map's widest and closest zoom levels
CENTER_DECIMALS = 4  # about 11 m: finer than a pixel at the closest zoom
NO_LAYERS = "none"  # layers=none: every layer off
STALE_AFTER = timedelta(days=30)


@dataclass
class ViewState:
    """What the map shows: data version (None = latest), date, layers, focus or position; plus notices."""

    version: int | None
    on: date
    layers: tuple[str, ...]
    notices: list[str] = field(default_factory=list)
    focus: str | None = None  # a destination country (ISO3) or a province name the map centres on
    center: tuple[float, float] | None = None  # where the reader moved the map (lat, lon), with zoom
    zoom: int | None = None


def parse(
    params: dict[str, list[str]], *, versions: list[int], span: tuple[date, date],
    places: tuple[str, ...] | dict[str, str] = (),
) -> ViewState:
    """Read version, date, layers, focus and map position from query parameters; fall back to defaults with a notice.

    places: the places to focus on, by code, or code -> name; a focus may be written as either, in any case.
    """
    notices: list[str] = []
    focus = _first(params, "focus")
    if focus is not None:
        named = places if isinstance(places, dict) else {p: p for p in places}
        wanted = focus.strip().casefold()
        found = [code for code, name in named.items() if wanted in (code.casefold(), name.casefold())]
        if found:
            focus = found[0]
        else:
            notices.append(f"There is no place '{focus}' to focus on: showing the whole region instead.")
            focus = None
    version = None
    raw = _first(params, "version")
    if raw is not None:
        if raw.isdigit() and int(raw) in versions:
            version = int(raw)
        else:
            notices.append(f"There is no data version '{raw}': showing the latest version instead.")
    on = span[1]
    raw = _first(params, "date")
    if raw is not None:
        try:
            wanted = date.fromisoformat(raw)
        except ValueError:
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
                notices.append(f"{raw} is not a day of the calendar: showing the latest date instead.")
            else:
                notices.append(f"'{raw}' is not a date (YYYY-MM-DD): showing the latest date instead.")
        else:
            # Outside the data: the nearest end of it, the first date for a date before it.
            on = min(max(wanted, span[0]), span[1])
            if on != wanted:
                which = "first" if wanted < span[0] else "latest"
                notices.append(f"{raw} is outside the data ({span[0]} to {span[1]}): showing the {which} date instead.")
    layers = LAYER_KEYS
    if "layers" in params:
        given = [v for v in params["layers"] if v and v != NO_LAYERS]
        unknown = [v for v in given if v not in LAYER_KEYS]
        if unknown:
            notices.append(f"Unknown layer(s) {', '.join(unknown)} ignored; layers are {', '.join(LAYER_KEYS)}.")
        valid = [v for v in given if v in LAYER_KEYS]
        # Only unknown names: the link is broken, show everything; an empty list means all layers off.
        layers = tuple(v for v in LAYER_KEYS if v in valid) if valid or not unknown else LAYER_KEYS
    center, zoom = None, None
    raw_center, raw_zoom = _first(params, "center"), _first(params, "zoom")
    if raw_center is not None or raw_zoom is not None:
        center, zoom = position(raw_center, raw_zoom)
        if center is None:
            notices.append(
                f"The map position in the link (center={raw_center or ''}, zoom={raw_zoom or ''}) cannot be read: "
                f"center is 'latitude,longitude' in decimal degrees and zoom a whole number from {ZOOM_RANGE[0]} "
                f"to {ZOOM_RANGE[1]}. Showing the {'place chosen' if focus else 'whole region'} instead.")
    return ViewState(version, on, layers, notices, focus, center, zoom)


def position(center: str | None, zoom: str | None) -> tuple[tuple[float, float] | None, int | None]:
    """A map position from its text in a link ('-1.6790,29.2228' and '9'); (None, None) unless both are valid."""
    try:
        lat, lon = (float(part) for part in (center or "").split(","))
        level = int(zoom or "")
    except ValueError:
        return None, None
    return position_of(lat, lon, level)


def position_of(lat: float, lon: float, zoom: int) -> tuple[tuple[float, float] | None, int | None]:
    """A map position as the address holds it, the centre rounded to CENTER_DECIMALS; (None, None) when out of
    range."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and ZOOM_RANGE[0] <= zoom <= ZOOM_RANGE[1]):
        return None, None  # also NaN and infinity, which compare false
    return (round(lat, CENTER_DECIMALS), round(lon, CENTER_DECIMALS)), zoom


def _first(params: dict[str, list[str]], key: str) -> str | None:
    """A parameter's first value; None when it is absent or empty (?date= names no date: the default holds)."""
    values = [v for v in params.get(key) or [] if v.strip()]
    return values[0] if values else None


def query(state: ViewState, version: int | None) -> dict[str, str | list[str]]:
    """The query parameters that describe this view (version only when pinned), as the address bar holds them."""
    return {
        **({"version": str(version)} if version else {}),
        "date": state.on.isoformat(),
        "layers": list(state.layers) or [NO_LAYERS],  # an absent parameter would mean all layers
        **({"focus": state.focus} if state.focus else {}),
        **({"center": f"{state.center[0]:.{CENTER_DECIMALS}f},{state.center[1]:.{CENTER_DECIMALS}f}",
            "zoom": str(state.zoom)} if state.center and state.zoom else {}),
    }


def table_query(version: int | None, on: date, choices: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """The query parameters of a table page's view (version only when pinned; lists of choices not empty)."""
    return {**({"version": str(version)} if version else {}), "date": on.isoformat(),
            **{param: list(chosen) for param, chosen in choices.items() if chosen}}


def share_url(base: str, state: ViewState, version: int) -> str:
    """The link that reproduces this view for someone else, pinned to the version on screen."""
    return f"{base.rstrip('/')}/?{urlencode(query(state, version), doseq=True)}"


def data_age_notice(newest: date, today: date) -> str | None:
    """What to tell readers when the newest figure or event is more than 30 days before today, else None:
    the map's latest date is the data's, and nothing after it is known to the dashboard."""
    days = (today - newest).days
    if days <= STALE_AFTER.days:
        return None
    return (f"The newest report in this data is from {newest.day} {newest:%b %Y}, {days} days before today "
            f"({today.day} {today:%b %Y}): nothing since then is shown. Editors can upload newer files.")


def is_stale(as_of, on: date) -> bool:
    """True when a figure or control state is more than 30 days older than the chosen date."""
    if as_of is None:
        return False
    d = as_of.date() if hasattr(as_of, "date") else as_of
    return on - d > STALE_AFTER

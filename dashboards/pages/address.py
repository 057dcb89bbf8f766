"""What a page's address holds, and the browser's history of it: the view read from a link or a Back, the view
written back after each change, and the date shared by the pages.

Each change of view is a step in the browser's history (Streamlit pushes an entry when the address changes). The
map, Control and Figures pages read their view from the address on a visit's first run and after Back or
Forward, and write it back on every run; a page opened from the menu shows the date last shown on any page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import viewstate
from ..config import database_url
from .state import Snapshot, get_store, snapshot


def history_navigation(written_with: str) -> bool:
    """True on a run that the browser's Back or Forward button started, to an address that this page wrote (it
    holds the parameter written_with, which the page always writes): it names the view to show.

    Each change of view adds an entry to the browser's history. Without this, the page would put the view on
    screen back into the address, and Back would seem to do nothing. Other entries (the address first opened,
    or one that Streamlit made while changing pages, which can hold another page's parameters) leave the view
    as it is.
    """
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "is_history_navigation", False) and written_with in st.query_params)


def view_from_address(span, date_key: str, choices: dict[str, str]) -> tuple[int | None, list[str]]:
    """A table page's view on each visit's first run, and after Back or Forward: the data version (None: the
    current one) and, into the widgets' state, the date (under date_key) and each list of choices (address
    parameter -> widget key). From the address when it names a view (a link, or the history entry Back went to),
    else as the reader left the page earlier in the session. Returns the version and a notice for each
    parameter that cannot be shown as it is.

    Streamlit drops a page's widgets when another page is shown: the date widget's state missing is the sign of
    a visit's first run. From then on the widgets hold the view, and set_address() writes it back and keeps it.
    """
    version_key, kept_key = f"{date_key}_version", f"{date_key}_kept"
    if date_key in st.session_state and not history_navigation(written_with="date"):
        return st.session_state.get(version_key), []
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if not params:
        address_later()
    shown = shown_params()
    from_menu = not params and bool(shown)  # through the menu, whose links carry no view
    if from_menu:
        # The date and data version last shown on any page (read as a link's, so a date the data no longer
        # reaches, after a full refresh, is brought within it and said); the filters as the reader left this page.
        params = shown
    view, notices = pinned_view({k: params[k] for k in ("version", "date") if k in params}, span)
    st.session_state[version_key], st.session_state[date_key] = view.version, view.on
    for param, key in choices.items():
        if from_menu:
            st.session_state[key] = list(st.session_state.get(kept_key, {}).get(param, []))
        else:
            st.session_state[key] = params.get(param, [])
            st.session_state[f"{key}_from_link"] = True  # known_choices() says which of them cannot be shown
    return view.version, notices


@dataclass(frozen=True)
class TableView:
    """What a table page shows: the version pinned by its address (None: the latest), the latest version, the data
    on screen, and the date range the page's date can take."""

    version: int | None
    latest: int | None
    snap: Snapshot
    span: tuple


def table_view(date_key: str, choices: dict[str, str]) -> TableView | None:
    """A table page's data and view (view_from_address), its notices said on the page; None, said too, when there
    is no data yet."""
    current = snapshot()
    if current.span is None:
        st.info("There is no data yet.")
        return None
    version, notices = view_from_address(current.span, date_key, choices)
    snap = snapshot(version) if version else current
    for notice in notices:
        st.warning(notice)
    return TableView(version, current.version, snap, snap.span or current.span)


def pinned_view(params: dict[str, list[str]], span, places=()) -> tuple[viewstate.ViewState, list[str]]:
    """The view the address parameters name (viewstate.parse), its date read against the date range of the
    data version it pins, if it pins one; and the notices for what cannot be shown as it is."""
    versions = [int(v) for v in get_store(database_url()).version_list()["id"]] if "version" in params else []
    view = viewstate.parse(params, versions=versions, span=span, places=places)
    if view.version:  # a pinned version has its own date range: read the date against that one
        view = viewstate.parse(params, versions=versions, span=snapshot(view.version).span or span, places=places)
    return view, view.notices


def known_choices(key: str, options, label=str, what: str = "choice") -> str | None:
    """Keep the choices a multiselect offers, each once; a choice written as its label, or in other capitals,
    is the option it names. Returns a notice naming those that name nothing (from a link), else None."""
    named: dict[str, object] = {}
    for option in options:
        for text in (str(option), str(label(option))):
            named.setdefault(text.casefold(), option)
    given = st.session_state.get(key, [])
    found = [named.get(str(c).casefold()) for c in given]
    st.session_state[key] = list(dict.fromkeys(f for f in found if f is not None))
    unknown = [str(c) for c, f in zip(given, found) if f is None]
    if st.session_state.pop(f"{key}_from_link", False) and unknown:
        return (f"There is no {what} {', '.join(repr(u) for u in unknown)} in the data: "
                f"{'it is' if len(unknown) == 1 else 'they are'} left out of the filter.")
    return None


def set_address(date_key: str, version: int | None, on, choices: dict[str, list[str]]) -> None:
    """The address holds the view (version when pinned, the date, each list of choices not empty), and the
    session keeps its filters for the reader's next visit to the page, and its date for the next page opened."""
    write_address(viewstate.table_query(version, on, choices))
    st.session_state[f"{date_key}_kept"] = {param: list(chosen) for param, chosen in choices.items()}  # its filters
    shown_on(version, on)  # the date and version, shared with the other pages


_LATER, _PENDING = "address_later", "address_pending"


def address_later() -> None:
    """This run is the first of a page opened with no view in its address (from the menu): write_address() waits
    for the end of the run, where finish_run() writes it, once the page is drawn.

    Streamlit may not have put this page's path into the address yet when the page writes its view: the view
    would then be kept in the browser's history under the page before's path, and Back would show that page
    with this one's view (Control lost its province filter that way). (A second run to write it was tried: a
    date typed while that run went on could leave the date field showing the old date.)"""
    st.session_state[_LATER] = True


def write_address(query: dict) -> None:
    """Put the view into the address, where the browser keeps it as a step of its history (see address_later)."""
    if st.session_state.pop(_LATER, False):
        st.session_state[_PENDING] = query
        return
    st.query_params.from_dict(query)


def finish_run() -> None:
    """After a page has run (app.py): write the address that waited for the end of the run (see address_later)."""
    st.session_state.pop(_LATER, None)  # a page that stopped before writing its view
    query = st.session_state.pop(_PENDING, None)
    if query is not None:
        st.query_params.from_dict(query)


# The date and data version on screen, shared by the map and the table pages: a page opened from the menu shows
# the date the reader was looking at on the page before (its filters, layers and map position stay its own).
SHOWN = "shown_on"


def shown_on(version: int | None, on) -> None:
    """Keep the date (and the pinned data version, None for the latest) now on screen, for the next page."""
    st.session_state[SHOWN] = {"version": version, "on": on}


def shown_params() -> dict[str, list[str]]:
    """The date and pinned version last shown on any page in this session, as address parameters ({} if none)."""
    shown = st.session_state.get(SHOWN)
    if not shown:
        return {}
    return {k: [v] for k, v in viewstate.table_query(shown["version"], shown["on"], {}).items()}


def pin_hint(version: int | None, shown: int) -> str:
    """For a page's caption: how to keep its address showing the version on screen, when it is not pinned."""
    return "" if version else f" (add &version={shown} to it to keep showing this version)"


def newer_data(version: int | None, latest: int | None, unpinned: dict, where=st) -> None:
    """On a page pinned to an older version: say that newer data exists, with a link to the same view on it
    (unpinned: the view's query parameters without the version)."""
    if version and latest and version < latest:
        link = "?" + urlencode(unpinned, doseq=True)
        where.info(f"This link shows data version {version}. Newer data exists (version {latest}): "
                   f"[open the same view on the latest data]({link})")

"""Wording and safe HTML for figures, dates and sources.

Every string that comes from data passes through `esc` before it reaches HTML,
and only http(s) addresses ever become links.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd

from ..schema import CONTROLLER_LABELS, POPULATION_LABELS, QUALIFIER_WORDS, REGION_CODES

_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)


# folium writes popup and tooltip HTML into JavaScript template literals (`...`),
# where a backtick, "${" or a backslash from the data would be code; as HTML
# character references they are inert text in JavaScript and display unchanged.
_JS_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def esc(value) -> str:
    """HTML-escape any value, also safe inside a JavaScript template literal; missing values become ''."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True).translate(_JS_LITERAL)


# Streamlit renders captions, messages and help texts as Markdown with its own extensions: $...$ is
# mathematics, :red[...] colours, :smile: an emoji, [x](y) a link. Any ASCII punctuation may be
# backslash-escaped in Markdown and then shows as itself.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|$:~="})

# Streamlit's Markdown also makes links of bare web and e-mail addresses (GFM autolink literals), and it
# looks for them in the text after escapes and character references are resolved, so neither stops it.
# An invisible word joiner (U+2060) inside "://", after "www" and before "@" breaks each pattern; the
# text reads the same and no address in it becomes a link.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def md(value) -> str:
    """Text from the data or an uploaded file, safe inside a Streamlit Markdown string: shown as written,
    with no part of it a link."""
    if blank(value):
        return ""
    return _AUTOLINK.sub(WORD_JOINER, str(value)).translate(_MARKDOWN)


def blank(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value) or value == ""


def change_counts(change) -> str:
    """What a change does to one table, from its added/changed/removed counts: '2 rows added, 81 rows removed',
    or 'no change'."""
    counts = ((change.added, "added"), (change.changed, "changed"), (change.removed, "removed"))
    parts = [f"{n:,} row{'' if n == 1 else 's'} {word}" for n, word in counts if n]
    return ", ".join(parts) if parts else "no change"


def fmt_int(value) -> str:
    return "" if blank(value) else f"{int(value):,}"


def qualifier_word(row) -> str:
    """How the source qualifies the row's figure, in words ('more than', 'about'), or '' for a figure as it stands."""
    qualifier = row.get("figure_qualifier")
    return "" if blank(qualifier) else QUALIFIER_WORDS.get(qualifier, "")


def amount(row) -> str:
    """A row's figure as its source words it: '42,000', 'more than 50,000', 'about 400,000'."""
    number, word = fmt_int(row["figure"]), qualifier_word(row)
    return f"{word} {number}" if word and number else number


def qualified(row) -> str:
    """'more than the figure · ' where the source qualifies the figure (the table's number stays a number, to
    sort by); '' otherwise."""
    word = qualifier_word(row)
    return f"{word} the figure · " if word else ""


def fmt_date(value) -> str:
    """21 Feb 2025."""
    if blank(value):
        return ""
    d = value.date() if isinstance(value, pd.Timestamp) else value
    return f"{d.day} {d:%b %Y}" if isinstance(d, date) else str(value)


def population(value: str, *, short: bool = False) -> str:
    """The population type in words; short, without the label's bracketed explanation (for labels)."""
    label = POPULATION_LABELS.get(value, value or "")
    return label.split(" (")[0] if short else label


def scope(row) -> str:
    """' [Goma sites only]' after a figure that counts part of a place's people; '' for the whole."""
    return "" if blank(row.get("scope")) else f" [{row['scope']}]"


def controller(value: str) -> str:
    return CONTROLLER_LABELS.get(value, value or "")


def place(iso3: str, names: dict[str, str]) -> str:
    """A country name for a code: boundary names first, then region codes, else the code."""
    return names.get(iso3) or REGION_CODES.get(iso3) or iso3


def origin(row) -> str:
    """' from South Kivu' when a figure names the province people fled from and it is not where they are
    (one country's arrivals from two provinces are two series, told apart by this); else ''."""
    where_from = row.get("origin_admin1")
    if blank(where_from) or where_from == row.get("destination_admin1"):
        return ""
    return f" from {' and '.join(where_from.split('; '))}"  # "North Kivu; South Kivu" reads as both


# What a flow's people did in its counting period, by population type: returnees returned and new arrivals
# arrived; refugees, asylum seekers and IDPs were newly displaced (the default for any other type).
FLOW_VERBS = {"returnees": "returned", "new_arrivals": "arrived"}


def period(row, *, short: bool = False) -> str:
    """What a figure counts, in words: 'total at that date (stock)', 'newly displaced since 1 Jan 2025 (flow)'
    ('returned since …' for returnees, 'arrived since …' for new arrivals); short, for labels and legends,
    the same for every population (which the label names beside it): 'stock', 'flow since 1 Jan 2025',
    'flow, start not stated'."""
    if row["measure"] == "stock":
        return "stock" if short else "total at that date (stock)"
    verb = FLOW_VERBS.get(row.get("population_type"), "newly displaced")
    if blank(row["period_start"]):
        return "flow, start not stated" if short else f"{verb}, start of period not stated (flow)"
    since = fmt_date(row["period_start"])
    return f"flow since {since}" if short else f"{verb} since {since} (flow)"


def source_html(row) -> str:
    """Organisation and linked title, escaped; the link only for http(s) addresses."""
    org, title, url = esc(row.get("source_org")), esc(row.get("source_title")), row.get("source_url")
    if not blank(url) and _SAFE_URL.match(str(url)):
        title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{title or esc(url)}</a>'
    parts = [p for p in (org, title) if p]
    return ": ".join(parts)


def confidence_html(row) -> str:
    return ' <span class="low-confidence">low confidence</span>' if row.get("confidence") == "low" else ""


def figure_sentence(row, names: dict[str, str]) -> str:
    """'about 42,000 asylum seekers in Burundi, newly displaced since …, as of 21 Feb 2025'; '209,000 returnees in
    North Kivu, …, returned, start of period not stated (flow), …' (plain text)."""
    where = place(row["destination_country"], names)
    if not blank(row.get("destination_admin1")):
        where = f"{row['destination_admin1']}, {where}"
    return (
        f"{amount(row)} {population(row['population_type'])}{origin(row)} in {where}{scope(row)}, "
        f"{period(row)}, as of {fmt_date(row['as_of'])}"
    )

"""Country and province names as people write them, to ISO3 codes and canonical province names.

Uploaded files (UNHCR, IOM DTM, HDX exports, hand-made French or English
spreadsheets) write the same place in many ways: 'RDC', 'Congo (Kinshasa)',
'Nord-Kivu', 'N. Kivu'. This module turns them into the codes and names of
``schema`` and never guesses: a value is either recognised exactly or left
empty with a suggestion for the user.

Countries: our explicit table first (what people in the region write), then
hdx-python-country's exact lookup (offline, using the OCHA countries file the
package ships). Its fuzzy lookup is used only to word a suggestion, never to
fill a value: it picks the wrong Congo for e.g. 'RD Congo' or 'Congo RDC'.

Localities: where a town of the control table is placed (place_coordinates), one rule for the map and for
the upload check that warns when a row would move a stored town.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandas as pd
from hdx.location.country import Country
from hdx.utilities.downloader import Download

from .schema import REGION_CODES, UNKNOWN_COUNTRY


@dataclass(frozen=True)
class Match:
    """A recognised value (ISO3 code or canonical province name), or None with an optional hint."""

    value: str | None
    # For value None: a sentence fragment such as "did you mean COD (Democratic Republic of the Congo)?".
    suggestion: str | None = None


# At most this many distinct unknown values per column get a suggestion: the
# fuzzy country lookup costs ~8 ms a value, and a mis-mapped free-text column
# can have hundreds of thousands of distinct values.
MAX_SUGGESTIONS = 200


def _fold(text: str) -> str:
    """Lower case, accents dropped, letters and digits only: 'R.D. Congo' -> 'rdcongo'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]", "", text)


def _unaccent(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# --- Countries ----------------------------------------------------------------

_CONGO_AMBIGUOUS = (
    "ambiguous: write COD for DR Congo (Kinshasa) or COG for the Republic of the Congo (Brazzaville)"
)

_COUNTRY_TABLE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "COD": (
        "RDC", "R.D.C.", "RD Congo", "R.D. Congo", "RD du Congo", "DRC", "D.R.C.", "DR Congo", "D.R. Congo",
        "Congo DR", "Congo RD", "Congo RDC", "Congo (Kinshasa)", "Congo-Kinshasa",
        "République démocratique du Congo", "Rép. dém. du Congo", "Rep. Dem. du Congo",
        "Democratic Republic of the Congo", "Democratic Republic of Congo", "Dem. Rep. Congo",
        "Dem. Rep. of the Congo", "Congo, The Democratic Republic of the", "Congo, Democratic Republic of the",
        "Congo, Democratic Republic of", "Congo, Dem. Rep.", "Zaïre", "Congo DRC", "DR of the Congo",
        "DR of Congo", "Democratic Rep. of Congo", "Democratic Rep. of the Congo",
        "Rép. Dém. Congo", "Congo, Democratic Republic", "Congo-Kinshasa (RDC)",
        "République démocratique du Congo (RDC)", "RD Congo (RDC)",
    ),
    "COG": (
        "Congo-Brazzaville", "Congo (Brazzaville)", "Congo-Brazza", "République du Congo",
        "Republic of the Congo", "Republic of Congo", "Rep. of the Congo", "Congo Republic",
        "Congo, Rep.", "Congo, Republic of the", "Congo, Republic of", "Rep. of Congo", "Congo, Rep. of",
    ),
    "UGA": ("Uganda", "Ouganda"),
    "TZA": ("Tanzania", "Tanzanie", "République-Unie de Tanzanie", "United Republic of Tanzania",
            "Tanzania, United Republic of", "Tanzanie (République-Unie de)", "U.R. Tanzania", "UR Tanzania",
            "Tanzania (United Republic of)"),
    "ZMB": ("Zambia", "Zambie"),
    "SSD": ("South Sudan", "Soudan du Sud", "Sud-Soudan"),
    # CAR and RCA are assigned to no country as ISO3 codes; in the region they only mean this one.
    "CAF": ("Central African Republic", "République centrafricaine", "Centrafrique", "CAR", "RCA"),
    "KEN": ("Kenya",),
    "AGO": ("Angola",),
    "RWA": ("Rwanda", "Ruanda", "Rouanda"),
    "BDI": ("Burundi",),
    UNKNOWN_COUNTRY: ("UKN", "UNK", "Unknown", "Unknown country", "Inconnu", "Inconnue", "Pays inconnu"),
    **{code: (code, label) for code, label in REGION_CODES.items()},
}
_COUNTRY_TABLE = {_fold(s): code for code, spellings in _COUNTRY_TABLE_SPELLINGS.items() for s in spellings}

# Display names where the library's preferred term is unclear on a DR Congo
# dashboard ('Congo') or longer than the map's labels (data/boundaries).
_LABELS = {
    "COG": "Republic of the Congo",
    "TZA": "Tanzania",
    UNKNOWN_COUNTRY: "Unknown country",
    **REGION_CODES,
}


@cache
def _library_data() -> dict:
    """Load the library's country data once, from the file it ships (never the web).

    Done through a closed downloader: left to itself the library leaves that file open.
    Every later call passes use_live=False too, so nothing here can reach for the network.
    """
    with Download(user_agent="kivu-displacement-dashboard") as downloader:
        return Country.countriesdata(use_live=False, downloader=downloader)


@cache
def _library_names() -> dict[str, str]:
    """The library's names (all languages) folded, for accent- and punctuation-insensitive exact matches."""
    names = _library_data()["countrynames2iso3"]
    folded: dict[str, set[str]] = {}
    for name, iso3 in names.items():
        folded.setdefault(_fold(name), set()).add(iso3)
    return {key: codes.pop() for key, codes in folded.items() if key and len(codes) == 1}


def _country_suggestion(text: str) -> str | None:
    province = province_name(text).value
    if province is not None and ";" not in province:
        return f"{province} is a province of DR Congo: did you mean COD ({country_label('COD')})?"
    for candidate in dict.fromkeys((text, _unaccent(text))):
        iso3, _exact = Country.get_iso3_country_code_fuzzy(candidate, use_live=False)
        if iso3 is not None:
            hint = f"did you mean {iso3} ({country_label(iso3)})?"
            if iso3 == "COG":
                hint += " For DR Congo (Kinshasa) write COD."
            return hint
    # Misspellings the library's matcher misses (Ugnada, Rouanda, Zambi, Kongo): the closest names, ours (the
    # region's, in English and French) and the library's; two countries when two are as close.
    names = {**_library_names(), **_COUNTRY_TABLE}
    key = _fold(text)
    close = difflib.get_close_matches(key, names, n=4, cutoff=0.75)
    score = {name: difflib.SequenceMatcher(None, key, name).ratio() for name in close}
    close = [name for name in close if score[name] >= score[close[0]] - 0.05]  # only as close as the closest
    codes = list(dict.fromkeys("COD or COG" if name == "congo" else names[name] for name in close))[:2]
    if not codes:
        return None
    if "COD or COG" in codes:
        return f"did you mean COD ({country_label('COD')}) or COG ({country_label('COG')})?"
    return f"did you mean {' or '.join(f'{code} ({country_label(code)})' for code in codes)}?"


def country_iso3(text: str, *, suggest: bool = True) -> Match:
    """ISO 3166-1 alpha-3 code for a country name or code (XNB, XON and UKN pass through)."""
    text = " ".join(str(text).split())
    if not text:
        return Match(None)
    key = _fold(text)
    if key == "congo":
        return Match(None, _CONGO_AMBIGUOUS)
    if key in _COUNTRY_TABLE:
        return Match(_COUNTRY_TABLE[key])
    _library_data()
    iso3 = Country.get_iso3_country_code(text, use_live=False) or _library_names().get(key)
    if iso3 is not None:
        return Match(iso3)
    return Match(None, _country_suggestion(text) if suggest else None)


def country_label(iso3: str) -> str:
    """English short name for display; the code itself when it is unknown."""
    code = str(iso3).strip().upper()
    if code in _LABELS:
        return _LABELS[code]
    _library_data()
    return Country.get_country_name_from_iso3(code, use_live=False) or code


def country_codes(values: pd.Series) -> tuple[pd.Series, dict[str, Match]]:
    """ISO3 codes for a column (None where empty or unknown) and the Match of each distinct failure."""
    return _vectorised(values, lambda text, suggest: country_iso3(text, suggest=suggest))


# --- Provinces ----------------------------------------------------------------

# DR Congo's 26 provinces (2015 division), as OCHA and UNHCR English products write them.
DRC_PROVINCES = (
    "Bas-Uele", "Equateur", "Haut-Katanga", "Haut-Lomami", "Haut-Uele", "Ituri", "Kasai", "Kasai-Central",
    "Kasai-Oriental", "Kinshasa", "Kongo Central", "Kwango", "Kwilu", "Lomami", "Lualaba", "Mai-Ndombe",
    "Maniema", "Mongala", "Nord-Ubangi", "North Kivu", "Sankuru", "South Kivu", "Sud-Ubangi", "Tanganyika",
    "Tshopo", "Tshuapa",
)  # fmt: skip

# Other spellings (folding already makes accents, case, hyphens, dots and spaces optional)
# and ISO 3166-2:CD codes.
_PROVINCE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Bas-Uele": ("Lower Uele", "CD-BU"),
    "Equateur": ("Equator", "CD-EQ"),
    "Haut-Katanga": ("Upper Katanga", "CD-HK"),
    "Haut-Lomami": ("Upper Lomami", "CD-HL"),
    "Haut-Uele": ("Upper Uele", "CD-HU"),
    "Ituri": ("CD-IT",),
    "Kasai": ("CD-KS",),
    "Kasai-Central": ("Central Kasai", "CD-KC"),
    "Kasai-Oriental": ("East Kasai", "Eastern Kasai", "CD-KE"),
    "Kinshasa": ("Ville de Kinshasa", "CD-KN"),
    "Kongo Central": ("Bas-Congo", "CD-BC"),
    "Kwango": ("CD-KG",),
    "Kwilu": ("CD-KL",),
    "Lomami": ("CD-LO",),
    "Lualaba": ("CD-LU",),
    "Mai-Ndombe": ("CD-MN",),
    "Maniema": ("CD-MA",),
    "Mongala": ("CD-MO",),
    "Nord-Ubangi": ("North Ubangi", "Nord-Oubangui", "CD-NU"),
    "North Kivu": ("Nord-Kivu", "N-Kivu", "NK", "CD-NK", "Kivu du Nord", "Kivu Nord", "Kivu-Nord"),
    "Sankuru": ("CD-SA",),
    "South Kivu": ("Sud-Kivu", "S-Kivu", "SK", "CD-SK", "Kivu du Sud", "Kivu Sud", "Kivu-Sud"),
    "Sud-Ubangi": ("South Ubangi", "Sud-Oubangui", "CD-SU"),
    "Tanganyika": ("CD-TA",),
    "Tshopo": ("CD-TO",),
    "Tshuapa": ("CD-TU",),
}
_PROVINCE_TABLE = {
    _fold(s): name for name in DRC_PROVINCES for s in (name, *_PROVINCE_SPELLINGS.get(name, ()))
}

_KIVU_AMBIGUOUS = "ambiguous: write North Kivu, South Kivu, or both as 'North Kivu; South Kivu'"
# Names that are no single current province: never mapped, always explained.
_PROVINCE_REFUSED = {
    **{_fold(s): _KIVU_AMBIGUOUS for s in ("Kivu", "Kivus", "les Kivu", "North and South Kivu", "Nord et Sud-Kivu")},
    "orientale": "a pre-2015 province, now split: write Bas-Uele, Haut-Uele, Ituri or Tshopo",
    "katanga": "a pre-2015 province, now split: write Haut-Katanga, Haut-Lomami, Lualaba or Tanganyika",
    "bandundu": "a pre-2015 province, now split: write Kwango, Kwilu or Mai-Ndombe",
    "kasaioccidental": "a pre-2015 province, now split: write Kasai or Kasai-Central",
}
_PROVINCE_WORD = re.compile(r"^(?:province|prov\.?)\s+(?:du|de\s+la|de\s+l'|de|of(?:\s+the)?)?\s*|\s+province$")
_LIST_SEPARATORS = re.compile(r"\s*(?:,|/|\+|&|\bet\b|\band\b)\s*", re.IGNORECASE)


def _one_province(text: str, suggest: bool) -> Match:
    text = " ".join(text.split())
    key = _fold(_PROVINCE_WORD.sub("", _unaccent(text).lower()))
    if not key:
        return Match(None)
    if key in _PROVINCE_REFUSED:
        return Match(None, _PROVINCE_REFUSED[key])
    if key in _PROVINCE_TABLE:
        return Match(_PROVINCE_TABLE[key])
    if not suggest:
        return Match(None)
    parts = [p for p in _LIST_SEPARATORS.split(text) if p.strip()]
    if len(parts) > 1:
        names = [_one_province(p, suggest=False).value for p in parts]
        if all(names):
            return Match(None, f"did you mean '{'; '.join(dict.fromkeys(names))}'? Separate provinces with ';'.")
    close = difflib.get_close_matches(key, _PROVINCE_TABLE, n=1, cutoff=0.8)
    return Match(None, f"did you mean {_PROVINCE_TABLE[close[0]]}?" if close else None)


def province_name(text: str, *, suggest: bool = True) -> Match:
    """Canonical English province name; several provinces separated by ';' come back joined by '; '."""
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    if len(parts) <= 1:
        return _one_province(parts[0] if parts else "", suggest)
    matches = [(p, _one_province(p, suggest)) for p in parts]
    if all(m.value for _, m in matches):
        return Match("; ".join(dict.fromkeys(m.value for _, m in matches)))
    hints = [f"'{p}': {m.suggestion}" for p, m in matches if m.value is None and m.suggestion]
    return Match(None, "; ".join(hints) or None)


def province_names(values: pd.Series) -> tuple[pd.Series, dict[str, Match]]:
    """Canonical province names for a column (None where empty or unknown) and each distinct failure's Match."""
    return _vectorised(values, lambda text, suggest: province_name(text, suggest=suggest))


# --- Localities -----------------------------------------------------------------


def place_coordinates(control: pd.DataFrame, on: date | None = None) -> pd.DataFrame:
    """Each locality's sourced coordinate, indexed by (locality, province).

    A town does not move: a coordinate given with any event of the locality places it. The latest one given
    on or before the date is used, else the earliest given later (a town whose first event came without a
    coordinate is still placed, by the coordinate and source a later event gave). Nothing is made up: a
    locality that never had a coordinate has none.
    """
    key = ["locality", "province"]
    given = control.dropna(subset=["lat", "lon"]).sort_values("date", kind="stable")
    if on is not None:
        before = given["date"] <= pd.Timestamp(on)
        given = pd.concat([given[~before].iloc[::-1], given[before]])  # later ones first, reversed
    return given.groupby(key, sort=False)[["lat", "lon", "coord_source"]].last()


# --- Both ---------------------------------------------------------------------


def _vectorised(values: pd.Series, resolve: Callable[[str, bool], Match]) -> tuple[pd.Series, dict[str, Match]]:
    """Resolve each distinct non-empty value once and map the column through the results."""
    mapping: dict[object, str | None] = {}
    failures: dict[str, Match] = {}
    for raw in pd.unique(values.dropna()):
        text = str(raw)
        if not text.strip():
            continue
        match = resolve(text, len(failures) < MAX_SUGGESTIONS)
        mapping[raw] = match.value
        if match.value is None:
            failures[text] = match
    mapped = values.map(mapping).astype(object)
    return mapped.where(mapped.notna(), None), failures

"""The single source of truth for the dashboard's two tables.

Every other module (ingest, validation, storage, exports, documentation pages)
reads column names, types, allowed values and HXL hashtags from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["date", "text", "integer", "decimal", "category", "iso3"]


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, type, rules and HXL hashtag."""

    name: str
    type: ColumnType
    hxl: str
    description: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None  # used when the cell is empty

    @property
    def synonyms(self) -> tuple[str, ...]:
        """Other header names people write for this column (French, English); accents are ignored."""
        return HEADER_SYNONYMS.get(self.name, ())


@dataclass(frozen=True)
class Table:
    """A table: ordered columns plus the columns that identify one series."""

    name: str
    title: str
    columns: tuple[Column, ...]
    # Two rows with equal values in these columns describe the same fact.
    key: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def hxl_row(self) -> list[str]:
        return [c.hxl for c in self.columns]


# Header names people write instead of ours, e.g. in a French spreadsheet.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "as_of": ("date", "as of", "date de situation", "date_situation", "reporting date"),
    "date": ("date de l'evenement", "event date"),
    "origin_country": ("pays d'origine", "pays_origine", "country of origin", "origin"),
    "origin_admin1": ("province d'origine", "province_origine", "origin province"),
    "destination_country": ("pays d'asile", "pays_asile", "pays de destination", "country of asylum", "destination", "country", "pays"),
    "destination_admin1": ("province", "admin1", "province de destination"),
    "population_type": ("type de population", "type_population", "population type", "type"),
    "figure": ("chiffre", "nombre", "effectif", "valeur", "value", "number", "individus"),
    "figure_qualifier": ("qualifier", "qualificatif", "precision du chiffre"),
    "measure": ("mesure", "stock ou flux", "stock_flux"),
    "period_start": ("depuis", "debut de periode", "since", "start"),
    "scope": ("portee", "perimetre"),
    "locality": ("localite", "lieu", "ville", "town", "place"),
    "territory": ("territoire",),
    "controlled_by": ("controle par", "controle_par", "controlled by", "groupe", "group"),
    "event": ("evenement", "type d'evenement"),
    "lat": ("latitude",),
    "lon": ("longitude", "lng", "long"),
    "coord_source": ("source des coordonnees", "coordinate source"),
    "source_org": ("source", "organisation", "publisher", "editeur"),
    "source_title": ("titre", "title", "titre de la source"),
    "source_url": ("lien", "url", "link", "adresse"),
    "confidence": ("confiance", "fiabilite"),
    "notes": ("remarques", "commentaires", "note", "comments"),
}

# --- Allowed values -----------------------------------------------------------

POPULATION_TYPES = ("refugees", "asylum_seekers", "idps", "returnees", "new_arrivals")
POPULATION_LABELS = {
    "refugees": "refugees",
    "asylum_seekers": "asylum seekers",
    "idps": "internally displaced people",
    "returnees": "returnees",
    "new_arrivals": "new arrivals (refugees and asylum seekers together)",
}

# A stock counts people displaced at a date; a flow counts people newly
# displaced between period_start and as_of. They are never summed or chained.
MEASURES = ("stock", "flow")

CONFIDENCE = ("standard", "low")

# How the source words its figure, when it qualifies it ("more than 50,000"): kept so that the dashboard says
# it the same way. An empty cell is a figure given as it stands.
QUALIFIER_WORDS = {
    "more_than": "more than", "at_least": "at least", "about": "about", "up_to": "up to", "fewer_than": "fewer than",
}
QUALIFIERS = tuple(QUALIFIER_WORDS)

CONTROLLERS = ("M23/AFC", "FARDC", "Wazalendo", "contested")
CONTROLLER_LABELS = {
    "M23/AFC": "M23/AFC",
    "FARDC": "FARDC / government",
    "Wazalendo": "Wazalendo and allied groups",
    "contested": "Contested or unknown",
}
EVENTS = ("captured", "retaken", "withdrew")

# Other ways people write an allowed value (compared lower-case).
VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "controlled_by": {
        "m23": "M23/AFC", "afc": "M23/AFC", "afc/m23": "M23/AFC", "m23-afc": "M23/AFC", "afc-m23": "M23/AFC",
        "government": "FARDC", "gouvernement": "FARDC", "fardc/wazalendo": "FARDC",
        "vdp": "Wazalendo", "wazalendo/vdp": "Wazalendo",
        "contesté": "contested", "conteste": "contested", "unknown": "contested", "inconnu": "contested",
    },
    "event": {"capture": "captured", "prise": "captured", "pris": "captured", "repris": "retaken",
              "reprise": "retaken", "retrait": "withdrew", "withdrawn": "withdrew", "withdrawal": "withdrew"},
    "measure": {"flux": "flow"},
    "figure_qualifier": {
        "more than": "more_than", "over": "more_than", "plus de": "more_than", ">": "more_than",
        "at least": "at_least", "au moins": "at_least", ">=": "at_least", "≥": "at_least",
        "approximately": "about", "around": "about", "environ": "about", "~": "about", "près de": "about",
        "approx.": "about", "approx": "about", "env.": "about", "ca.": "about", "circa": "about",
        "pres de": "about", "nearly": "about", "up to": "up_to", "as many as": "up_to", "jusqu'à": "up_to",
        "jusqu'a": "up_to", "at most": "up_to", "au plus": "up_to", "<=": "up_to", "≤": "up_to",
        "fewer than": "fewer_than", "less than": "fewer_than", "under": "fewer_than", "moins de": "fewer_than", "<": "fewer_than",
    },
    "population_type": {"réfugiés": "refugees", "refugies": "refugees", "demandeurs d'asile": "asylum_seekers",
                        "asylum seekers": "asylum_seekers", "déplacés internes": "idps", "deplaces internes": "idps",
                        "pdi": "idps", "idp": "idps", "retournés": "returnees", "retournes": "returnees",
                        "new arrivals": "new_arrivals", "nouvelles arrivées": "new_arrivals"},
}

# User-assigned ISO 3166 alpha-3 codes (the X.. range is reserved for this) for
# figures that sources give for a group of countries rather than one country.
REGION_CODES = {
    "XNB": "Neighbouring countries (total)",
    "XON": "Other neighbouring countries (not specified)",
}
# UNHCR writes UKN (and sometimes UNK) for an unknown country of origin.
UNKNOWN_COUNTRY = "UKN"

COUNTRY_OF_INTEREST = "COD"
# The scope of a figure that covers a whole country rather than a province.
NATIONAL_SCOPE = "National total"
KIVU_PROVINCES = ("North Kivu", "South Kivu")
# Provinces named in figures and control events. Province names are stored in
# English, as OCHA and UNHCR English products write them.
PROVINCES = ("North Kivu", "South Kivu", "Ituri", "Maniema", "Tanganyika")


@dataclass(frozen=True)
class Box:
    """A rectangle of WGS84 decimal degrees, edges included."""

    south: float
    north: float
    west: float
    east: float

    def contains(self, lat, lon):
        """Whether (lat, lon) lies inside: numbers give a bool, Series a boolean Series."""
        return (lat >= self.south) & (lat <= self.north) & (lon >= self.west) & (lon <= self.east)

    def __str__(self) -> str:
        return f"latitude {self.south:g} to {self.north:g}, longitude {self.west:g} to {self.east:g}"


# Where a locality of the control table can plausibly be: all of DR Congo plus Uganda, Rwanda,
# Burundi, Tanzania and Zambia (their shipped boundaries span latitude -18.07..5.38 and longitude
# 12.21..40.45), rounded outwards. Generous on purpose: it does not judge a place, it catches a
# coordinate with lat and lon swapped (Goma written 29.22, -1.68 lands in the Sahara) or a minus
# sign put on the longitude. A latitude that lost its minus sign near the equator (Goma at 1.68 N)
# still lands inside: a box this size cannot tell. Its latitudes all lie below its longitudes, so a
# point and its swap are never both inside.
REGION_BOX = Box(south=-18.5, north=5.5, west=12.0, east=41.0)

_SOURCE_COLUMNS = (
    Column("source_org", "text", "#meta+source", "Who published the figure or report.", required=True),
    Column("source_title", "text", "#meta+title", "Title of the report or article.", required=True),
    Column("source_url", "text", "#meta+url", "Web address of the source (http or https).", required=True),
    Column(
        "confidence",
        "category",
        "#meta+confidence",
        "`low` for single, secondary, unverified or approximate reports; `standard` otherwise.",
        allowed=CONFIDENCE,
        default="standard",
    ),
    Column("notes", "text", "#meta+notes", "Caveats, definitions, conflicting reports."),
)

FIGURES = Table(
    name="figures",
    title="Displacement figures",
    columns=(
        Column("as_of", "date", "#date", "Date the figure refers to (YYYY-MM-DD).", required=True),
        Column(
            "origin_country",
            "iso3",
            "#country+code+origin",
            "Country people fled from, ISO 3166-1 alpha-3 (COD for DR Congo).",
            required=True,
        ),
        Column(
            "origin_admin1",
            "text",
            "#adm1+name+origin",
            "Province people fled from, when the source says (e.g. North Kivu).",
        ),
        Column(
            "destination_country",
            "iso3",
            "#country+code+asylum",
            "Country where people are now: ISO3 code, COD for internal displacement, "
            "XNB for a total over neighbouring countries, XON for other neighbouring countries.",
            required=True,
        ),
        Column(
            "destination_admin1",
            "text",
            "#adm1+name",
            "Province where people are now (required for internal displacement). "
            "Several provinces are separated by '; '.",
        ),
        Column(
            "population_type",
            "category",
            "#population+type",
            "Who is counted.",
            required=True,
            allowed=POPULATION_TYPES,
        ),
        Column("figure", "integer", "#affected+num", "Number of people.", required=True, minimum=0),
        Column(
            "figure_qualifier",
            "category",
            "#meta+qualifier",
            "Empty when the source gives the figure as it stands; `more_than`, `at_least`, `about`, `up_to` or "
            "`fewer_than` when the source words it so (e.g. 'more than 50,000').",
            allowed=QUALIFIERS,
        ),
        Column(
            "measure",
            "category",
            "#indicator+measure",
            "`stock`: people displaced at the date; `flow`: newly displaced (or returned, or arrived) "
            "between period_start and as_of.",
            required=True,
            allowed=MEASURES,
        ),
        Column(
            "period_start",
            "date",
            "#date+start",
            "For a flow: the date counting starts from (e.g. 2025-01-01 for 'since January').",
        ),
        Column(
            "scope",
            "text",
            "#meta+scope",
            "Empty when the figure covers everyone of that type in the area; otherwise what "
            "subset it covers (e.g. 'M23 crisis displacement only'). Subsets are separate series.",
        ),
        *_SOURCE_COLUMNS,
    ),
    key=(
        "as_of",
        "origin_country",
        "origin_admin1",
        "destination_country",
        "destination_admin1",
        "population_type",
        "measure",
        "period_start",
        "scope",
        "source_org",
    ),
)

# A series is one line through time: the same key without date and source.
FIGURE_SERIES = (
    "origin_country",
    "origin_admin1",
    "destination_country",
    "destination_admin1",
    "population_type",
    "measure",
    "period_start",
    "scope",
)

CONTROL = Table(
    name="control",
    title="Territorial control events",
    columns=(
        Column("date", "date", "#date", "Date of the event (YYYY-MM-DD).", required=True),
        Column("locality", "text", "#loc+name", "Town or locality.", required=True),
        Column("territory", "text", "#adm2+name", "Territory (or city) the locality is in."),
        Column("province", "text", "#adm1+name", "Province.", required=True),
        Column(
            "lat",
            "decimal",
            "#geo+lat",
            "Latitude, WGS84 decimal degrees; empty when no sourced coordinate exists.",
            minimum=-90,
            maximum=90,
        ),
        Column(
            "lon",
            "decimal",
            "#geo+lon",
            "Longitude, WGS84 decimal degrees; empty when no sourced coordinate exists.",
            minimum=-180,
            maximum=180,
        ),
        Column("coord_source", "text", "#geo+source", "Where the coordinate comes from."),
        Column(
            "controlled_by",
            "category",
            "#group+name",
            "Who controls the locality after the event.",
            required=True,
            allowed=CONTROLLERS,
        ),
        Column("event", "category", "#event+type", "What happened.", required=True, allowed=EVENTS),
        *_SOURCE_COLUMNS,
    ),
    key=("date", "locality", "province", "source_org"),
)

TABLES = {FIGURES.name: FIGURES, CONTROL.name: CONTROL}

# The example row of each table's template (imports.template). Uploaded unchanged, it is refused:
# its source and note are placeholders, not a report (validate.py looks for them).
TEMPLATE_EXAMPLES = {
    "figures": {
        "as_of": "2025-02-21", "origin_country": "COD", "origin_admin1": "South Kivu",
        "destination_country": "BDI", "destination_admin1": "", "population_type": "asylum_seekers",
        "figure": "42000", "figure_qualifier": "about", "measure": "flow", "period_start": "2025-02-07", "scope": "",
        "source_org": "UNHCR", "source_title": "Title of the report",
        "source_url": "https://example.org/report", "confidence": "standard",
        "notes": "Example row: replace it with your own.",
    },
    "control": {
        "date": "2025-02-16", "locality": "Bukavu", "territory": "Bukavu (city)", "province": "South Kivu",
        "lat": "-2.49077", "lon": "28.84281", "coord_source": "GeoNames id 217831",
        "controlled_by": "M23/AFC", "event": "captured", "source_org": "News agency",
        "source_title": "Title of the article", "source_url": "https://example.org/article",
        "confidence": "standard", "notes": "Example row: replace it with your own.",
    },
}

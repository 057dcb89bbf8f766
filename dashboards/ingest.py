"""Read an uploaded CSV into a frame of raw text cells named after the schema.

Every supported layout (the project's template, any HXL-tagged file, IOM DTM and HDX
HAPI IDP tables, UNHCR population statistics, UNHCR data-portal time series, files
saved by a French Excel) is first given HXL hashtags, then mapped to the schema by
those hashtags: one mapping path for all formats. Hashtags are read for what they say a
count is (part of the people, no people, a flow) and where (a place below province level).
Nothing here judges the values, but for one: a province given by a code that names no
province refuses its row (left empty, it would count for the whole country). Cells stay
the text the file holds, so validation can quote them back. Rows are
indexed by the row number a person sees in a spreadsheet (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from . import cells
from .places import province_name
from .problems import Problem
from .schema import CONTROL, FIGURES, NATIONAL_SCOPE, Table

MAX_BYTES = 200_000_000  # 200 MB, as the messages say (MB = 1,000,000 bytes)
ROW = "_row"  # the column holding each row's number in the file
# Python's csv module refuses cells over 128 KB unless told otherwise; the size cap is ours.
csv.field_size_limit(MAX_BYTES)
PREAMBLE_LINES = 30  # UNHCR downloads put up to 14 lines of notes above the header
SHORT_ROW_SCAN_BYTES = 10_000_000  # bigger files are machine exports, regular by construction


class UnreadableFile(ValueError):
    """The file cannot be read at all; the message is one sentence for the user."""


@dataclass(frozen=True)
class Options:
    """What the editor says about a file that does not say it itself (form fields or CLI options)."""

    destination_country: str | None = None
    population_type: str | None = None
    measure: str | None = None
    period_start: str | None = None
    source_org: str | None = None
    source_title: str | None = None
    source_url: str | None = None


@dataclass
class Parsed:
    """Raw cells mapped to schema columns, plus what was understood about the file."""

    frame: pd.DataFrame
    table: Table
    format: str
    column_map: dict[str, str]
    header_rows: int
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What separates cells: a semicolon means a French-locale spreadsheet, whose decimal point is a comma.
    delimiter: str = ","
    # Rows refused while reading, each with an error in `problems` (an admin-1 code that names no province):
    # their cells by schema column, with ROW, as validation's rejected rows are.
    refused: pd.DataFrame | None = None
    # A yearly file (UNHCR's): a four-digit as_of is the year's end, read so by validation, which can then
    # quote the year as written and say why a year not yet over cannot be counted at its end.
    years: bool = False


# --- Bytes to a grid of text ---------------------------------------------------


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without byte-order mark), else Windows-1252 as Excel saves it."""
    _check_bytes(data)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file's text encoding is not UTF-8 or Windows-1252: save it as CSV UTF-8.")


def _check_bytes(data: bytes) -> None:
    # Only a file that starts with blanks is stripped whole (a strip copies a big file).
    if not data[:4096].strip() and not data.strip():
        raise UnreadableFile("The file is empty.")
    if data.startswith(b"%PDF-"):
        raise UnreadableFile("The file is a PDF: export the table from its source as CSV UTF-8 and upload that.")
    if data.startswith(b"PK\x03\x04"):  # a ZIP archive; an Excel workbook (.xlsx) is one, holding xl/...
        if b"[Content_Types].xml" in data[:4096] or b"xl/" in data[:4096]:
            raise UnreadableFile("The file is an Excel workbook (.xlsx), not a CSV: open it in Excel and save it as "
                                 "'CSV UTF-8', then upload that file.")
        raise UnreadableFile("The file is a ZIP archive, not a CSV: unzip it (UNHCR's Refugee Data Finder downloads "
                             "come zipped) and upload the CSV file inside.")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # the format of Excel 97-2003 (.xls)
        raise UnreadableFile("The file is an Excel 97-2003 workbook (.xls), not a CSV: open it in Excel and save it as "
                             "'CSV UTF-8', then upload that file.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UnreadableFile("The file is saved as UTF-16: save it as 'CSV UTF-8' and upload it again.")
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            "The file is not plain text (it contains NUL bytes): is it an Excel workbook? Save it as CSV UTF-8."
        )
    _check_markup_or_json(data)


# What a web page or an XML file starts with (after blanks and a byte-order mark), lower-cased. A CSV
# whose first cell merely starts with '<' ('<5 years', '<b>') has none of these.
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_XML_START = b"<?xml"


def _check_markup_or_json(data: bytes) -> None:
    """A web page, an XML file or JSON saved as .csv: one sentence saying what it is and where the CSV is.

    Sites answer a script (and sometimes a browser) with a bot check or a login page instead of the data,
    and the UNHCR data portal's series come as JSON unless the CSV export is asked for: saved under a .csv
    name, either would otherwise give nonsense row problems. Only a strong signature counts: the first
    non-blank bytes of a page, or a whole file that parses as one JSON object or array.
    """
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(_HTML_STARTS) or (head.startswith(_XML_START) and b"<html" in head):
        raise UnreadableFile(
            "The file is a web page (HTML), not a CSV: the site sent a page (such as a bot check or a sign-in page, "
            "which the UNHCR data portal may send) instead of the data; open the address in a browser, download the "
            "CSV export (the page's download or export button, CSV), and upload that file."
        )
    if head.startswith(_XML_START):
        raise UnreadableFile(
            "The file is XML, not a CSV: download the table as CSV from its source, or open it in a spreadsheet and "
            "save it as CSV UTF-8, and upload that file."
        )
    if _is_json(data, head):
        raise UnreadableFile(
            "The file is JSON, not a CSV: download the CSV export instead (on the UNHCR data portal, the same "
            "address with export=csv, or the chart's download button), or save the table as CSV UTF-8, and "
            "upload that file."
        )


# How a JSON object or array starts: '{' then a key or '}', '[' then a value or ']'.
_JSON_START = re.compile(rb'(\{\s*["}]|\[\s*([\[{"\]0-9-]|true|false|null))')


def _is_json(data: bytes, head: bytes) -> bool:
    """True when the whole file is one JSON object or array (a CSV's first cell may start with a bracket)."""
    if not _JSON_START.match(head):
        return False
    if len(data) > SHORT_ROW_SCAN_BYTES:  # parsing would cost gigabytes: the two ends tell well enough
        return data[-1024:].rstrip()[-1:] == {b"{": b"}", b"[": b"]"}[head[:1]]
    import json

    try:
        return isinstance(json.loads(data.decode("utf-8-sig")), (dict, list))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    # Checked in 1 MB slices: decoding a big file whole would hold a second copy of it.
    decoder, view, step = codecs.getincrementaldecoder("utf-8")(), memoryview(data), 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8(data: bytes) -> bytes:
    """The file as UTF-8 with '\\n' line ends: the same bytes object, uncopied, when it already is.

    Same result as decode() then normalising line ends, but a big UTF-8 file is never held
    as a Python str as well (pandas parses bytes directly; a str would be encoded back).
    """
    _check_bytes(data)
    if b"\r" not in data and _is_utf8(data):
        return data  # a UTF-8 byte-order mark is skipped by the CSV parser, as decode() drops it
    return decode(data).replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")


def _head_lines(data: bytes, count: int) -> list[str]:
    """The first `count` lines of UTF-8 bytes as text (the last item is not split further)."""
    end = -1
    for _ in range(count):
        end = data.find(b"\n", end + 1)
        if end < 0:
            break
    head = (data if end < 0 else data[: end + 1]).decode("utf-8-sig")
    return head.split("\n", count)


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: comma, semicolon or tab, whichever it has most of."""
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _grid(data: bytes, delimiter: str, skip: int) -> tuple[pd.DataFrame, list[Problem]]:
    """All cells as text, one frame row per CSV record; ragged rows are reported and dropped.

    The frame's index is each record's position after the skipped lines (0 is the header), kept
    when ragged rows are dropped, so later rows keep the numbers they have in the file.
    """
    body = data.split(b"\n", skip)[-1] if skip else data
    try:
        # Arrow strings straight from the parser, then viewed (no copy) as the "str" dtype:
        # dtype=str makes pandas build a Python object per cell first (twice the time).
        grid = pd.read_csv(
            io.BytesIO(body), sep=delimiter, header=None, dtype=pd.ArrowDtype(pa.large_string()),
            keep_default_na=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL,
            encoding="utf-8",
        ).astype("str")
        if grid.isna().any().any():
            grid = grid.fillna("")
        # pandas pads short records with empty cells rather than failing. Hand-made files are
        # where rows come out short, so count the cells of files of spreadsheet size.
        if len(body) > SHORT_ROW_SCAN_BYTES:
            return grid, []
        records = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))
        if len(records) != len(grid):
            return grid, []
        width = grid.shape[1]
        short = pd.Series([0 < len(r) < width for r in records], index=grid.index)
        problems = [Problem(skip + 1 + int(i), None, _as_written(records[i], delimiter),
                            _ragged(len(records[i]), width, delimiter)) for i in grid.index[short]]
        return grid[~short], problems
    except pd.errors.ParserError:
        pass
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFile("The file has no rows.") from exc
    # Slow path, only for broken files: find every ragged record with its row number.
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))
    width = len(rows[0])
    # Empty cells after the last column, as some spreadsheets end every line with them, are ignored when
    # that is the file's pattern: its header ends with a delimiter, or every row of data has them. In one
    # row alone they are more likely a cell's unquoted comma, which shifts every later cell by one.
    data = [r for r in rows[1:] if any(c.strip() for c in r) and not is_hxl_row(r)]
    trailing = not rows[0][-1].strip() or all(len(r) > width and not any(c.strip() for c in r[width:]) for r in data)
    problems, good, kept = [], [], []
    for record, cells in enumerate(rows):
        if trailing and len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width and any(c.strip() for c in cells):
            problems.append(Problem(skip + 1 + record, None, _as_written(cells, delimiter),
                                    _ragged(len(cells), width, delimiter)))
        else:
            good.append((cells + [""] * width)[:width])
            kept.append(record)
    return pd.DataFrame(good, index=kept, dtype="str"), problems


def _ragged(count: int, width: int, delimiter: str) -> str:
    """Why a row of `count` cells under a header of `width` cannot be split into columns, and what to do."""
    said = f"This row has {count} cells but the header has {width}: "
    if count < width:
        return said + "check for a missing delimiter, or an unclosed quote."
    name = {",": "comma", ";": "semicolon", "\t": "tab"}.get(delimiter, f"'{delimiter}'")
    return said + (f"a cell holding a {name} must be in double quotes (e.g. \"Goma{delimiter} North Kivu\"); "
                   "otherwise check for an extra delimiter or an unclosed quote.")


AS_WRITTEN_LIMIT = 1000  # characters of an unsplit row kept to show it (cells are capped elsewhere)


def _as_written(record: list[str], delimiter: str) -> str:
    """A row that could not be split into the header's columns, as text, for the editor to find and fix."""
    return cells.clip(delimiter.join(record), AS_WRITTEN_LIMIT)


def release_arrow_memory() -> None:
    """Hand the memory Arrow has freed back to the system (a few milliseconds).

    Arrow's allocator keeps freed blocks for its own later use, while numpy and pandas allocate
    elsewhere: on a big file the two would add up at the peak. Called after each big step.
    """
    pa.default_memory_pool().release_unused()


def _blank_rows(body: pd.DataFrame) -> pd.Series:
    """(body == "").all(axis=1), reading further columns only while some row may still be blank."""
    blank = pd.Series(True, index=body.index)
    for position in body.columns:
        if not blank.any():
            break
        blank &= body[position].eq("").to_numpy()
    return blank


def strip(values: pd.Series) -> pd.Series:
    """values.astype("str").str.strip(), returning the column itself (no copy) when no cell needs it."""
    text = values.astype("str")
    return text.str.strip() if _may_have_edge_spaces(text) else text


def _may_have_edge_spaces(text: pd.Series) -> bool:
    """False only when no cell starts or ends with a byte that can belong to a whitespace character.

    Every whitespace character Python and Arrow strip is either ASCII at or below the space
    (0x20) or encoded in UTF-8 with bytes of 0x80 and above; a cell whose first and last bytes
    are printable ASCII therefore strips to itself. Reading those two bytes from Arrow's buffers
    costs a few milliseconds per million cells, against a whole new column for a strip.
    """
    chunks = cells.arrow_text(text)
    if chunks is None:  # not stored as Arrow strings: just strip
        return True
    for offsets, data_buffer in chunks:
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts  # empty cells and nulls have no bytes to look at
        if not filled.any():
            continue
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        for edge in (data[starts[filled]], data[ends[filled] - 1]):
            if ((edge <= 0x20) | (edge >= 0x7F)).any():
                return True
    return False


# --- Formats: header names to HXL hashtags --------------------------------------

# Header names of known exports, given the hashtags their HXL rows carry (or would).
KNOWN_HEADERS: dict[str, str] = {
    # IOM DTM admin 0-2 export
    "admin0name": "#country+name", "admin0pcode": "#country+code", "admin1name": "#adm1+name",
    "admin2name": "#adm2+name", "adminlevel": "#adm+level", "numpresentidpind": "#affected+idps",
    "reportingdate": "#date+reported", "roundnumber": "#round+code", "assessmenttype": "#assessment+type",
    "operation": "#operation+name",
    # HDX HAPI IDPs
    "location_code": "#country+code", "provider_admin1_name": "#adm1+name+provider",
    "admin1_name": "#adm1+name", "admin2_name": "#adm2+name", "admin_level": "#adm+level",
    "assessment_type": "#assessment+type", "population": "#affected+idps", "reporting_round": "#round+code",
    "reference_period_end": "#date+end",
    # UNHCR population statistics (HDX feed, HDX world CSV, Refugee Data Finder)
    "year": "#date+year", "iso3coo": "#country+code+origin", "iso3coa": "#country+code+asylum",
    "ref": "#affected+refugees", "asy": "#affected+asylum_seekers", "idp": "#affected+idps",
    "ret": "#affected+refugees+returnees", "rdp": "#affected+idps+returnees",
    "country of origin code": "#country+code+origin", "country of asylum code": "#country+code+asylum",
    "country of origin (iso)": "#country+code+origin", "country of asylum (iso)": "#country+code+asylum",
    # ... whose name columns sit beside the code columns: the codes are taken, the names are not needed.
    "country of origin": "#country+name+origin", "country of asylum": "#country+name+asylum",
    "refugees": "#affected+refugees", "refugees under unhcr's mandate": "#affected+refugees",
    "asylum seekers": "#affected+asylum_seekers", "asylum-seekers": "#affected+asylum_seekers",
    "internally displaced persons": "#affected+idps", "idps of concern to unhcr": "#affected+idps",
    "returned refugees": "#affected+refugees+returnees", "returned idpss": "#affected+idps+returnees",
    "returned idps": "#affected+idps+returnees",
    # UNHCR data portal time series
    "date": "#date", "individuals": "#affected+num", "data_date": "#date",
}

# Hashtags that carry a figure for one population type (wide tables: one column per type), and
# the scope that tells apart two figures of one type (UNHCR's returned refugees and returned IDPs).
POPULATION_TAGS: list[tuple[str, frozenset[str], str, str]] = [
    ("#affected", frozenset({"refugees", "returnees"}), "returnees", "returned refugees"),
    ("#affected", frozenset({"idps", "returnees"}), "returnees", "returned IDPs"),
    ("#affected", frozenset({"returnees"}), "returnees", ""),
    ("#affected", frozenset({"refugees"}), "refugees", ""),
    ("#affected", frozenset({"asylum_seekers"}), "asylum_seekers", ""),
    ("#affected", frozenset({"idps"}), "idps", ""),
    ("#affected", frozenset({"new_arrivals"}), "new_arrivals", ""),
]

# HXL attributes that make a count of people a count of part of them (hxlstandard.org's dictionary: sex and age
# disaggregation, camp or not; and what HDX files add: IDMC's cause of displacement, people reached or targeted
# by aid), in words. A column tagged with one never fills a figure: a part is never stored as the whole.
PART_ATTRIBUTES = {
    "f": "female", "m": "male", "i": "intersex or non-binary",
    "infants": "infants", "children": "children", "adolescents": "adolescents", "youth": "youth",
    "adults": "adults", "elderly": "elderly people", "disabled": "people with disabilities",
    "incamp": "in camps", "noncamp": "not in camps", "urban": "in urban areas", "rural": "in rural areas",
    "conflict": "displaced by conflict", "disaster": "displaced by disasters",
    "inneed": "in need", "targeted": "targeted by aid", "reached": "reached by aid",
    "abducted": "abducted", "infected": "infected", "injured": "injured", "killed": "killed",
}
# Age ranges are attributes of their own: +age0_4, +age_5_12, +age60_, +age65plus.
_AGE_RANGE = re.compile(r"age_?\d+(_\d*)?(plus)?")
# Attributes saying a column counts something other than people.
NOT_PEOPLE_ATTRIBUTES = {"hh": "households", "pct": "a percentage"}
# Attributes saying a column counts people newly displaced over a period (IDMC's new displacements): a flow.
FLOW_ATTRIBUTES = {"newdisp": "new displacements"}


def _part_of(attrs) -> list[str]:
    """In words, what a count's attributes restrict it to (empty for a count of all the people its tag names)."""
    return [PART_ATTRIBUTES[a] if a in PART_ATTRIBUTES else f"ages {a.removeprefix('age').strip('_').replace('_', '-')}"
            for a in attrs if a in PART_ATTRIBUTES or _AGE_RANGE.fullmatch(a)]


def _not_people(attrs) -> list[str]:
    return [NOT_PEOPLE_ATTRIBUTES[a] for a in attrs if a in NOT_PEOPLE_ATTRIBUTES]


# Hashtags of places below a province: a row naming one is not a province's figure.
_BELOW_PROVINCE = {"#adm2", "#adm3", "#adm4", "#adm5", "#loc"}

# Hashtags for our columns beyond each column's own (HDX files use these too).
EXTRA_TAGS: dict[str, list[str]] = {
    "as_of": ["#date+reported", "#date+end", "#date+year"],
    "origin_country": ["#country+code+origin", "#country+name+origin"],
    "destination_country": ["#country+code+asylum", "#country+name+asylum", "#country+code", "#country+name"],
    "destination_admin1": ["#adm1+name+provider", "#adm1+name", "#adm1+code"],
    "province": ["#adm1+name+provider", "#adm1+name"],
    "locality": ["#loc+name"],
    "controlled_by": ["#group+name"],
}


@dataclass(frozen=True)
class Format:
    """A known layout: how to recognise it and what it implies that its columns do not say."""

    name: str
    signature: frozenset[str]  # lower-case header names that identify it
    defaults: dict[str, str] = field(default_factory=dict)
    # World files: only rows about people from this country belong on the dashboard (UNHCR) ...
    only_origin: str | None = None
    # ... or only rows about people displaced inside it (DTM and HAPI cover many countries).
    only_destination: str | None = None
    # Columns it has that say nothing the schema holds, by lower-case header name, with the reason.
    unused: dict[str, str] = field(default_factory=dict)


_PORTAL_SOURCE = {"source_org": "UNHCR", "source_title": "UNHCR Operational Data Portal time series",
                  "source_url": "https://data.unhcr.org/"}
FORMATS = [
    Format("IOM DTM admin 0-2 export", frozenset({"numpresentidpind", "adminlevel", "reportingdate"}),
           {"measure": "stock", "source_org": "IOM DTM", "source_title": "IOM DTM admin 0-2 IDP export",
            "source_url": "https://dtm.iom.int/"}, only_destination="COD"),
    Format("HDX HAPI IDP table", frozenset({"location_code", "admin_level", "population", "reference_period_end"}),
           {"measure": "stock", "source_org": "IOM DTM via HDX HAPI", "source_title": "HDX HAPI: IDPs",
            "source_url": "https://hapi.humdata.org/"}, only_destination="COD",
           unused={"reference_period_start": "(not used: HAPI's IDP figures are stocks, counted at the period's end)"}),
    Format("UNHCR population statistics", frozenset({"year", "iso3coo", "iso3coa"}),
           {"measure": "stock", "source_org": "UNHCR", "source_title": "UNHCR Refugee Population Statistics",
            "source_url": "https://www.unhcr.org/refugee-statistics/"}, only_origin="COD"),
    Format("UNHCR population statistics", frozenset({"year", "country of origin code", "country of asylum code"}),
           {"measure": "stock", "source_org": "UNHCR", "source_title": "UNHCR Refugee Population Statistics",
            "source_url": "https://www.unhcr.org/refugee-statistics/"}, only_origin="COD"),
    Format("UNHCR Refugee Data Finder export", frozenset({"year", "country of origin (iso)", "country of asylum (iso)"}),
           {"measure": "stock", "source_org": "UNHCR", "source_title": "UNHCR Refugee Data Finder",
            "source_url": "https://www.unhcr.org/refugee-statistics/"}, only_origin="COD"),
    Format("UNHCR data portal time series", frozenset({"date", "individuals"}), _PORTAL_SOURCE),
    # Some portal downloads name the date column data_date.
    Format("UNHCR data portal time series", frozenset({"data_date", "individuals"}), _PORTAL_SOURCE),
]


def hxl_tag(tag: str) -> tuple[str, frozenset[str]]:
    """Split an HXL hashtag into its name and the set of its attributes."""
    parts = tag.strip().lower().replace(" ", "").split("+")
    return parts[0], frozenset(p for p in parts[1:] if p)


_BARE_TAG = re.compile(r"[a-z][a-z0-9_]*(\+[a-z0-9_]+)+")


def is_hxl_row(cells: list[str]) -> bool:
    """True when the non-empty cells are HXL hashtags (HDX puts them under the header).

    Older DTM exports wrote a few tags without their '#' ('affected+idps'): a row of hashtags with
    some such cells is still the hashtag row.
    """
    filled = [c.strip() for c in cells if c and c.strip()]
    tagged = sum(c.startswith("#") for c in filled)
    return bool(filled) and tagged * 2 > len(filled) and all(
        c.startswith("#") or _BARE_TAG.fullmatch(c.lower()) for c in filled)


def _hashtags(cells: list[str]) -> list[str]:
    """The hashtag row with a '#' in front of the tags written without one."""
    return [c if not c.strip() or c.strip().startswith("#") else "#" + c.strip() for c in cells]


# Typographic apostrophes (’ as Word and phones write it, ‘, ʼ) are the plain one in names and values.
APOSTROPHES = "\u2019\u2018\u02bc"


def plain_apostrophes(text: str) -> str:
    return text.translate({ord(c): "'" for c in APOSTROPHES})


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", plain_apostrophes(text.strip().lower().replace("\ufeff", "")))


def _name_key(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", _key(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _find_header(lines: list[str], table: Table) -> int:
    """Index of the header line: the first line naming a known column (skips UNHCR preambles)."""
    known = set(KNOWN_HEADERS) | {_name_key(n) for c in table.columns for n in (c.name, *c.synonyms)}
    for i, line in enumerate(lines[:PREAMBLE_LINES]):
        cells = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
        if is_hxl_row(cells):  # the hashtag row: under the header, or first with no text header (HXL Proxy)
            return max(i - 1, 0)
        if sum(1 for c in cells if _key(c) in known or _name_key(c) in known) >= 2:
            return i
    return 0


def _detect(header: list[str]) -> Format | None:
    names = {_key(h) for h in header}
    for fmt in FORMATS:
        if fmt.signature <= names:
            return fmt
    return None


def _tags_for(header: list[str], hxl: list[str] | None, table: Table) -> list[str]:
    """A hashtag for every column: the file's own HXL row first, then known and schema header names."""
    by_name = {}
    for c in table.columns:
        for n in (c.name, *c.synonyms):
            by_name[_name_key(n)] = c.hxl
    tags = []
    for i, name in enumerate(header):
        tag = hxl[i].strip() if hxl and i < len(hxl) and hxl[i].strip() else ""
        if not tag:
            tag = KNOWN_HEADERS.get(_key(name)) or by_name.get(_name_key(name), "")
        tags.append(tag)
    return tags


def _match(tags: list[str], wanted: list[str], taken: set[int]) -> int | None:
    """Position of the column whose hashtag carries all the attributes of one of `wanted`, most specific first."""
    for want in wanted:
        w_name, w_attrs = hxl_tag(want)
        for i, tag in enumerate(tags):
            if i in taken or not tag:
                continue
            name, attrs = hxl_tag(tag)
            if name == w_name and w_attrs <= attrs and not _conflicts(w_attrs, attrs) and not _not_whole(name, attrs):
                return i
    return None


def _not_whole(name: str, attrs: frozenset[str]) -> bool:
    """A count of part of the people (#affected+refugees+f+children), or of something else than people (+hh)."""
    return name == "#affected" and bool(_part_of(attrs) or _not_people(attrs))


def _conflicts(wanted: frozenset[str], attrs: frozenset[str]) -> bool:
    # A column about where people come from never fills a column about where they are, and back.
    # Nor does the start of a period (HAPI's reference_period_start) fill a date that is not a start.
    # Nor does a year or a month alone (DTM's #date+year+reported beside #date+reported) fill a whole date.
    return (
        ("origin" in attrs and "origin" not in wanted)
        or ("asylum" in attrs and "origin" in wanted)
        or ("start" in attrs and "start" not in wanted)
        or any(part in attrs and part not in wanted for part in ("year", "month"))
    )


# --- Mapping a grid to the schema ------------------------------------------------

# A footer or total line under a yearly table, in its year column.
_FOOTER = r"(?is)\s*(source|sources|note|notes|total|totals)\b.*"


def read_csv(
    data: bytes, table: Table, options: Options | None = None, *, max_bytes: int = MAX_BYTES
) -> Parsed:
    """Parse CSV bytes in any supported layout into raw schema columns."""
    options = options or Options()
    if len(data) > max_bytes:
        raise UnreadableFile(
            f"The file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit: "
            "split it into smaller files and upload them one after the other."
        )
    utf8 = _utf8(data)
    lines = _head_lines(utf8, PREAMBLE_LINES + 2)
    start = _find_header(lines, table)
    delimiter = sniff_delimiter(lines[start])
    grid, problems = _grid(utf8, delimiter, start)
    ragged = len(problems)  # rows dropped whole: they were read, and are counted as read
    if grid.empty:
        raise UnreadableFile("The file has no rows.")
    header = [str(h).strip() for h in grid.iloc[0]]
    if len(header) == 1:
        _one_column(header[0])
    # The hashtag row is under the text header, or is the first row itself (HXL Proxy's "strip headers").
    tags_first = is_hxl_row(list(grid.iloc[0]))
    hxl_at = 0 if tags_first else 1
    hxl = _hashtags(list(grid.iloc[hxl_at])) if len(grid) > hxl_at and is_hxl_row(list(grid.iloc[hxl_at])) else None
    if tags_first:
        header = [h.strip() for h in hxl]
    above = 2 if hxl and not tags_first else 1  # rows above the data: the header, and the hashtags if apart
    header_rows = start + above
    body = grid.iloc[above:]
    body.index = pd.Index(body.index + start + 1, name="row")  # record 0 (the header) is the file's row start + 1
    blank = _blank_rows(body)
    if blank.any():  # filtering copies every column: only when there is something to drop
        body = body[~blank]
    repeats = _header_repeats(body, header)
    if repeats.any():  # files pasted one under the other: one problem per repeated header, not one per cell
        problems += [Problem(int(r), None, None, "This row repeats the header: delete it (were two files pasted "
                             "together?).") for r in body.index[repeats]]
        body = body[~repeats]
        ragged += int(repeats.sum())  # read, and in error
    if body.empty and not ragged:
        raise UnreadableFile("The file has a header but no rows of data: add the rows below the header.")

    fmt = _detect(header)
    tags = _tags_for(header, hxl, table)
    unused = {}
    for i, name in enumerate(header):
        if fmt and _key(name) in fmt.unused:
            tags[i] = ""
            unused[name] = fmt.unused[_key(name)]
    notes = [f"{start} line(s) of notes above the header were skipped."] if start else []
    if utf8 is not data and not _is_utf8(data):  # converted: only then can it have been another encoding
        notes.append("The file is not UTF-8: it was read as Windows-1252, as Excel saves CSV files. If accented "
                     "letters look wrong below, save it as 'CSV UTF-8' and upload it again.")
    defaults = dict(fmt.defaults) if fmt else {}
    frame, column_map, more, repeated, refused, years = _to_schema(body, header, tags, table, defaults, options,
                                                                   problems)
    column_map |= unused
    notes += more
    for name, at, twin in repeated:
        problems.append(Problem(start + 1, name, header[twin], (
            f"Columns {_letter(at)} ('{header[at]}') and {_letter(twin)} ('{header[twin]}') both hold {name}: keep one "
            "of them and delete the other (the dashboard will not guess which one is meant).")))
    known = {k: v for k, v in column_map.items() if k not in unused}
    if not known:
        problems.append(Problem(None, None, None, (
            f"No column of this file is one the dashboard knows (the header reads: {', '.join(header)[:200]}). "
            "Use the column names of the template (on the Upload page, or: python -m dashboards template) "
            "or HXL hashtags."), "error"))
    else:
        # Missing columns are judged on the whole file: filtering every row out below does not make them missing.
        missing = _missing_columns(frame, table, set(column_map.values()))
        other = _other_kind(header, hxl, table) if missing else None
        if other is not None:  # the wrong choice of table: one sentence, not a list of absent columns
            problems.append(Problem(None, None, None, (
                f"This looks like a file of {other.title.lower()}, not of {table.title.lower()}: choose "
                f"'{other.title}' as what the file holds (command line: --kind {other.name})."), "error"))
        else:
            problems += _no_whole_figure(missing, column_map) if table is FIGURES else missing
    if fmt and table is FIGURES:
        frame, more = _only_dr_congo(frame, fmt)
        notes += more
    if table is FIGURES:
        notes += _operations(body, tags, frame.index)
    notes += _ignored_columns(header, tags, body, table, set(column_map) | {header[t] for _, _, t in repeated})
    if fmt:
        name = fmt.name
    elif not known:
        name = "CSV with no recognised columns"
    elif set(table.required) <= {h.strip().lower() for h in header}:
        name = "Project template" + (" with HXL row" if hxl else "")
    else:
        name = "HXL-tagged CSV" if hxl else "CSV with recognised column names"
    # One file row can give several figure rows (one per population type): keep the file's
    # row number in ROW and give each figure row its own position.
    frame = frame.assign(**{ROW: frame.index.to_numpy()}).reset_index(drop=True)
    release_arrow_memory()
    return Parsed(frame, table, name, column_map, header_rows, int(len(body)) + ragged, notes, problems, delimiter,
                  refused, years)


def _operations(body: pd.DataFrame, tags: list[str], kept: pd.Index) -> list[str]:
    """A note on a file of several DTM operations: which were kept, which had every row skipped (other countries, levels)."""
    at = _match(tags, ["#operation+name"], set())
    if at is None:
        return []
    operation = strip(body[at])
    every = sorted(set(operation) - {""})
    if len(every) < 2:
        return []
    imported = sorted(set(operation[operation.index.isin(kept)]) - {""})
    skipped = [o for o in every if o not in imported]
    if skipped:
        note = (f"The file holds {len(every)} DTM operations: rows of {'; '.join(imported) or 'none'} were kept; every "
                f"row of {'; '.join(skipped)} was skipped, as said above.")
    else:
        note = f"The file holds {len(every)} DTM operations ({'; '.join(every)})."
    if len(imported) > 1:
        note += (" The kept operations' figures for one province form one series, each with its operation in its "
                 "notes. If an operation counts only part of the displaced (a crisis assessment), give its rows a "
                 "scope and import them separately.")
    return [note]


def _letter(position: int) -> str:
    """A column's letters as a spreadsheet shows them: 0 is A, 25 is Z, 26 is AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _ignored_columns(header: list[str], tags: list[str], body: pd.DataFrame, table: Table, used: set[str]) -> list[str]:
    """A note naming the file's columns that nothing was read from; one no name or hashtag was recognised in
    gets the closest column name, as it may be misspelt ('Figur')."""
    names = {_name_key(n): c.name for c in table.columns for n in (c.name, *c.synonyms)}
    ignored = []
    for position, name in enumerate(header):
        if (name or f"column {position + 1}") in used or (not name and not body[position].str.strip().any()):
            continue  # read, or an empty column with no header (a line ending with a delimiter)
        close = difflib.get_close_matches(_name_key(name), list(names), n=1, cutoff=0.8) if name and not tags[position] else []
        ignored.append((name or f"column {_letter(position)}") + (f" (did you mean {names[close[0]]}?)" if close else ""))
    if not ignored:
        return []
    return [f"Ignored columns, not read into this table: {', '.join(ignored)}."]


def _header_repeats(body: pd.DataFrame, header: list[str]) -> pd.Series:
    """Rows whose cells are the header's names again (a second file's byte-order mark before them too)."""
    if not len(body.columns) or header[0].lstrip("\ufeff") == "":
        return pd.Series(False, index=body.index)
    first = body.iloc[:, 0]
    if _may_have_edge_spaces(first):  # else every cell strips to itself (a byte-order mark is not ASCII either)
        first = first.str.strip().str.lstrip("\ufeff").str.strip()
    first = first == header[0].lstrip("\ufeff")
    if not first.any():  # the usual case: one column looked at
        return pd.Series(False, index=body.index)
    same = first.copy()
    for position, name in enumerate(header[1:], start=1):
        same &= (body.iloc[:, position].str.strip() == name).to_numpy()
    return same


def _one_column(header: str) -> None:
    """A header that is one cell: if another character plainly separates its names, say so in one sentence."""
    for delimiter in ("|", ":"):
        if header.count(delimiter) >= 2:
            raise UnreadableFile(
                f"The file has one column only: its header seems to use '{delimiter}' between columns. Save it with commas "
                "(or semicolons) between columns: in a spreadsheet, 'Save as' CSV."
            )


def _only_dr_congo(frame: pd.DataFrame, fmt: Format) -> tuple[pd.DataFrame, list[str]]:
    """Rows of a world file that are about DR Congo, and notes saying what was left out."""
    notes = []
    if fmt.only_origin:
        origin = frame["origin_country"].str.strip().str.upper()
        unknown = origin.isin(["UKN", "UNK"])
        other = (origin != fmt.only_origin) & ~unknown
        if unknown.any():
            written = ", ".join(sorted(set(origin[unknown])))  # UNHCR writes UKN, and sometimes UNK
            notes.append(f"{int(unknown.sum())} row(s) of people of unknown origin ({written}) were not imported: "
                         f"they are not counted as people from {fmt.only_origin}.")
        if other.any():
            notes.append(f"{int(other.sum())} row(s) about people from other countries than "
                         f"{fmt.only_origin} were not imported.")
        frame = frame[~(unknown | other)]
    if fmt.only_destination:
        other = frame["destination_country"].str.strip().str.upper() != fmt.only_destination
        if other.any():
            notes.append(f"{int(other.sum())} row(s) about other countries than {fmt.only_destination} "
                         "were not imported.")
            frame = frame[~other]
    return frame, notes


def _to_schema(
    body, header, tags, table, defaults, options, problems
) -> tuple[pd.DataFrame, dict[str, str], list[str], list[tuple[str, int, int]], pd.DataFrame | None, bool]:
    """Pick, pivot and fill the schema's columns from the tagged grid.

    Also returns the columns that repeat a taken one: (schema column, position taken, position of the repeat),
    the rows refused on the way (their errors are added to `problems`), and whether as_of holds years.
    """
    notes: list[str] = []
    taken: set[int] = set()
    columns: dict[str, pd.Series] = {}
    column_map: dict[str, str] = {}
    position_of: dict[str, int] = {}

    def take(name: str, position: int) -> None:
        taken.add(position)
        position_of[name] = position
        # Cells our own exports protected from spreadsheets ('=...) are read as they were stored.
        columns[name] = cells.restore(strip(body[position]))
        column_map[header[position] or f"column {position + 1}"] = name

    for column in table.columns:
        own = _match(tags, [column.hxl], taken)
        if own is None:
            own = _match(tags, EXTRA_TAGS.get(column.name, []), taken)
        if own is not None:
            take(column.name, own)

    # Two columns with one hashtag (two 'figure' headers) would each be a guess at which one is meant.
    repeated = [(name, at, twin) for name, at in position_of.items() for twin in range(len(tags))
                if twin not in taken and tags[twin] and hxl_tag(tags[twin]) == hxl_tag(tags[at])]

    # HAPI names a province twice: the provider's name, sometimes empty, and the standard one beside it.
    for name in ("destination_admin1", "province"):
        at = position_of.get(name)
        if at is not None and "provider" in hxl_tag(tags[at])[1]:
            other = _match(tags, ["#adm1+name"], taken)
            if other is not None:
                column_map[header[other] or f"column {other + 1}"] = f"{name} (where {header[at]} is empty)"
                empty = columns[name] == ""
                if empty.any():
                    columns[name] = columns[name].where(~empty, strip(body[other]))

    frame = pd.DataFrame(columns, index=body.index)
    refused, years = None, False
    if table is FIGURES:
        frame, more, years = _figures_rules(frame, body, header, tags, taken, column_map, position_of)
        notes += more
        frame, refused = _province_codes(frame, body, header, tags, column_map, position_of, problems)
    frame = _fill(frame, table, defaults, options, notes)
    if refused is not None:
        refused = refused.reindex(columns=table.names, fill_value="").astype("str")
        refused = refused.assign(**{ROW: refused.index.to_numpy()}).reset_index(drop=True)
    return frame, column_map, notes, repeated, refused, years


_P_CODE_HINT = (
    "is an admin-1 code that the dashboard cannot turn into a province (it knows names and ISO 3166-2 codes such as "
    "CD-NK, not OCHA p-codes such as CD61): {fix}. The row is not imported, and never read as a national total."
)


def _province_codes(frame, body, header, tags, column_map, position_of, problems):
    """A province given by its code (#adm1+code): taken where no name is given, never read as a national total.

    An ISO 3166-2 code (CD-NK) names its province. A code the dashboard cannot map (an OCHA p-code, CD61: its
    data has no citable table of them) is an error on its row, which is refused: left empty, the row would count
    for the whole country.
    """
    at = _match(tags, ["#adm1+code"], set())
    if at is None or "destination_admin1" not in frame:
        return frame, None
    taken = position_of.get("destination_admin1")
    codes = strip(body[at]).reindex(frame.index)
    if taken != at:  # a name column gives the province: the code fills in where a row leaves the name empty
        from_code = frame["destination_admin1"].eq("") & codes.ne("")
        if not from_code.any():
            return frame, None
        frame["destination_admin1"] = frame["destination_admin1"].where(~from_code, codes)
        column_map[header[at] or f"column {at + 1}"] = f"destination_admin1 (where {header[taken]} is empty)"
    else:
        from_code = codes.ne("")
    distinct = pd.unique(codes[from_code])
    unknown = {code for code in distinct if province_name(code, suggest=False).value is None}
    bad = from_code & codes.isin(unknown)
    if not bad.any():
        return frame, None
    column = header[at] or f"column {_letter(at)}"
    shown = f"{column} (destination_admin1)" if column != "destination_admin1" else column
    # One problem per file row, however many figures (one per population type) it gave.
    fix = (f"write the province's name in '{header[taken]}' (e.g. North Kivu)" if taken != at else
           "add a column with the province's name (#adm1+name, e.g. North Kivu)")
    problems += [Problem(int(row), shown, code, _P_CODE_HINT.format(fix=fix))
                 for row, code in codes[bad].groupby(level=0).first().items()]
    return frame[~bad], frame[bad]


def _figures_rules(frame, body, header, tags, taken, column_map, position_of) -> tuple[pd.DataFrame, list[str], bool]:
    """Wide population columns to long rows, years told apart, one admin level, parts and flows, IDP origin.

    Also returns whether as_of holds years (a yearly file): validation reads each as the year's end.
    """
    more: list[str] = []
    # Year-only files (UNHCR) count at the end of the year.
    # A year column is one: each four-digit cell is that year's end, whatever the other rows hold.
    year = _match(tags, ["#date+year"], set())
    four = frame["as_of"].str.fullmatch(r"\d{4}").fillna(False).astype(bool) if "as_of" in frame else None
    yearly = year is not None and four is not None and bool(four.any())
    if yearly:
        # A download's footer ('Source: UNHCR ...') and total rows are not figures: skipped, and said once.
        extra = ~four & frame["as_of"].str.fullmatch(_FOOTER).fillna(False).astype(bool)
        for name in ("origin_country", "destination_country"):
            if name in frame:
                extra |= frame[name].str.strip().str.casefold().eq("total")
        if extra.any():
            more.append(f"{int(extra.sum())} row(s) of totals or source notes were not imported "
                        f"(row(s) {', '.join(str(int(r)) for r in frame.index[extra])}).")
            frame, four = frame[~extra], four[~extra]
        more.append("Years were read as end-of-year figures (31 December).")

    # DTM and HAPI: which operation, assessment type and round a figure comes from goes with it, in
    # notes where the file gives none; two assessments of one place and date then show how they differ.
    parts = [(label, _match(tags, [tag], set())) for label, tag in
             (("DTM operation", "#operation+name"), ("assessment type", "#assessment+type"), ("round", "#round+code"))]
    for label, at in parts:
        if at is not None:
            column_map[header[at] or f"column {at + 1}"] = f"notes ({label})"
    parts = [(label, strip(body[at]).reindex(frame.index)) for label, at in parts if at is not None]
    if parts:
        if "notes" not in frame:
            frame["notes"] = ""
        said = pd.Series("", index=frame.index, dtype="str")
        for label, values in parts:
            said = said + values.map(lambda v, label=label: f"{label}: {v}; " if v else "")
        said = said.str.removesuffix("; ")
        empty = frame["notes"].astype("str").str.strip() == ""
        frame["notes"] = frame["notes"].astype("str").where(~empty, said)

    # Stacked admin levels: keep province rows (and national totals), never add levels up. A row is below
    # province level when the file's level column says so (DTM, HAPI), or when it names a territory or a
    # lower place (#adm2 to #adm5, #loc): Kalehe's figure is not South Kivu's.
    level_at = _match(tags, ["#adm+level"], set())
    lower = pd.Series(False, index=frame.index)
    if level_at is not None:
        # "1.0" as a file re-saved through pandas or a spreadsheet writes level 1.
        level = body[level_at].astype("str").str.strip().str.replace(r"\.0+$", "", regex=True)
        column_map[header[level_at]] = "(admin level: province rows kept)"
        lower |= level.isin(["2", "3", "4"])
    by_level = lower.copy()
    named = []
    for at, tag in enumerate(tags):
        if tag and hxl_tag(tag)[0] in _BELOW_PROVINCE:
            column_map[header[at] or f"column {at + 1}"] = "(a place below province level: its rows are not imported)"
            below = strip(body[at]).ne("").to_numpy()
            if (below & ~by_level).any():  # said where no level column already says it
                named.append(f"'{header[at] or 'column ' + _letter(at)}'")
            lower |= below
    if lower.any():
        more.append(f"{int(lower.sum())} row(s) below province level were not imported"
                    f"{' (a value in ' + ' or '.join(named) + ')' if named else ''}: the dashboard keeps "
                    "province and national figures, and does not add levels together.")
        frame = frame[~lower]
    if level_at is not None:
        national = level[frame.index] == "0"
        scope = frame.get("scope", pd.Series("", index=frame.index, dtype="str")).astype("str")
        frame["scope"] = scope.where(~national, NATIONAL_SCOPE)

    # Wide tables: one column per population type becomes one row per type; zeros mean "none reported".
    # A column of new displacements (IDMC's) is a flow beside the stock of the same people: each is matched
    # only among the columns of its own measure.
    flows = {i for i, tag in enumerate(tags) if tag and hxl_tag(tag)[1] & FLOW_ATTRIBUTES.keys()}
    wide = []
    for name, attrs, population, scope in POPULATION_TAGS:
        tag = f"{name}+{'+'.join(sorted(attrs))}"
        for flow, other in ((False, flows), (True, set(range(len(tags))) - flows)):
            at = _match(tags, [tag], taken | other)
            twin = _match(tags, [tag], taken | other | {at}) if at is not None else None
            if twin is not None:
                # Two stocks of one population (or two flows): taking either would be a guess.
                raise UnreadableFile(
                    f"Columns '{header[at]}' ({tags[at]}) and '{header[twin]}' ({tags[twin]}) both hold {tag} figures, "
                    "and the dashboard will not guess which one is meant: keep one column per population type and "
                    "measure (stock or flow), or use the template.")
            if at is not None:
                taken.add(at)
                wide.append((at, population, scope, flow))
                said = ", ".join(filter(None, [population, scope, "new displacements: flow" if flow else ""]))
                column_map[header[at] or f"column {at + 1}"] = f"figure ({said})"
    if wide:
        parts = []
        for at, population, scope, flow in wide:
            values = body.loc[frame.index, at].astype("str").str.strip()
            # UNHCR writes '-' for none; a French spreadsheet writes a zero 0,00.
            keep = values.ne("") & ~values.str.fullmatch(r"0+([.,]0*)?(e\+?0+)?|-", case=False)
            part = frame[keep].copy()
            part["figure"] = values[keep]
            part["population_type"] = population
            if scope:
                own = part.get("scope", pd.Series("", index=part.index, dtype="str")).astype("str")
                part["scope"] = own.where(own == "", own + "; ") + scope
            if (scope and yearly) or flow:
                # UNHCR counts returns during the year, IDMC new displacements: flows, never stocks.
                part = _as_flow(part, yearly)
            parts.append(part)
        before = len(frame)
        # Columns only some parts have (scope, measure of returns) are empty in the others.
        frame = pd.concat(parts).sort_index(kind="stable").fillna("") if parts else frame.iloc[0:0]
        if len(wide) > 1 or len(frame) != before:
            more.append(f"{before} row(s) with one column per population type became {len(frame)} figure row(s); "
                        "empty and zero cells are not figures.")
        if yearly and any(scope for _, _, scope, _ in wide):
            more.append("Returns in a yearly file count people who returned during the year: they were read as "
                        "flows from 1 January to 31 December.")
        if any(flow for *_, flow in wide):
            more.append(_NEW_DISPLACEMENTS_NOTE[yearly])
    # One figure column (the template's #affected+num) tagged as new displacements: flows too.
    at = position_of.get("figure")
    if at is not None and hxl_tag(tags[at])[1] & FLOW_ATTRIBUTES.keys():
        frame = _as_flow(frame, yearly)
        more.append(_NEW_DISPLACEMENTS_NOTE[yearly])
    more += _parts_not_read(header, tags, taken, column_map)
    # A file with no province column gives country-level IDP figures: national totals.
    if "destination_admin1" not in frame and "population_type" in frame:
        scope = frame.get("scope", pd.Series("", index=frame.index, dtype="str")).astype("str")
        national = frame["population_type"].eq("idps") & scope.eq("")
        frame["scope"] = scope.where(~national, NATIONAL_SCOPE)
        if national.any():
            more.append(f"The file has no province column: its {int(national.sum())} IDP figure(s) were read as national "
                        f"totals (scope '{NATIONAL_SCOPE}'). If they are about one province, add a "
                        "destination_admin1 column.")
    # IDPs stay in their own country.
    if "population_type" in frame and "destination_country" in frame:
        idp = frame["population_type"].isin(["idps"]) & (frame.get("origin_country", "") == "")
        if "origin_country" not in frame:
            frame["origin_country"] = ""
        frame.loc[idp, "origin_country"] = frame.loc[idp, "destination_country"]
    return frame, more, yearly


PART_NOT_READ = "(not read: counts part of the people)"
NOT_PEOPLE_NOT_READ = "(not read: counts no people)"
_LISTED = 5  # columns named in a note; the others are counted


def _parts_not_read(header, tags, taken, column_map) -> list[str]:
    """Notes naming the count columns not read because their hashtags say they count part of the people, or no
    people (households); each is marked in column_map as not read, so it is not also listed as ignored."""
    parts, others = [], []
    for at, tag in enumerate(tags):
        name, attrs = hxl_tag(tag) if tag else ("", frozenset())
        if at in taken or not _not_whole(name, attrs):
            continue
        written = [a for a in tag.lower().replace(" ", "").split("+")[1:] if a]  # in the tag's order
        not_people = _not_people(written)
        column_map[header[at] or f"column {at + 1}"] = NOT_PEOPLE_NOT_READ if not_people else PART_NOT_READ
        words = ", ".join(not_people or _part_of(written))
        said = f"'{header[at]}' ({tag}: {words})" if header[at] and header[at] != tag else f"'{tag}' ({words})"
        (others if not_people else parts).append(said)
    notes = []
    if parts:
        notes.append(_listed(parts, "count only part of the people, and a part is never stored as the whole "
                                    "population. To import such a figure as a subset, put it in a file of its own as "
                                    "the figure column, with a scope saying what it counts (e.g. 'girls only', "
                                    "'displaced by conflict only')."))
    if others:
        notes.append(_listed(others, "count no people (the dashboard stores numbers of people)."))
    return notes


def _listed(columns: list[str], why: str) -> str:
    """'Column X was not read: its hashtag says it ...', or 'Columns X; Y and 3 more were ...: their hashtags say
    they ...'."""
    shown = "; ".join(columns[:_LISTED]) + (f" and {len(columns) - _LISTED} more" if len(columns) > _LISTED else "")
    if len(columns) == 1:
        return f"Column {shown} was not read: its hashtag says it {why.replace('count ', 'counts ', 1)}"
    return f"Columns {shown} were not read: their hashtags say they {why}"


_NEW_DISPLACEMENTS_NOTE = {
    True: "New displacements in a yearly file count people displaced during the year: they were read as flows from "
          "1 January to 31 December, never as the number displaced at the year's end.",
    False: "New displacements were read as flows, never as the number displaced at the date.",
}


def _as_flow(part: pd.DataFrame, yearly: bool) -> pd.DataFrame:
    """Figures counted over a period: a flow where the file gives no measure, from 1 January in a yearly file."""
    own = part.get("measure", pd.Series("", index=part.index, dtype="str")).astype("str")
    part["measure"] = own.where(own != "", "flow")
    if yearly:
        part["period_start"] = part["as_of"].str.slice(0, 4) + "-01-01"
    return part


def _fill(frame: pd.DataFrame, table: Table, defaults: dict, options: Options, notes: list[str]) -> pd.DataFrame:
    """Add every schema column; fill empty cells from the editor's options, then the format's defaults."""
    given = {k: v for k, v in vars(options).items() if v not in (None, "")}
    for column in table.columns:
        if column.name not in frame:
            frame[column.name] = ""
        value = given.get(column.name) or defaults.get(column.name)
        if value is not None:
            empty = frame[column.name].astype("str").str.strip() == ""
            if empty.any():
                frame[column.name] = frame[column.name].astype("str").where(~empty, value)
                source = "the options given with the file" if column.name in given else "the file's format"
                notes.append(f"{column.name} was empty and set to '{value}' from {source}.")
    if table is FIGURES and frame["origin_country"].eq("").all() and len(frame):
        frame["origin_country"] = "COD"
        notes.append("origin_country is not in the file and was set to COD (DR Congo).")
    if table is FIGURES and len(frame):
        startless = strip(frame["measure"]).eq("flow") & strip(frame["period_start"]).eq("")
        if startless.any():
            notes.append(f"{int(startless.sum())} flow figure(s) have no start date (period_start, or 'Counted "
                         "since' in the form): they are kept as 'start not stated', a series of their own that is "
                         "not compared with flows counted from a date.")
    return frame[table.names].astype("str")


# Columns an editor can give for the whole file: the Upload form's field and the command-line option.
GIVEN_WITH_THE_FILE = {
    "destination_country": ("Destination country", "--country"),
    "population_type": ("Population type", "--population-type"),
    "measure": ("Stock or flow", "--measure"),
    "period_start": ("Counted since", "--period-start"),
    "source_org": ("Source organisation", "--source-org"),
    "source_title": ("Source title", "--source-title"),
    "source_url": ("Source web address", "--source-url"),
}


def _missing_columns(frame: pd.DataFrame, table: Table, mapped: set[str]) -> list[Problem]:
    problems = []
    for name in table.required:
        if name not in mapped and frame[name].eq("").all():
            column = table.column(name)
            if table is FIGURES and name in GIVEN_WITH_THE_FILE:
                field_name, option = GIVEN_WITH_THE_FILE[name]
                fix = f"add it to the file, or give it in the form's '{field_name}' field (command line: {option})."
            else:
                fix = "add it to the file (the template on the Upload page shows every column)."
            problems.append(Problem(None, name, None, f"Required column '{name}' ({column.hxl}) is missing or "
                                                      f"empty: {fix}"))
    return problems


def _no_whole_figure(missing: list[Problem], column_map: dict[str, str]) -> list[Problem]:
    """When the only count columns were not read (parts of the people, households), the missing figure says why,
    and the population type it would have come with is not asked for besides."""
    refused = [header for header, name in column_map.items() if name in (PART_NOT_READ, NOT_PEOPLE_NOT_READ)]
    if not refused or not any(p.column == "figure" for p in missing):
        return missing
    named = ", ".join(refused[:_LISTED]) + (f" and {len(refused) - _LISTED} more" if len(refused) > _LISTED else "")
    why = Problem(None, "figure", None, (
        f"Required column 'figure' ({FIGURES.column('figure').hxl}) is missing: no column of this file counts all the "
        f"people it names ({named}: not read, as the notes say why). Add a column of whole-population figures "
        "(e.g. #affected+refugees), or import a part as a subset in a file of its own, with a scope saying what it "
        "counts."))
    return [why if p.column == "figure" else p for p in missing if p.column != "population_type"]


def _other_kind(header: list[str], hxl: list[str] | None, table: Table) -> Table | None:
    """The other table, when the file has at least two of the columns only that table has."""
    other = CONTROL if table is FIGURES else FIGURES
    own_tags = {c.hxl for c in table.columns}
    distinctive = [c.hxl for c in other.columns if c.required and c.hxl not in own_tags]
    tags = _tags_for(header, hxl, other)
    found = sum(_match(tags, [tag], set()) is not None for tag in distinctive)
    return other if found >= 2 else None


def read_path(path, table: Table, options: Options | None = None) -> Parsed:
    """Read a CSV file from disk."""
    from pathlib import Path

    return read_csv(Path(path).read_bytes(), table, options)

"""Turn raw text cells into typed values and collect every problem, located.

Validation never stops at the first bad cell: it returns the typed rows that
passed and a list of problems (row as the user counts it, column, value, what
to do), like a spell checker rather than a compiler. Column rules (required,
allowed values, ranges, dates not in the future, web addresses) are a pandera
schema built from dashboards/schema.py; rules across columns and rows, and
against the data already stored, are plain functions below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from . import cells, places
from .ingest import APOSTROPHES, ROW, Parsed, release_arrow_memory, strip
from .problems import Problem, errors
from .schema import FIGURE_SERIES, QUALIFIER_WORDS, REGION_BOX, TEMPLATE_EXAMPLES, VALUE_SYNONYMS, Column, Table

# Python's \s spelt out (all 29 characters are below U+3001): pandas runs a pattern with \s
# through Python's re cell by cell, as RE2's \s differs, but runs this one in Arrow.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# Invisible characters copied in with a number (zero-width space, direction marks, word joiner, byte-order mark).
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a-\u202e\u2060\ufeff"
_SPACES = re.compile(f"[{_WHITESPACE}\u00a0\u202f{_INVISIBLE}]")
# Apostrophes group thousands in Swiss writing (42'000, 42’000): only in groups of three.
_APOSTROPHE_THOUSANDS = f"-?[0-9]{{1,3}}([{APOSTROPHES}'][0-9]{{3}})+(\\.[0-9]+)?"
_URL = re.compile(f'^https?://[^{_WHITESPACE}<>"]+$', re.IGNORECASE)
_ISO_DATE_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
PROVINCE_COLUMNS = ("origin_admin1", "destination_admin1", "province")
MAX_PEOPLE = 10_000_000_000  # more than the world's population: no count of people is larger
JUMP_FACTOR = 10  # a figure this many times its series' previous one is worth a second look
DROP_SHARE = 0.5  # a stock falling by more than half is too


@dataclass
class Validated:
    """Typed rows that passed, problems found, and the raw rows that were rejected."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not errors(self.problems)

    def rejected_with_problems(self) -> pd.DataFrame:
        """The skipped rows as the file had them, each with its problems, for the editor to fix."""
        if self.rejected is None or self.rejected.empty:
            return pd.DataFrame(columns=["row", "problems"])
        by_row: dict[int, list[str]] = {}
        for p in errors(self.problems):
            if p.row is not None:
                by_row.setdefault(p.row, []).append(f"{p.column or 'row'}: {p.message}")
        out = self.rejected.drop(columns=[ROW]).copy()
        out.insert(0, "problems", [" | ".join(by_row.get(int(r), [])) for r in self.rejected[ROW]])
        out.insert(0, "row", self.rejected[ROW].to_numpy())
        return out.reset_index(drop=True)


EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")  # a date outside is a mistyped year


def parse_dates(raw: pd.Series) -> pd.Series:
    """Text to dates: ISO 8601 (with or without time) or day/month/year as French Excel writes it.

    A date outside EARLIEST..LATEST (a year typed 3025 or 0202) is missing here; _within_range tells them apart.
    """
    return _within_range(_any_dates(raw))[0]


def _within_range(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The dates a year can mean (as nanosecond dates), and which well-formed dates have a mistyped year."""
    fits = ((dates >= EARLIEST) & (dates <= LATEST)).fillna(False).astype(bool)
    return dates.where(fits).astype("datetime64[ns]"), dates.notna() & ~fits


def _any_dates(raw: pd.Series) -> pd.Series:
    """Dates in whatever resolution holds them: years like 3025 do not fit in nanoseconds."""
    text = strip(raw)
    # A date, optionally followed by a time (DTM, HAPI); nothing else, e.g. not '2025-02-21 to 2025-02-28'.
    iso_like = text.str.fullmatch(_ISO_DATE_TIME)
    iso = pd.to_datetime(text.str.slice(0, 10).where(iso_like), format="%Y-%m-%d", errors="coerce")
    other = iso.isna() & text.str.contains(r"[/.-]", regex=True)
    if other.any():
        # Excel writes a date with a time of day as '21/02/2025 00:00': the day is what counts.
        day = text.where(other).str.replace(r"\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$", "", regex=True)
        # Day first whatever the separator (21/02/2025, 21-02-2025, 21.02.2025), as written in the
        # region; a year first is year, month, day (2025/02/21). Month-first dates are not guessed at.
        for pattern, fmt in ((r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", "%d/%m/%Y"), (r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}", "%d-%m-%Y"),
                             (r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", "%d.%m.%Y"), (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}", "%Y/%m/%d")):
            form = day.str.fullmatch(pattern).fillna(False).astype(bool)
            if form.any():
                iso = iso.fillna(pd.to_datetime(day.where(form), format=fmt, errors="coerce"))
    return iso


def _number_text(raw: pd.Series) -> pd.Series:
    """A number as written, without its spaces and the apostrophe a spreadsheet puts before text."""
    # The minus sign U+2212 (typeset text, some GIS exports) is a minus.
    text = raw.astype("str").str.replace(_SPACES.pattern, "", regex=True).str.replace("\u2212", "-", regex=False)
    return text.str.removeprefix("'")


def parse_numbers(raw: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Text to floats: thousands grouped by spaces or apostrophes (42 000, 42'000), a decimal comma
    (42 000,00), scientific notation (1e+05); for counts (not decimal_comma), commas between thousands (42,000).

    Writings a count cannot be read from without a guess are told apart by ambiguous_separators().
    """
    text = _number_text(raw)
    swiss = text.str.fullmatch(_APOSTROPHE_THOUSANDS)
    text = text.where(~swiss, text.str.replace(f"[{APOSTROPHES}']", "", regex=True))
    if not decimal_comma:
        # 42,000 and 42,000.00: commas between thousands (a decimal part after them is read as usual).
        text = text.where(~text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), text.str.replace(",", "", regex=False))
    # 42000,5 and 42 000,00: a decimal comma, as French spreadsheets write it.
    return pd.to_numeric(text.where(~text.str.fullmatch(r"-?\d+,\d+"), text.str.replace(",", ".", regex=False)),
                         errors="coerce")


def _qualifier_in_number(text: pd.Series) -> tuple[pd.Series, str]:
    """Counts written with how the source qualifies them ('plus de 50 000', '~42000', '50 000 environ', '50000+'),
    and the words the figure_qualifier column reads, in words, to say so."""
    said = {*VALUE_SYNONYMS["figure_qualifier"], *QUALIFIER_WORDS, *QUALIFIER_WORDS.values()}
    words = sorted((w.replace("_", " ") for w in said), key=len, reverse=True)
    said_as = "(" + "|".join(re.escape(w) for w in words) + ")"
    # The characters themselves, not \u escapes, and Python's \s spelt out: pandas then runs the pattern in
    # Arrow rather than through Python's re cell by cell.
    number = "[0-9][0-9 ,.'\u00a0\u202f]*"
    space = f"[{_WHITESPACE}]*"
    # Before the number ('plus de 50 000', '~42000'), or after it ('50 000 environ', '50000+').
    pattern = rf"{said_as}{space}{number}|(?:{number})?[0-9]{space}({said_as}|\+)"
    lowered = text.str.lower().str.replace(f"[{APOSTROPHES}]", "'", regex=True)
    worded = lowered.str.fullmatch(pattern).fillna(False).astype(bool)
    return worded, "'plus de', 'more than', '>', 'environ', '~' and the like"


def ambiguous_separators(raw: pd.Series, *, decimal_comma: bool = False) -> list[tuple[pd.Series, str]]:
    """Counts that cannot be read without a guess, each with why and what to write instead.

    A dot before three digits (42.000: 42, or 42 000 as French and German write it); dots between groups of three
    (2.750.000); a comma before three digits that does not group thousands (42 000,000: 42 000, or a mistyped
    42,000,000); and, where a comma is the decimal point (decimal_comma: a file saved by a French spreadsheet),
    one comma before three digits (42,000: 42, or 42 000).
    """
    text = _number_text(raw)

    def written(pattern: str) -> pd.Series:
        return text.str.fullmatch(pattern).fillna(False).astype(bool)

    # Spaces (of any width) in a number may only separate thousands: '1 2' or '42 0000' is not one number.
    spaced = (raw.astype("str").str.replace(f"[{_INVISIBLE}]", "", regex=True)
              .str.replace(f"[{_WHITESPACE}\u00a0\u202f]+", " ", regex=True).str.strip().str.removeprefix("'"))
    has_space = spaced.str.contains(" ", regex=False).fillna(False).astype(bool)
    # The minus sign itself, not a \u escape: pandas then runs the pattern in Arrow, not cell by cell in Python.
    space_grouped = (spaced.str.fullmatch("[-\u2212]?" r"[0-9]{1,3}( [0-9]{3})+([.,][0-9]+)?")
                     .fillna(False).astype(bool))
    grouped = written(r"-?[0-9]{1,3}(,[0-9]{3})+")
    found = [
        (has_space & ~space_grouped & written(r"-?[0-9]+([.,][0-9]+)?"),
         "has spaces that do not separate thousands (42 000 is read, 42 0000 or 1 2 is not): is it one number or "
         "two? Write digits only, e.g. 42000."),
        (written(r"-?[0-9]{1,3}\.[0-9]{3}"),
         "is ambiguous: a dot can separate thousands (42.000 = 42 000) or decimals (42.000 = 42). "
         "Write digits only, e.g. 42000."),
        (written(r"-?[0-9]{1,3}(\.[0-9]{3}){2,}"),
         "has dots between thousands (2.750.000 = 2 750 000), but the dashboard reads a dot only as a decimal point "
         "and does not guess. Write digits only, e.g. 2750000."),
        (written(r"-?[0-9]+,[0-9]{3}") & ~grouped,
         "is ambiguous: three digits after a comma can be decimals (42 000,000 = 42 000) or thousands "
         "(42 000 000). Write digits only, e.g. 42000."),
    ]
    if not decimal_comma:
        # In a file with commas between cells a comma in a number groups thousands; after one to three digits
        # and before other than three, it is a French decimal comma (42,00 = 42) or a mistyped group (42,000):
        # no guess is made. After more digits (42000,0), or spaces between thousands (42 000,00), it can only
        # be the decimal point, and is read so.
        found.append((written(r"-?[0-9]{1,3},([0-9]{1,2}|[0-9]{4,})") & ~space_grouped,
                      "is ambiguous: in a file with commas between cells a comma in a number separates thousands "
                      "(42,000), but this one is not followed by three digits (a decimal comma, or a mistyped "
                      "thousand?). Write digits only, e.g. 42000."))
    if decimal_comma:
        found.append((written(r"-?[0-9]{1,3},[0-9]{3}"),
                      "is ambiguous: in a file with semicolons between cells, as a French spreadsheet saves it, a comma "
                      "is the decimal point (42,000 = 42), but it can also separate thousands (42,000 = 42 000). "
                      "Write digits only, e.g. 42000."))
    return found


def _report(problems: list[Problem], column: str, text: pd.Series, bad: pd.Series, message: str) -> None:
    for row, value in text[bad].items():
        problems.append(Problem(int(row), column, value, message))


def _typed_column(
    column: Column, raw: pd.Series, problems: list[Problem], *, decimal_comma: bool = False, years: bool = False
) -> pd.Series:
    text = strip(raw)
    if column.type == "text" and column.name not in PROVINCE_COLUMNS:
        return _null_where_empty(text)
    # Each cell's type and problems depend on its text alone, and a big file repeats the same
    # dates, places and categories: work out each distinct text once, then spread the results.
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    distinct = pd.Series(distinct, dtype=text.dtype)
    values, failures = _typed_distinct(column, distinct, decimal_comma=decimal_comma, years=years)
    for bad, message in failures:
        _report(problems, column.name, text, pd.Series(bad.to_numpy()[codes], index=text.index), message)
    if values.dtype == text.dtype and values.equals(distinct.mask(distinct == "")):
        # Every code, name or category is already written as stored: keep the text itself.
        return _null_where_empty(text)
    return pd.Series(values.array.take(codes), index=text.index)


def _null_where_empty(text: pd.Series) -> pd.Series:
    """text.mask(text == ""), sharing the text's Arrow buffers (a bitmap marks the empty cells), not copying them.

    The typed frame then holds no second copy of the file's text columns, which is most of its size.
    """
    empty = text == ""
    if not empty.any():
        return text
    try:
        chunked = text.array.__arrow_array__()
    except AttributeError:  # not stored as Arrow strings
        return text.mask(empty)
    if chunked.type not in (pyarrow.large_string(), pyarrow.string()):
        return text.mask(empty)
    chunks = []
    for chunk in chunked.chunks:
        # The bitmap covers the chunk's buffers from their start, as its offsets do (a file's
        # first chunk starts one row in: the header's).
        whole = pyarrow.Array.from_buffers(chunk.type, chunk.offset + len(chunk), chunk.buffers())
        valid = pc.fill_null(pc.not_equal(whole, ""), False).buffers()[1]
        buffers = [valid, *chunk.buffers()[1:]]
        chunks.append(pyarrow.Array.from_buffers(chunk.type, len(chunk), buffers, offset=chunk.offset))
    shared = pd.arrays.ArrowExtensionArray(pyarrow.chunked_array(chunks, type=chunked.type))
    return pd.Series(shared, index=text.index).astype(text.dtype)


def _typed_distinct(
    column: Column, text: pd.Series, *, decimal_comma: bool = False, years: bool = False
) -> tuple[pd.Series, list[tuple[pd.Series, str]]]:
    """Typed values of (distinct) stripped texts, and (which are bad, why) for each kind of problem.

    decimal_comma: the file writes a comma as the decimal point (semicolons between cells, as French Excel saves).
    years: a four-digit date is a year, counted at its end (a yearly file: UNHCR's).
    """
    empty = text == ""
    if column.type == "date":
        if years:
            text = text.where(~text.str.fullmatch(r"[0-9]{4}").fillna(False).astype(bool), text + "-12-31")
        values, odd_year = _within_range(_any_dates(text))
        return values, [(values.isna() & ~empty & ~odd_year,
                         "is not a date: write it as YYYY-MM-DD (e.g. 2025-02-21) or DD/MM/YYYY (21/02/2025)."),
                        (odd_year, f"has a year before {EARLIEST.year} or after {LATEST.year}: check the year.")]
    if column.type == "integer":
        ambiguous = ambiguous_separators(text, decimal_comma=decimal_comma)
        unclear = pd.Series(np.logical_or.reduce([bad.to_numpy() for bad, _ in ambiguous]), index=text.index)
        numbers = parse_numbers(text).mask(unclear)
        huge = numbers.notna() & ~(numbers.abs() <= MAX_PEOPLE)  # inf too
        # 42 000,00 is 42000; 42 000,50 is not a number of people, and is not rounded here.
        fractional = numbers.notna() & ~huge & (numbers != numbers.round())
        whole = numbers.mask(fractional | huge)
        worded, word_of = _qualifier_in_number(text) if column.name == "figure" else (empty & False, None)
        return whole.round().astype("Int64"), [
            *ambiguous,
            *([(worded, f"gives the number with how the source qualifies it: write the number alone here (e.g. "
                        f"50000) and the qualifier in the figure_qualifier column, where {word_of} are read.")] if word_of else []),
            (numbers.isna() & ~empty & ~unclear & ~worded,
             "is not a number: write digits only, e.g. 42000 (42 000, 42'000 and 42 000,00 are read too)."),
            (huge, f"is too large to be a number of people (the limit is {MAX_PEOPLE:,.0f}): check the cell."),
            (fractional, "is not a whole number, but a count of people always is: write the figure as the "
                         "source rounds it, e.g. 42000."),
        ]
    if column.type == "decimal":
        # A decimal degree copied with its sign ('-1.35°') is that number; degrees-minutes-seconds are not read.
        numbers = parse_numbers(text.str.replace(r"^(-?[0-9]+(?:[.,][0-9]+)?)\s*°$", r"\1", regex=True),
                                decimal_comma=True)
        bad = numbers.isna() & ~empty
        return numbers.astype("Float64"), [(bad, "is not a decimal number: write it like -1.67409.")]
    if column.type == "iso3":
        codes, failed = places.country_codes(text.mask(empty))
        failures = []
        for value, match in failed.items():
            hint = f" {match.suggestion[0].upper()}{match.suggestion[1:]}" if match.suggestion else ""
            message = f"is not a country the dashboard knows: write an ISO3 code such as COD or BDI, or the name in English or French.{hint}"
            failures.append((text == value, message))
        return codes.astype("str"), failures
    if column.type == "category":
        if column.default is not None:
            text = text.where(~empty, column.default)
            empty = text == ""
        canonical = {a.lower(): a for a in column.allowed} | VALUE_SYNONYMS.get(column.name, {})
        mapped = text.str.lower().str.replace(f"[{APOSTROPHES}]", "'", regex=True).map(canonical)
        # Unknown values stay as written so the allowed-values check can quote them.
        return mapped.fillna(text.mask(empty)).astype("str"), []
    if column.name in PROVINCE_COLUMNS:
        names, failed = places.province_names(text.mask(empty))
        failures = []
        for value, match in failed.items():
            hint = f" {match.suggestion[0].upper()}{match.suggestion[1:]}" if match.suggestion else ""
            failures.append((text == value,
                             f"is not a DR Congo province the dashboard knows (e.g. North Kivu, Nord-Kivu).{hint}"))
        return names.astype("str"), failures
    return text.mask(empty), []


# After the list of allowed codes, where people write words rather than codes: which words are read too.
ALLOWED_HINTS = {
    "figure_qualifier": " The words 'more than', 'over', 'plus de', '>', 'at least', 'au moins', 'about', "
                        "'approx.', 'environ', '~', 'up to', 'jusqu'à', 'less than' and 'moins de' are read too. Leave the cell empty for a "
                        "figure the source gives as it stands.",
}


def _pandera_schema(table: Table, today: date) -> pa.DataFrameSchema:
    columns = {}
    for c in table.columns:
        checks = []
        if c.allowed:
            checks.append(pa.Check.isin(c.allowed, error=f"is not allowed: use one of {', '.join(c.allowed)}."
                                        + ALLOWED_HINTS.get(c.name, "")))
        if c.minimum is not None:
            checks.append(pa.Check.ge(c.minimum, error=f"is below {c.minimum:g}: check the sign and the source."))
        if c.maximum is not None:
            checks.append(pa.Check.le(c.maximum, error=f"is above {c.maximum:g}: check the value."))
        if c.type == "date":
            checks.append(
                pa.Check.le(pd.Timestamp(today), error=f"is in the future (after {today.isoformat()}): check the date.")
            )
        if c.name == "source_url":
            checks.append(
                pa.Check.str_matches(
                    "(?i)" + _URL.pattern,  # the scheme is case-insensitive: HTTPS:// is fine
                    error="is not a web address: it must start with http:// or https:// and have no spaces, "
                    "quotes or angle brackets.",
                )
            )
        columns[c.name] = pa.Column(nullable=not c.required, checks=checks, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


def _pandera_problems(
    table: Table, typed: pd.DataFrame, raw: pd.DataFrame, today: date, reported: set[tuple[int, str]]
) -> list[Problem]:
    try:
        _pandera_schema(table, today).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems = []
        for case in exc.failure_cases.itertuples(index=False):
            row = None if pd.isna(case.index) else int(case.index)
            column = case.column
            if column not in raw.columns or row is None or (row, column) in reported:
                continue
            value = raw.at[row, column]
            message = "is required but empty: fill it in." if case.check == "not_nullable" else str(case.check)
            problems.append(Problem(row, column, value if value != "" else None, message))
        return problems
    return []


def _years_not_over(raw: pd.DataFrame, typed: pd.DataFrame, today: date) -> list[Problem]:
    """A year in a yearly file that has not ended: its figures cannot count at its end, which is to come."""
    year = strip(raw["as_of"])
    to_come = year.str.fullmatch(r"[0-9]{4}").fillna(False).astype(bool) & (typed["as_of"] > pd.Timestamp(today))
    return [Problem(int(row), "as_of", text,
                    f"is a year, read as its end (31 December {text}), which is after today ({today.isoformat()}): "
                    "figures published during a year count to an earlier date (UNHCR's mid-year statistics count to "
                    f"30 June). Give the date the source counts to, e.g. {text}-06-30.")
            for row, text in year[to_come].items()]


def _as_written(raw: pd.DataFrame, problems: list[Problem]) -> list[Problem]:
    """Problems found on typed values, each with its cell's value as the file writes it (None for an empty cell)."""
    out = list(problems)
    at: dict[str, list[int]] = {}  # looked up a column at a time: a big file can have a problem on most rows
    for i, p in enumerate(problems):
        if p.row is not None and p.column in raw.columns:
            at.setdefault(p.column, []).append(i)
    for column, found in at.items():
        cells = raw[column].reindex([problems[i].row for i in found]).tolist()
        for i, cell in zip(found, cells):
            out[i] = replace(problems[i], value=cell or None)
    return out


def _already(typed: pd.DataFrame, reported: set[tuple[int, str]], *columns: str) -> pd.Series:
    """Rows with a problem already reported in one of these columns: a follow-on error would only repeat it."""
    rows = {row for row, column in reported if column in columns}
    return pd.Series(typed.index.isin(list(rows)), index=typed.index)


def _cross_field_problems(
    table: Table, typed: pd.DataFrame, reported: set[tuple[int, str]] = frozenset()
) -> list[Problem]:
    problems: list[Problem] = []
    if table.name == "figures":
        bad = typed["period_start"].notna() & typed["as_of"].notna() & (typed["period_start"] > typed["as_of"])
        for row in typed.index[bad]:
            problems.append(
                Problem(int(row), "period_start", str(typed.at[row, "period_start"].date()),
                        "is after as_of: a flow cannot start after it is counted.")
            )
        # An internal figure must say where people are: a province, or a scope such as a national total.
        internal = (typed["destination_country"] == "COD") & typed["destination_admin1"].isna() & typed["scope"].isna()
        internal &= ~_already(typed, reported, "destination_admin1")  # a province not known is not an empty one
        for row in typed.index[internal & (typed["population_type"] == "idps")]:
            problems.append(
                Problem(int(row), "destination_admin1", None,
                        "is empty: internal displacement needs the province where people are "
                        "(or a scope such as 'National total').")
            )
        # Where people are (destination) and who they are must agree: a figure that breaks this would be drawn
        # as a flight abroad (or as displacement at home) that no source reported.
        dest, origin, kind = typed["destination_country"], typed["origin_country"], typed["population_type"]
        abroad = dest.notna() & (dest != "COD") & typed["destination_admin1"].notna()
        abroad &= ~_already(typed, reported, "destination_admin1", "destination_country")
        for row in typed.index[abroad]:
            problems.append(Problem(
                int(row), "destination_admin1", str(typed.at[row, "destination_admin1"]),
                f"is a DR Congo province, but destination_country is {dest[row]}: destination_admin1 is where "
                "people are inside DR Congo. Put the province people fled from in origin_admin1."))
        known = dest.notna() & origin.notna() & ~_already(typed, reported, "destination_country", "origin_country")
        for row in typed.index[known & kind.isin(["refugees", "asylum_seekers"]) & (dest == origin)]:
            problems.append(Problem(
                int(row), "destination_country", str(dest[row]),
                f"is the origin country too, but {kind[row]} are counted in another country than their own: "
                "check the two countries, or use population_type idps for people displaced at home."))
        for row in typed.index[known & (kind == "idps") & (dest != origin)]:
            problems.append(Problem(
                int(row), "destination_country", str(dest[row]),
                f"differs from origin_country {origin[row]}, but idps are displaced inside their own country: "
                "check the two countries, or use refugees, asylum_seekers or new_arrivals for people who crossed a "
                "border."))
    if table.name == "control":
        half = (typed["lat"].isna() != typed["lon"].isna()) & ~_already(typed, reported, "lat", "lon")
        for row in typed.index[half]:
            problems.append(Problem(int(row), "lat/lon", None, "only one of lat and lon is given: give both or neither."))
        problems += _implausible_coordinates(table, typed, reported)
    return problems


def _template_example_problems(table: Table, typed: pd.DataFrame) -> list[Problem]:
    """Rows still holding the template's example source address or note: a placeholder, not a report."""
    example = TEMPLATE_EXAMPLES[table.name]
    same = {name: typed[name].eq(example[name]).fillna(False).astype(bool) for name in ("source_url", "notes")}
    what = "figures" if table.name == "figures" else "event"
    problems = []
    for row in typed.index[same["source_url"] | same["notes"]]:
        column = "source_url" if same["source_url"][row] else "notes"
        problems.append(Problem(int(row), column, example[column],
                                f"This is the template's example row: replace it with your own {what} or delete it."))
    return problems


def _implausible_coordinates(table: Table, typed: pd.DataFrame, reported: set[tuple[int, str]]) -> list[Problem]:
    """Coordinates outside REGION_BOX: lat and lon swapped, or a sign lost; said which when a swap explains it."""
    lat, lon = typed["lat"], typed["lon"]
    given = lat.notna() & lon.notna() & ~_already(typed, reported, "lat", "lon")
    # Beyond the columns' own ranges (latitude -191) the range check has said it already.
    for name, values in (("lat", lat), ("lon", lon)):
        column = table.column(name)
        given &= values.between(column.minimum, column.maximum)
    given = given.fillna(False).astype(bool)
    outside = given & ~REGION_BOX.contains(lat, lon).fillna(True).astype(bool)
    swapped = REGION_BOX.contains(lon, lat).fillna(False).astype(bool)
    problems = []
    for row in typed.index[outside]:
        value = f"{lat[row]:.10g}, {lon[row]:.10g}"
        if swapped[row]:
            message = ("lies outside eastern DR Congo and its neighbours, and inside with the two swapped: lat and lon "
                       "look swapped. Put the latitude in lat and the longitude in lon (Goma: lat -1.68, lon 29.22).")
        else:
            message = (f"lies outside eastern DR Congo and its neighbours ({REGION_BOX}): check the sign and the order "
                       "of lat and lon (south of the equator is negative; Goma: lat -1.68, lon 29.22).")
        problems.append(Problem(int(row), "lat/lon", value, message))
    return problems


def _duplicate_problems(
    table: Table, typed: pd.DataFrame, file_rows: pd.Series, in_error: np.ndarray
) -> tuple[list[Problem], pd.Index]:
    """Conflicting rows for one key are errors; exact repeats are warnings (the later copies are dropped).

    Rows already in error (in_error) are left out: a row whose figure could not be read claims
    nothing, and must not block the good row it would seem to contradict.
    """
    problems: list[Problem] = []
    key = list(table.key)
    # Exact repeats and clashes both share a key with another row: only those rows are compared
    # whole (none, in most files), which saves comparing every column of every row.
    # A hash per row first (one number per row, where duplicated() holds one per row and key
    # column): equal keys hash alike, and the few rows that collide are compared exactly.
    hashes = np.zeros(len(typed), dtype=np.uint64)
    for name in key:
        hashes *= np.uint64(1_000_003)  # wraps around: any mix will do, equal keys mix alike
        hashes ^= pd.util.hash_pandas_object(typed[name], index=False).to_numpy()
        release_arrow_memory()
    ordered = np.sort(hashes[~in_error])
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    shared = np.isin(hashes, repeated) & ~in_error
    if not shared.any():  # the usual case; even an empty selection of a big frame costs a copy's worth of memory
        return problems, typed.index[:0]
    typed = typed[shared]
    typed = typed[typed.duplicated(subset=key, keep=False).to_numpy()]
    exact = typed.duplicated(keep="first")
    for row in typed.index[exact]:
        problems.append(Problem(int(row), None, None, "repeats an earlier row exactly: it is kept once.", "warning"))
    distinct = typed[~exact]
    clashing = distinct[distinct.duplicated(subset=key, keep=False)]
    for rows in clashing.groupby(key, dropna=False, sort=False).groups.values():
        group = clashing.loc[rows].astype("str")
        differing = [c for c in group.columns if c not in key and group[c].nunique(dropna=False) > 1]
        for row in rows:
            others = [r for r in rows if r != row]
            first = others[0]
            # Say where the rows differ, with both values: the editor finds the two rows and keeps one.
            where = "; ".join(f"{c} '{_short(group.at[row, c])}' here, '{_short(group.at[first, c])}' in row "
                              f"{int(file_rows.at[first])}" for c in differing[:3])
            problems.append(
                Problem(int(row), None, None,
                        f"gives a different figure or detail than row(s) "
                        f"{', '.join(str(int(file_rows.at[r])) for r in others)} for the same "
                        f"{', '.join(key)} ({where}): keep the right one.")
            )
    return problems, typed.index[exact]


def _short(value) -> str:
    """A cell's value for a message, cut to 90 characters; an empty cell (missing: NaN, NA, NaT) is ''."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return cells.clip("" if text in ("nan", "<NA>", "NaT", "None") else text, 90)


def _plain(names: pd.Series) -> pd.Series:
    """Names compared without case, accents or repeated spaces: 'saké ' is 'Sake'."""
    import unicodedata

    return names.astype("str").map(
        lambda n: " ".join(unicodedata.normalize("NFKD", n).encode("ascii", "ignore").decode().casefold().split()),
        na_action="ignore",
    )


def known_spelling(typed: pd.DataFrame, current: pd.DataFrame) -> pd.Series:
    """Each locality as the stored data spells it (same province), so 'goma' is Goma, not a new place."""
    stored = current[["locality", "province"]].drop_duplicates()
    spelling = dict(zip(zip(_plain(stored["locality"]), stored["province"]), stored["locality"]))
    keys = zip(_plain(typed["locality"]), typed["province"])
    return pd.Series([spelling.get(k, name) for k, name in zip(keys, typed["locality"])], index=typed.index,
                     dtype=typed["locality"].dtype)


def against_current(
    table: Table, typed: pd.DataFrame, current: pd.DataFrame | None, reported: set[tuple[int, str]] = frozenset(),
    file_rows: pd.Series | None = None,
) -> list[Problem]:
    """Rules that need the data already stored or the file's other rows: unknown unmapped localities, jumps,
    sharp drops of a stock and falls of a count since a fixed date."""
    problems: list[Problem] = []
    if table.name == "control" and current is not None:
        known = set(zip(current["locality"], current["province"]))
        unplaced = typed["lat"].isna() & ~_already(typed, reported, "lat", "lon") & ~pd.Series(
            [k in known for k in zip(typed["locality"], typed["province"])], index=typed.index
        )
        for row in typed.index[unplaced]:
            problems.append(
                Problem(int(row), "locality", typed.at[row, "locality"],
                        "is a new locality with no coordinates: add lat and lon from a citable gazetteer, "
                        "or check the spelling against the Control page.")
            )
        problems += _moved_localities(typed, current, reported)
    if table.name == "figures" and len(typed):
        problems += _series_changes(typed, current, reported, file_rows)
    return problems


def _series_numbers(names: pd.DataFrame) -> np.ndarray:
    """One integer per distinct row of names, column by column from each column's codes (missing is a value too)."""
    key = np.zeros(len(names), dtype="int64")
    size = 1
    for column in names.columns:
        codes, distinct = pd.factorize(names[column], use_na_sentinel=False)
        if size * (len(distinct) + 1) >= 2**62:  # too many combinations for one integer: number them afresh
            key = pd.factorize(key)[0]
            size = int(key.max()) + 1
        key = key * (len(distinct) + 1) + codes
        size *= len(distinct) + 1
    return key


def _previous_figures(typed: pd.DataFrame, current: pd.DataFrame | None, reported) -> dict[str, np.ndarray]:
    """The file rows that have a previous figure in their series, each with it: the last figure of the latest
    earlier date, stored or in the file (a file often brings a series' history), and where it came from. And the
    file rows that come before a stored figure of their series (a file that fills in a series' past), each with
    the stored figure of the next date.

    Arrays, one entry per such row: position (in typed), figure, day_before (days since 1970), figure_before,
    position_before (in typed; -1 for a stored figure); position_next, figure_now, day_after, figure_after.
    Numbers only, in as few bytes as they need: a million-row file is checked in tens of MB.
    """
    series = list(FIGURE_SERIES)
    usable = typed["figure"].notna() & typed["as_of"].notna() & ~_already(typed, reported, "figure", "as_of")
    mine = typed if usable.all() else typed[usable]  # a filter copies every column, even keeping every row
    stored = (current.dropna(subset=["figure", "as_of"]) if current is not None and len(current)
              else typed.iloc[0:0])
    names = pd.concat([stored[series], mine[series]], ignore_index=True) if len(stored) else mine[series]
    key = _series_numbers(names)
    del names

    def days(frame: pd.DataFrame) -> np.ndarray:
        return frame["as_of"].to_numpy(dtype="datetime64[D]").astype("int32")

    day = np.concatenate([days(stored), days(mine)])
    figures = np.concatenate([stored["figure"].to_numpy(dtype="int64"), mine["figure"].to_numpy(dtype="int64")])
    in_file = np.repeat([False, True], [len(stored), len(mine)])
    position = np.concatenate([np.full(len(stored), -1, dtype="int64"), np.flatnonzero(usable.to_numpy())])
    # A row stored already (its series, date and figure) is not warned about again: re-uploading a version, or
    # a feed's whole history, warns only about what is new.
    fresh = in_file.copy()
    if len(stored):
        def part(rows: slice) -> pd.DataFrame:
            return pd.DataFrame({"key": key[rows], "day": day[rows], "figure": figures[rows]})

        known = part(slice(len(stored), None)).merge(part(slice(0, len(stored))).drop_duplicates(), how="left",
                                                     indicator=True)["_merge"].eq("both").to_numpy()
        fresh[len(stored):] = ~known
    # By series, then date, a day's stored figures before its file figures: each day's last figure stands for it.
    order = np.lexsort((in_file, day, key))
    key, day, figures, in_file, fresh, position = (key[order], day[order], figures[order], in_file[order],
                                                   fresh[order], position[order])
    del order
    first = np.ones(len(key), dtype=bool)  # the first figure of its series and day
    first[1:] = (key[1:] != key[:-1]) | (day[1:] != day[:-1])
    last = np.append(first[1:], True)[: len(key)]
    prior = np.cumsum(first) - 2  # the series-day before each row's own, numbered across all series
    has_prior = prior >= 0
    has_prior[has_prior] = key[last][prior[has_prior]] == key[has_prior]
    keep = fresh & has_prior
    after = prior + 2  # the series-day after each row's own
    ends = day[last]
    has_after = after < len(ends)
    has_after[has_after] = key[last][after[has_after]] == key[has_after]
    # Only a stored figure after: a file figure after is itself compared with the figure before it (this one).
    has_after[has_after] = ~in_file[last][after[has_after]]
    later = fresh & has_after
    prior, after = prior[keep], after[later]
    return {"position": position[keep], "figure": figures[keep], "day_before": ends[prior],
            "figure_before": figures[last][prior], "position_before": position[last][prior],
            "position_next": position[later], "figure_now": figures[later], "day_after": ends[after],
            "figure_after": figures[last][after]}


def _series_changes(typed: pd.DataFrame, current: pd.DataFrame | None, reported,
                    file_rows: pd.Series | None = None) -> list[Problem]:
    """Warnings for a figure far from its series' previous one: ten times more, a stock halved, a count since a
    fixed date that fell; and for one that a stored later figure of its series is that far from."""
    found = _previous_figures(typed, current, reported)
    at = found["position"]
    rules = zip(_far_apart(typed, at, earlier=found["figure_before"], later=found["figure"]), [
        f"is more than {JUMP_FACTOR} times the series' previous figure ({{was}} on {{on}}, {{where}}): check for an "
        "extra digit or a different definition.",
        "is less than half the series' previous stock ({was} on {on}, {where}): check it is the same population "
        "and area.",
        "is lower than the {was} counted since {since} as of {on} ({where}): a count since a fixed date should not "
        "fall; check the start date or the figure.",
    ])
    # Where the previous figure is: stored, or the row of this file that gives it (by date before, it may stand
    # anywhere in the file).
    where = (lambda hit: ["stored" if at_ < 0 else f"row {int(file_rows.iat[at_]) if file_rows is not None else at_} "
                          "of this file" for at_ in found["position_before"][hit].tolist()])
    problems = _warnings(typed, at, found["figure"], rules, {
        "was": lambda hit: [f"{n:,}" for n in found["figure_before"][hit].tolist()],
        "on": lambda hit: _iso_days(found["day_before"][hit]), "where": where})

    # A file row dated before a stored figure of its series (a file that fills in the past): the stored figure
    # would then be that far from it.
    at = found["position_next"]
    rules = zip(_far_apart(typed, at, earlier=found["figure_now"], later=found["figure_after"]), [
        f"is less than a tenth of the series' next figure ({{next}} on {{on}}, stored): check for a missing digit "
        "or a different definition.",
        "is more than twice the series' next stock ({next} on {on}, stored): check it is the same population "
        "and area.",
        "is higher than the {next} counted since {since} as of {on}, a later date (stored): a count since a fixed "
        "date should not fall; check the start date or the figure.",
    ])
    return problems + _warnings(typed, at, found["figure_now"], rules, {
        "next": lambda hit: [f"{n:,}" for n in found["figure_after"][hit].tolist()],
        "on": lambda hit: _iso_days(found["day_after"][hit])})


def _far_apart(typed: pd.DataFrame, at: np.ndarray, *, earlier: np.ndarray, later: np.ndarray) -> list[np.ndarray]:
    """For the rows at these positions, two figures of one series, earlier and later: is the later more than
    JUMP_FACTOR times the earlier; is it a stock that fell by more than DROP_SHARE; is it a count since a stated
    date that fell (such a count can only grow)."""
    earlier, later = earlier.astype("float"), later.astype("float")
    stock = (typed["measure"] == "stock").to_numpy(dtype=bool)[at]
    counted = ((typed["measure"] == "flow") & typed["period_start"].notna()).to_numpy(dtype=bool)[at]
    return [(earlier > 0) & (later > JUMP_FACTOR * earlier), stock & (later < (1 - DROP_SHARE) * earlier),
            counted & (later < earlier)]


def _iso_days(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]")).tolist()


def _warnings(typed: pd.DataFrame, at: np.ndarray, figures: np.ndarray, rules, fields: dict) -> list[Problem]:
    """A warning on the figure of each row a rule hits. rules: (hit, wording) over the rows at these positions;
    fields: each name the wordings use (besides since, the row's start date) -> a function giving its text for
    the rows a rule hits. Worded for those rows only: a big file can bring a warning on most of its rows."""
    starts = typed["period_start"].to_numpy(dtype="datetime64[D]")
    fields = {**fields, "since": lambda hit: _iso_days(starts[at[hit]])}
    problems: list[Problem] = []
    for hit, wording in rules:
        if not hit.any():
            continue
        texts = {name: make(hit) for name, make in fields.items() if "{" + name + "}" in wording}
        for i, (row, value) in enumerate(zip(typed.index[at[hit]], figures[hit].tolist())):
            text = wording.format(**{name: values[i] for name, values in texts.items()})
            problems.append(Problem(int(row), "figure", str(value), text, "warning"))
    return problems


MOVE_DEGREES = 0.02  # about 2 km: further than two gazetteers' points for one town usually differ


def _moved_localities(typed: pd.DataFrame, current: pd.DataFrame, reported) -> list[Problem]:
    """Warnings for rows that give a stored locality another territory, or a coordinate over MOVE_DEGREES away.

    A town does not move: the map places it by the latest coordinate given, so a different one moves its mark
    for every date; a different territory usually means another place of the same name.
    """
    key = ["locality", "province"]
    latest = current.sort_values("date", kind="stable").groupby(key, sort=False).tail(1).set_index(key)
    placed = places.place_coordinates(current)  # where the map places each stored town
    problems = []
    wrong = _already(typed, reported, "lat", "lon", "lat/lon")  # a bad coordinate is reported once, as an error
    known = pd.Series([p in latest.index for p in zip(typed["locality"], typed["province"])], index=typed.index)
    # A row already stored as it is (an export uploaded again) was warned about when it came.
    what = ["date", "locality", "province", "territory", "lat", "lon"]
    stored = set(current[what].astype("object").itertuples(index=False, name=None))
    again = pd.Series([r in stored for r in typed[what].astype("object").itertuples(index=False, name=None)],
                      index=typed.index)
    for row in typed.index[known & ~again]:
        place = (typed.at[row, "locality"], typed.at[row, "province"])
        if place in placed.index and not wrong[row]:
            lat, lon = typed.at[row, "lat"], typed.at[row, "lon"]
            old = placed.loc[place]
            if pd.notna(lat) and pd.notna(lon) and max(abs(lat - old["lat"]), abs(lon - old["lon"])) > MOVE_DEGREES:
                source = f" ({old['coord_source']})" if pd.notna(old["coord_source"]) and old["coord_source"] else ""
                problems.append(Problem(
                    int(row), "lat/lon", f"{_shown_number(lat)}, {_shown_number(lon)}",
                    f"moves {place[0]} ({place[1]}) from {_shown_number(old['lat'])}, {_shown_number(old['lon'])}"
                    f"{source}, where it is stored: the map would place it here from this date on. Check it is the "
                    "same place; if it is another place of the same name, give it a distinct locality name.",
                    "warning"))
        territory, stored = typed.at[row, "territory"], latest.at[place, "territory"]
        if pd.notna(territory) and pd.notna(stored) and territory != stored:
            problems.append(Problem(
                int(row), "territory", territory,
                f"differs from '{stored}', the territory stored for {place[0]} ({place[1]}): check it is the "
                "same place, and write the territory as stored if it is.", "warning"))
    return problems


def _shown_number(value) -> str:
    return f"{float(value):g}"


GIVEN_WITH_THE_FILE_PREFIX = "(given with the file) "


def option_problems(table: Table, options) -> list[Problem]:
    """Problems with the values an editor gave with the file (form fields, command-line options), said once.

    Checked like the cells they fill, so that a mistyped 'counted since' is one problem, not one per row.
    """
    problems: list[Problem] = []
    for name, value in vars(options).items():
        if value in (None, "") or name not in table.names:
            continue
        column = table.column(name)
        text = pd.Series([str(value).strip()], dtype="str")
        typed, failures = _typed_distinct(column, text)
        messages = [message for bad, message in failures if bool(bad.iloc[0])]
        if column.allowed and typed.iloc[0] not in column.allowed:
            messages.append(f"is not allowed: use one of {', '.join(column.allowed)}.")
        if name == "source_url" and not re.fullmatch(_URL.pattern, text.iloc[0], re.IGNORECASE):
            messages.append("is not a web address: it must start with http:// or https://.")
        problems += [Problem(None, name, str(value), f"{GIVEN_WITH_THE_FILE_PREFIX}{m}") for m in messages]
    return problems


def as_headed(problems: list[Problem], column_map: dict[str, str]) -> list[Problem]:
    """Each problem's column as the file's header names it, the template's name beside it where they differ.

    An editor looks for 'qualificatif' in their file, not for 'figure_qualifier'; a message naming another
    column does so too. A column filled from several of the file's columns (a wide UNHCR file's figures)
    keeps the template's name alone.
    """
    headers: dict[str, list[str]] = {}
    for header, name in column_map.items():
        headers.setdefault(name, []).append(header)
    named = {name: f"{found[0]} ({name})" for name, found in headers.items() if len(found) == 1 and found[0] != name}

    def headed(message: str) -> str:  # "the figure_qualifier column" is "the qualificatif (figure_qualifier) column"
        for name, shown in named.items():
            message = message.replace(f"the {name} column", f"the {shown} column")
        return message

    return [replace(p, column=named.get(p.column, p.column), message=headed(p.message)) for p in problems]


def validate(parsed: Parsed, *, today: date | None = None, current: pd.DataFrame | None = None) -> Validated:
    """Type every cell and check every rule; return the valid rows and all problems."""
    today = today or date.today()
    table = parsed.table
    raw = parsed.frame
    if any(p.row is None or p.row <= parsed.header_rows for p in errors(parsed.problems)):
        # A missing required column (or a repeated one, in the header) makes every row meaningless; say so once.
        return Validated(raw.iloc[0:0][table.names], list(parsed.problems), raw)

    problems: list[Problem] = []  # located by position in raw until the end
    typed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        typed[column.name] = _typed_column(column, raw[column.name], problems, decimal_comma=parsed.delimiter == ";",
                                           years=parsed.years)
        release_arrow_memory()
    if parsed.years:
        problems += _years_not_over(raw, typed, today)
    reported = {(p.row, p.column) for p in problems if p.row is not None}
    problems += _pandera_problems(table, typed, raw, today, reported)
    # Rules across columns judge typed values (COD), but the editor looks for what the file says (DR Congo).
    problems += _as_written(raw, _cross_field_problems(table, typed, reported) + _template_example_problems(table, typed))
    if table.name == "control" and current is not None and len(current):
        typed["locality"] = known_spelling(typed, current)
    in_error = typed.index.isin([p.row for p in errors(problems) if p.row is not None])
    duplicate_problems, repeats = _duplicate_problems(table, typed, raw[ROW], in_error)
    problems += duplicate_problems
    reported = {(p.row, p.column) for p in problems if p.row is not None}  # cross-field ones too
    problems += _as_written(raw, against_current(table, typed, current, reported, raw[ROW]))

    bad = pd.Index(sorted({p.row for p in errors(problems) if p.row is not None}))
    keep = ~typed.index.isin(bad) & ~typed.index.isin(repeats)
    file_rows = raw[ROW]
    in_file = file_rows.reindex([p.row for p in problems if p.row is not None]).tolist()
    numbers = iter(in_file)
    located = [replace(p, row=int(next(numbers))) if p.row is not None else p for p in problems]
    located = as_headed(located, parsed.column_map) + parsed.problems
    # A wide file's row gives one figure row per population type: a cell they share is reported once.
    located = list(dict.fromkeys(located))
    located.sort(key=lambda p: (p.row or 0, p.column or ""))
    rejected = raw[raw.index.isin(bad)]
    # Rows that failed whole in the file (ragged ones) are already gone from raw.
    if keep.all():  # a boolean filter copies every column, even when it keeps every row
        return Validated(typed.set_index(file_rows.rename(ROW)), located, rejected)
    return Validated(typed[keep].set_index(file_rows[keep].rename(ROW)), located, rejected)

"""Turn raw text cells into typed values and collect every problem, located.

Validation never stops at the first bad cell: it returns the typed rows that
passed and a list of problems (row as the user counts it, column, value, what
to do), like a spell checker rather than a compiler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pandera.pandas as pa

from .ingest import Parsed
from .problems import Problem, errors
from .schema import Column, Table

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


@dataclass
class Validated:
    """Typed rows that passed, problems found, and the raw rows that were rejected."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


def parse_dates(raw: pd.Series) -> pd.Series:
    """Text to dates: ISO 8601 (with or without time) or day/month/year as French Excel writes it."""
    text = raw.fillna("").astype(str).str.strip()
    iso = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(dmy)


def parse_numbers(raw: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Text to floats, accepting thousands written with spaces and scientific notation (1e+05)."""
    text = raw.fillna("").astype(str).str.replace(_SPACES, "", regex=True)
    if decimal_comma:
        text = text.where(~text.str.fullmatch(r"-?\d+,\d+"), text.str.replace(",", ".", regex=False))
    else:
        text = text.where(~text.str.fullmatch(r"-?\d{1,3}(,\d{3})+"), text.str.replace(",", "", regex=False))
    return pd.to_numeric(text, errors="coerce")


def _typed_column(column: Column, raw: pd.Series, problems: list[Problem]) -> pd.Series:
    text = raw.fillna("").astype(str).str.strip()
    empty = text == ""

    def report(bad: pd.Series, message: str) -> None:
        for row, value in text[bad].items():
            problems.append(Problem(int(row), column.name, value, message))

    if column.type == "date":
        values = parse_dates(text)
        report(values.isna() & ~empty, "is not a date: write it as YYYY-MM-DD, e.g. 2025-02-21.")
        return values
    if column.type == "integer":
        numbers = parse_numbers(text)
        report(numbers.isna() & ~empty, "is not a number: write digits only, e.g. 42000.")
        fractional = numbers.notna() & (numbers != numbers.round())
        report(fractional, "is not a whole number of people: round it as the source does.")
        numbers = numbers.where(~fractional)
        return numbers.round().astype("Int64")
    if column.type == "decimal":
        numbers = parse_numbers(text, decimal_comma=True)
        report(numbers.isna() & ~empty, "is not a decimal number: write it like -1.67409.")
        return numbers.astype("Float64")
    if column.type == "iso3":
        codes = text.str.upper()
        report(~codes.str.match(_ISO3) & ~empty, "is not a three-letter ISO country code such as COD or BDI.")
        return codes.where(codes.str.match(_ISO3) & ~empty, None).astype(object)
    if column.type == "category":
        if column.default is not None:
            text = text.where(~empty, column.default)
            empty = text == ""
        canonical = {a.lower(): a for a in column.allowed}
        mapped = text.str.lower().map(canonical)
        # Unknown values stay as written so the allowed-values check can quote them.
        return mapped.where(mapped.notna(), text.where(~empty, None)).astype(object)
    return text.where(~empty, None).astype(object)


def _pandera_schema(table: Table, today: date) -> pa.DataFrameSchema:
    columns = {}
    for c in table.columns:
        checks = []
        if c.allowed:
            checks.append(pa.Check.isin(c.allowed, error=f"is not allowed: use one of {', '.join(c.allowed)}."))
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
                pa.Check.str_matches(_URL.pattern, error="is not a web address: it must start with http:// or https:// and have no spaces, quotes or angle brackets.")
            )
        columns[c.name] = pa.Column(nullable=not c.required, checks=checks, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


_NOT_NULL = {"not_nullable"}


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
            if case.check in _NOT_NULL:
                message = "is required but empty: fill it in."
            else:
                message = str(case.check)
            problems.append(Problem(row, column, value if value != "" else None, message))
        return problems
    return []


def _cross_field_problems(table: Table, typed: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    if table.name == "figures":
        bad = typed["period_start"].notna() & typed["as_of"].notna() & (typed["period_start"] > typed["as_of"])
        for row in typed.index[bad]:
            problems.append(
                Problem(int(row), "period_start", str(typed.at[row, "period_start"].date()), "is after as_of: a flow cannot start after it is counted.")
            )
        # An internal figure must say where people are: a province, or a scope such as a national total.
        internal = (typed["destination_country"] == "COD") & typed["destination_admin1"].isna() & typed["scope"].isna()
        for row in typed.index[internal & (typed["population_type"] == "idps")]:
            problems.append(
                Problem(
                    int(row),
                    "destination_admin1",
                    None,
                    "is empty: internal displacement needs the province where people are "
                    "(or a scope such as 'DR Congo national total').",
                )
            )
    if table.name == "control":
        half = typed["lat"].isna() != typed["lon"].isna()
        for row in typed.index[half]:
            problems.append(Problem(int(row), "lat/lon", None, "only one of lat and lon is given: give both or neither."))
    return problems


def _duplicate_problems(table: Table, typed: pd.DataFrame) -> tuple[list[Problem], pd.Index]:
    """Conflicting rows for one key are errors; exact repeats are warnings (the later copies are dropped)."""
    problems: list[Problem] = []
    key = list(table.key)
    keyed = typed.dropna(subset=[k for k in key if k in table.required])
    exact = keyed.duplicated(keep="first")
    for row in keyed.index[exact]:
        problems.append(Problem(int(row), None, None, "repeats an earlier row exactly: it is kept once.", "warning"))
    distinct = keyed[~exact]
    clashing = distinct[distinct.duplicated(subset=key, keep=False)]
    for rows in clashing.groupby(key, dropna=False, sort=False).groups.values():
        for row in rows:
            others = ", ".join(str(int(r)) for r in rows if r != row)
            problems.append(
                Problem(
                    int(row),
                    None,
                    None,
                    f"gives a different figure or detail than row(s) {others} for the same "
                    f"{', '.join(key)}: keep the right one.",
                )
            )
    return problems, keyed.index[exact]


def validate(parsed: Parsed, *, today: date | None = None) -> Validated:
    """Type every cell and check every rule; return the valid rows and all problems."""
    today = today or date.today()
    table = parsed.table
    raw = parsed.frame
    problems = list(parsed.problems)
    if errors(problems) and any(p.row is None for p in errors(problems)):
        # A missing required column makes every row meaningless; say so once.
        return Validated(raw.iloc[0:0], problems, raw)

    typed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        typed[column.name] = _typed_column(column, raw[column.name], problems)
    type_rows = {p.row for p in problems if p.row is not None}
    reported = {(p.row, p.column) for p in problems if p.row is not None}
    problems += _pandera_problems(table, typed, raw, today, reported)
    problems += _cross_field_problems(table, typed)
    duplicate_problems, repeats = _duplicate_problems(table, typed)
    problems += duplicate_problems

    bad_rows = {p.row for p in errors(problems) if p.row is not None} | type_rows
    keep = ~typed.index.isin(list(bad_rows)) & ~typed.index.isin(repeats)
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Validated(typed[keep], problems, raw[typed.index.isin(list(bad_rows))])

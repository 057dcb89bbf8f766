"""Malformed and hostile files, each with its exact outcome: one sentence, or exactly these problems."""

from datetime import date

import pandas as pd
import pytest

from dashboards.builders.tables import to_csv_bytes
from dashboards.ingest import Options, UnreadableFile, read_csv
from dashboards.schema import CONTROL, FIGURES
from dashboards.validate import validate

from .conftest import CONTROL_HEADER, FIGURES_HEADER

OK = "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,T,https://example.org/a,standard,"
GOMA = "2025-01-27,Goma,Goma (city),North Kivu,-1.67,29.22,GeoNames,M23/AFC,captured,R,T,https://example.org/g,,"


def fig(*rows, header=FIGURES_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def problems(data: bytes, table=FIGURES, options=None, current=None) -> set[tuple]:
    result = validate(read_csv(data, table, options), today=date(2026, 1, 1), current=current)
    return {(p.row, p.column, p.severity) for p in result.problems}


UNREADABLE = {
    "empty": (b"", "empty"),
    "only blank lines": (b"\n\n  \n", "empty"),
    "png image": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not plain text"),
    "zip archive": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "ZIP archive, not a CSV: unzip it"),
    "utf-16": ("as_of,figure\n".encode("utf-16"), "UTF-16"),
    "header only": (fig(), "no rows of data"),
    "wrong delimiter": (fig(OK.replace(",", "|"), header=FIGURES_HEADER.replace(",", "|")), "seems to use '|'"),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_file_gets_one_sentence(name):
    data, words = UNREADABLE[name]
    with pytest.raises(UnreadableFile) as exc:
        read_csv(data, FIGURES)
    assert words in str(exc.value) and "\n" not in str(exc.value)


def test_a_file_over_the_size_cap_is_refused_with_what_to_do():
    with pytest.raises(UnreadableFile, match="split it"):
        read_csv(fig(OK, OK, OK), FIGURES, max_bytes=100)


CASES = {
    "too many cells": (fig(OK, OK.replace("42000", "1") + ",extra"), {(3, None, "error")}),
    "too few cells": (fig(OK, "2025-02-21,COD,,BDI"), {(3, None, "error")}),
    "negative figure": (fig(OK.replace("42000", "-5")), {(2, "figure", "error")}),
    "non-numeric figure": (fig(OK.replace("42000", "beaucoup")), {(2, "figure", "error")}),
    "decimal figure": (fig(OK.replace("42000", "42.5")), {(2, "figure", "error")}),
    "impossible date": (fig(OK.replace("2025-02-21", "2025-02-30")), {(2, "as_of", "error")}),
    "future date": (fig(OK.replace("2025-02-21", "2027-01-01")), {(2, "as_of", "error")}),
    "unknown country": (fig(OK.replace(",BDI,", ",Atlantis,")), {(2, "destination_country", "error")}),
    "ambiguous Congo": (fig(OK.replace(",BDI,", ",Congo,")), {(2, "destination_country", "error")}),
    "unknown population type": (fig(OK.replace("asylum_seekers", "tourists")), {(2, "population_type", "error")}),
    "unknown province": (fig(OK.replace(",BDI,,asylum_seekers", ",COD,Nord-Kiwu,idps")), {(2, "destination_admin1", "error")}),
    "javascript url": (fig(OK.replace("https://example.org/a", "javascript:alert(1)")), {(2, "source_url", "error")}),
    "flow starting after its date": (fig(OK.replace("flow,,", "flow,2025-03-01,")), {(2, "period_start", "error")}),
    "conflicting duplicates": (fig(OK, OK.replace("42000", "43000")), {(2, None, "error"), (3, None, "error")}),
    "exact duplicates": (fig(OK, OK), {(3, None, "warning")}),
    "no known column": (b"a,b\n1,2\n", {(None, None, "error")}),
    "formula injection is text": (fig(OK.replace("UNHCR,T,", '"=HYPERLINK(""http://evil"")",+cmd|calc,')), set()),
    "html and script are text": (fig(OK.replace("UNHCR,T,", "<script>alert(1)</script>,<b>x</b>,")), set()),
    "quoted delimiter and newline": (fig(OK.replace(",T,", ',"Title, with comma\nand a new line",')), set()),
    "bom and spaces in header": (b"\xef\xbb\xbf" + fig(OK, header=FIGURES_HEADER.replace(",", " , ")), set()),
}


@pytest.mark.parametrize("name", CASES)
def test_a_malformed_or_hostile_file_gets_exactly_these_problems(name):
    data, expected = CASES[name]
    assert problems(data) == expected


def test_a_portal_series_without_the_editors_options_names_the_missing_columns():
    series = b"Refugees in Burundi\ndate;individuals\n2025-02-10;9000\n"
    assert problems(series) == {(None, "destination_country", "error"), (None, "population_type", "error"),
                                (None, "measure", "error")}
    assert problems(series, options=Options("BDI", "refugees", "stock")) == set()


def test_control_problems_half_coordinates_range_and_unknown_unplaced_locality():
    current = validate(read_csv(("\n".join([CONTROL_HEADER, GOMA]) + "\n").encode(), CONTROL)).frame
    rows = [
        GOMA.replace("-1.67,29.22", "-1.67,"),
        GOMA.replace("2025-01-27,Goma", "2025-01-28,Goma").replace("-1.67", "-91"),
        GOMA.replace("2025-01-27,Goma", "2025-02-01,Nowhere-ville").replace("-1.67,29.22", ","),
        GOMA.replace("2025-01-27", "2025-03-01").replace("-1.67,29.22", ",").replace("M23/AFC", "rebels"),
    ]
    data = ("\n".join([CONTROL_HEADER, *rows]) + "\n").encode()
    assert problems(data, CONTROL, current=current) == {
        (2, "lat/lon", "error"), (3, "lat", "error"), (4, "locality", "error"), (5, "controlled_by", "error"),
    }


def test_spreadsheet_formulas_from_a_file_are_neutralised_on_export_and_numbers_are_not():
    data = fig(OK.replace("UNHCR,T,", '"=HYPERLINK(""http://evil"")",@SUM(A1),'))
    rows = validate(read_csv(data, FIGURES), today=date(2026, 1, 1)).frame
    exported = pd.read_csv(pd.io.common.BytesIO(to_csv_bytes(rows[FIGURES.names], FIGURES)))
    assert exported.loc[0, "source_org"].startswith("'=") and exported.loc[0, "source_title"] == "'@SUM(A1)"
    assert exported.loc[0, "figure"] == 42000


def test_a_formula_after_a_separator_is_neutralised_for_a_french_excel_and_uploads_back_unchanged():
    cells = {"source_org": "Goma;=HYPERLINK(\"\"http://evil\"\")", "source_title": "x;+1+cmd", "notes": "ok; @SUM(A1)"}
    row = OK.replace("UNHCR,T,", f'"{cells["source_org"]}",{cells["source_title"]},') + cells["notes"]
    rows = validate(read_csv(fig(row), FIGURES), today=date(2026, 1, 1)).frame
    exported = to_csv_bytes(rows[FIGURES.names], FIGURES)
    # A French-locale Excel splits each line on ';': no part may start like a formula.
    for line in exported.decode("utf-8-sig").splitlines():
        assert not any(part.lstrip(" ").startswith(("=", "+", "-", "@")) for part in line.split(";")[1:]), line
    back = validate(read_csv(exported, FIGURES), today=date(2026, 1, 1)).frame
    assert back.iloc[0]["source_org"] == 'Goma;=HYPERLINK("http://evil")'
    assert (back.iloc[0]["source_title"], back.iloc[0]["notes"], back.iloc[0]["figure"]) == ("x;+1+cmd", "ok; @SUM(A1)",
                                                                                           42000)

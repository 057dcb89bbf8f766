"""Every accepted format gives exactly the rows expected; every malformed or hostile file gets exactly its outcome.

Fixtures: tests/fixtures/formats (one small file per accepted layout) and tests/fixtures/bad
(one file per way of being wrong). Every figure in them is made up for the tests (source or
operation 'TEST FIXTURE'); they are not data. Row numbers are as a spreadsheet shows them:
the header is row 1, and an HXL hashtag row counts as a row.
"""

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboards.builders.tables import to_csv_bytes
from dashboards.ingest import Options, UnreadableFile, read_csv
from dashboards.schema import CONTROL, FIGURES
from dashboards.validate import validate

from .conftest import FIGURES_HEADER, FIXTURES

FORMATS = FIXTURES / "formats"
BAD = FIXTURES / "bad"
TODAY = date(2026, 1, 1)
NATIONAL = "National total"

# One expected figure row: (file row, as_of, origin, destination, destination province,
# population type, figure, measure, period_start, scope).
FIGURE_COLUMNS = ["as_of", "origin_country", "destination_country", "destination_admin1", "population_type", "figure",
                  "measure", "period_start", "scope"]
CONTROL_COLUMNS = ["date", "locality", "province", "lat", "lon", "controlled_by", "event"]


def plain(value):
    """A typed cell as a plain Python value: None for any missing value, dates as YYYY-MM-DD."""
    if pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value.item() if hasattr(value, "item") else value


def read(data: bytes | Path, table=FIGURES, options=None, current=None):
    """(parsed, validated) for a file's bytes or path, validated as on 1 January 2026."""
    if isinstance(data, Path):
        data = data.read_bytes()
    parsed = read_csv(data, table, options)
    return parsed, validate(parsed, today=TODAY, current=current)


def rows(validated, columns=None) -> list[tuple]:
    """The valid rows as (file row, *values) tuples, in file order."""
    columns = columns or (FIGURE_COLUMNS if "as_of" in validated.frame else CONTROL_COLUMNS)
    return [(int(row), *map(plain, values)) for row, *values in validated.frame[columns].itertuples()]


def located(validated) -> set[tuple]:
    return {(p.row, p.column, p.severity) for p in validated.problems}


# --- Task 1: one fixture per accepted format ------------------------------------------------------

DTM_ROWS = [
    (3, "2025-03-31", "COD", "COD", None, "idps", 6100000, "stock", None, NATIONAL),
    (4, "2025-03-31", "COD", "COD", "North Kivu", "idps", 2600000, "stock", None, None),
    (5, "2025-03-31", "COD", "COD", "South Kivu", "idps", 1500000, "stock", None, None),
    (9, "2024-12-31", "COD", "COD", "North Kivu", "idps", 2400000, "stock", None, None),
]


def test_dtm_keeps_national_and_province_rows_never_admin_2_and_names_provinces_in_english():
    parsed, result = read(FORMATS / "dtm_admin0_2.csv")
    assert parsed.format == "IOM DTM admin 0-2 export"
    assert result.problems == []
    assert rows(result) == DTM_ROWS  # rows 6-8 are admin 2 (Masisi, Rutshuru, Kalehe): not counted
    assert "3 row(s) below province level were not imported" in parsed.notes[0]
    assert set(result.frame["source_org"]) == {"IOM DTM"}


def test_hapi_reads_provider_names_normalises_provinces_and_skips_admin_2():
    parsed, result = read(FORMATS / "hapi_idps.csv")
    assert parsed.format == "HDX HAPI IDP table"
    assert result.problems == []
    assert rows(result) == [
        (3, "2025-03-31", "COD", "COD", None, "idps", 6100000, "stock", None, NATIONAL),
        (4, "2025-03-31", "COD", "COD", "North Kivu", "idps", 2600000, "stock", None, None),
        (5, "2025-03-31", "COD", "COD", "South Kivu", "idps", 1500000, "stock", None, None),
    ]
    assert set(result.frame["source_org"]) == {"IOM DTM via HDX HAPI"}


UNHCR_FEED_COD_ROWS = [
    (3, "2024-12-31", "COD", "BDI", None, "refugees", 100000, "stock", None, None),  # written 1e+05
    (3, "2024-12-31", "COD", "BDI", None, "asylum_seekers", 2500, "stock", None, None),
    (4, "2024-12-31", "COD", "UGA", None, "refugees", 600000, "stock", None, None),
    (4, "2024-12-31", "COD", "UGA", None, "asylum_seekers", 30000, "stock", None, None),
    (5, "2024-12-31", "COD", "RWA", None, "refugees", 85000, "stock", None, None),
    (6, "2024-12-31", "COD", "COD", None, "idps", 6000000, "stock", None, NATIONAL),  # written 6e+06
]


def test_unhcr_feed_years_become_end_of_year_stocks_one_row_per_non_zero_population_other_origins_skipped():
    parsed, result = read(FORMATS / "unhcr_hdx_feed.csv")
    assert parsed.format == "UNHCR population statistics"
    assert result.problems == []
    # Row 7 (AFG to IRN) is about other people; row 9 (COD to TZA) is all zeros: no figures.
    assert [r for r in rows(result) if r[2] != "UKN"] == UNHCR_FEED_COD_ROWS
    assert "Years were read as end-of-year figures (31 December)." in parsed.notes


def test_unhcr_feed_skips_rows_of_unknown_origin_ukn_and_says_so():
    # People of unknown origin in Uganda are not known to come from DR Congo: counting them would invent.
    parsed, result = read(FORMATS / "unhcr_hdx_feed.csv")
    assert all(r[2] == "COD" for r in rows(result))
    assert ("1 row(s) of people of unknown origin (UKN) were not imported: they are not counted as people from COD."
            in parsed.notes)


def test_hdx_world_csv_without_hxl_row_is_read_by_its_header_names():
    parsed, result = read(FORMATS / "unhcr_hdx_world.csv")
    assert parsed.format == "UNHCR population statistics" and parsed.header_rows == 1
    assert result.problems == []
    assert rows(result) == [
        (2, "2023-12-31", "COD", "BDI", None, "refugees", 90000, "stock", None, None),
        (2, "2023-12-31", "COD", "BDI", None, "asylum_seekers", 2000, "stock", None, None),
        (3, "2024-12-31", "COD", "BDI", None, "refugees", 100000, "stock", None, None),
        (3, "2024-12-31", "COD", "BDI", None, "asylum_seekers", 2500, "stock", None, None),
        (4, "2024-12-31", "COD", "TZA", None, "refugees", 80000, "stock", None, None),
        (5, "2024-12-31", "COD", "COD", None, "idps", 6000000, "stock", None, NATIONAL),
    ]  # row 6 (South Sudanese refugees in Uganda) is skipped


def test_refugee_data_finder_header_is_found_below_14_preamble_lines_and_returned_idpss_is_understood():
    parsed, _ = read(FORMATS / "unhcr_refugee_data_finder.csv")
    assert parsed.format == "UNHCR Refugee Data Finder export"
    assert parsed.header_rows == 15
    assert parsed.notes[0] == "14 line(s) of notes above the header were skipped."
    assert parsed.column_map["Returned IDPss"] == "figure (returnees, returned IDPs)"


def test_refugee_data_finder_rows_come_from_the_iso_columns():
    _, result = read(FORMATS / "unhcr_refugee_data_finder.csv")
    assert result.problems == []
    got = rows(result)
    assert [r for r in got if r[5] != "returnees"] == [
        (16, "2024-12-31", "COD", "BDI", None, "refugees", 100000, "stock", None, None),
        (16, "2024-12-31", "COD", "BDI", None, "asylum_seekers", 2500, "stock", None, None),
        (17, "2024-12-31", "COD", "UGA", None, "refugees", 600000, "stock", None, None),
        (17, "2024-12-31", "COD", "UGA", None, "asylum_seekers", 30000, "stock", None, None),
        (18, "2024-12-31", "COD", "COD", None, "idps", 6000000, "stock", None, NATIONAL),
    ]  # row 19 (UNK origin) and row 20 (SSD) are not about people from DR Congo
    assert [(r[0], r[6]) for r in got if r[5] == "returnees"] == [(18, 1200000)]  # the 'Returned IDPss' cell


def test_portal_time_series_takes_country_type_and_measure_from_the_editor():
    options = Options(destination_country="BDI", population_type="refugees", measure="stock")
    parsed, result = read(FORMATS / "unhcr_portal_timeseries.csv", options=options)
    assert parsed.format == "UNHCR data portal time series" and parsed.header_rows == 2
    assert result.problems == []
    assert rows(result) == [
        (3, "2025-02-10", "COD", "BDI", None, "refugees", 9000, "stock", None, None),
        (4, "2025-02-15", "COD", "BDI", None, "refugees", 25000, "stock", None, None),
        (5, "2025-02-20", "COD", "BDI", None, "refugees", 40000, "stock", None, None),
    ]
    assert "origin_country is not in the file and was set to COD (DR Congo)." in parsed.notes


def test_project_template_with_hxl_row():
    parsed, result = read(FORMATS / "template_hxl.csv")
    assert parsed.format == "Project template with HXL row" and parsed.header_rows == 2
    assert result.problems == []
    assert rows(result) == [
        (3, "2025-02-21", "COD", "BDI", None, "asylum_seekers", 42000, "flow", "2025-02-07", None),
        (4, "2025-02-28", "COD", "COD", "North Kivu", "idps", 2600000, "stock", None, None),  # written Nord-Kivu
        (5, "2025-02-28", "COD", "COD", None, "idps", 6100000, "stock", None, NATIONAL),
        (6, "2025-03-07", "COD", "XNB", None, "new_arrivals", 80000, "flow", "2025-01-01", None),  # "80,000"
    ]
    assert list(result.frame["confidence"]) == ["standard", "low", "standard", "standard"]
    assert result.frame.loc[6, "source_title"] == "Made-up row, with a comma"


def test_generic_hxl_file_is_mapped_by_hashtags_whatever_its_header_text():
    parsed, result = read(FORMATS / "generic_hxl.csv", options=Options(measure="stock"))
    assert parsed.format == "HXL-tagged CSV"
    assert result.problems == []
    assert rows(result) == [
        (3, "2025-02-21", "COD", "UGA", None, "refugees", 42000, "stock", None, None),
        (3, "2025-02-21", "COD", "UGA", None, "asylum_seekers", 1500, "stock", None, None),
        (4, "2025-02-21", "COD", "BDI", None, "refugees", 61000, "stock", None, None),  # asylum 0: no figure
        (5, "2025-02-28", "COD", "RWA", None, "asylum_seekers", 800, "stock", None, None),  # refugees empty
    ]
    assert parsed.column_map["Refugee count"] == "figure (refugees)"
    assert parsed.column_map["Web page"] == "source_url"


FRENCH_ROWS = [
    (2, "2025-02-21", "COD", "UGA", None, "refugees", 42000, "flow", "2025-01-01", None),  # '42 000', Ouganda, RDC
    (3, "2025-02-21", "COD", "BDI", None, "refugees", 42000, "flow", "2025-01-01", None),  # '42\xa0000'
    (4, "2025-02-28", "COD", "RWA", None, "asylum_seekers", 1250, "stock", None, None),
]


@pytest.mark.parametrize("name", ["excel_fr_cp1252.csv", "excel_fr_utf8_bom.csv"])
def test_french_excel_file_semicolons_french_headers_spaced_thousands_and_day_first_dates(name):
    parsed, result = read(FORMATS / name)
    assert parsed.format == "CSV with recognised column names"
    assert result.problems == []
    assert rows(result) == FRENCH_ROWS
    assert set(result.frame["source_title"]) == {"Données inventées pour les tests"}


def test_the_french_fixtures_really_are_windows_1252_and_utf8_with_bom():
    cp1252 = (FORMATS / "excel_fr_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    assert b"42\xa0000" in cp1252 and b"\r\n" in cp1252
    assert (FORMATS / "excel_fr_utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_control_events_by_hashtag_with_french_province_and_group_names():
    parsed, result = read(FORMATS / "control_hxl.csv", CONTROL)
    assert parsed.format == "HXL-tagged CSV"
    assert result.problems == []
    assert rows(result) == [
        (3, "2025-01-27", "Goma", "North Kivu", -1.67409, 29.22845, "M23/AFC", "captured"),  # 'M23'
        (4, "2025-02-16", "Bukavu", "South Kivu", -2.49077, 28.84281, "M23/AFC", "captured"),  # 'AFC/M23', 'prise'
        (5, "2025-03-01", "Uvira", "South Kivu", None, None, "FARDC", "retaken"),  # 'FARDC/Wazalendo'
    ]


# Edge cases of the formats (inline variants of the fixtures above).

def test_a_global_dtm_file_keeps_only_dr_congo_rows():
    haiti = ("9101,Haiti TEST FIXTURE,Haiti,HTI,,,,,0,1000,2025-03-31T00:00:00,2025,3,1,SA,Active\n"
             "9102,Haiti TEST FIXTURE,Haiti,HTI,Ouest,HT01,,,1,900,2025-03-31T00:00:00,2025,3,1,SA,Active\n")
    parsed, result = read((FORMATS / "dtm_admin0_2.csv").read_bytes() + haiti.encode())
    assert result.problems == []
    assert rows(result) == DTM_ROWS
    assert "2 row(s) about other countries than COD were not imported." in parsed.notes


# Sub-national rows of a generic HXL file: a territory's figure is never its province's, nor the country's.

BELOW_PROVINCE_NOTE = ("2 row(s) below province level were not imported (a value in 'Territoire'): the dashboard keeps "
                       "province and national figures, and does not add levels together.")


def test_a_territory_row_of_a_generic_hxl_file_is_not_read_as_its_provinces_figure():
    text = ("Date,Pays,Province,Territoire,PDI,Source,Lien\n"
            "#date,#country+code,#adm1+name,#adm2+name,#affected+idps,#meta+source,#meta+url\n"
            "2025-03-01,COD,Nord-Kivu,,2000000,TEST FIXTURE,https://example.org/test/t\n"
            "2025-03-01,COD,Nord-Kivu,Masisi,500000,TEST FIXTURE,https://example.org/test/t\n"
            "2025-03-01,COD,Sud-Kivu,Kalehe,300000,TEST FIXTURE,https://example.org/test/t\n")
    parsed, result = read(text.encode(), options=Options(measure="stock", source_title="T"))
    assert result.problems == []  # Masisi's figure no longer conflicts with North Kivu's
    assert rows(result) == [(3, "2025-03-01", "COD", "COD", "North Kivu", "idps", 2000000, "stock", None, None)]
    assert BELOW_PROVINCE_NOTE in parsed.notes
    assert parsed.column_map["Territoire"] == "(a place below province level: its rows are not imported)"


def test_a_row_naming_a_site_is_not_read_as_its_provinces_or_its_countrys_figure():
    text = ("#date,#country+code+origin,#country+code+asylum,#adm1+name,#loc+name,#affected+refugees,#meta+source,"
            "#meta+title,#meta+url\n"
            "2025-03-01,COD,UGA,,Nakivale,40000,TEST FIXTURE,T,https://example.org/test/s\n"
            "2025-03-01,COD,UGA,,,90000,TEST FIXTURE,T,https://example.org/test/s\n")
    parsed, result = read(text.encode(), options=Options(measure="stock"))
    assert result.problems == []
    assert rows(result) == [(3, "2025-03-01", "COD", "UGA", None, "refugees", 90000, "stock", None, None)]
    assert ("1 row(s) below province level were not imported (a value in '#loc+name'): the dashboard keeps province "
            "and national figures, and does not add levels together.") in parsed.notes


def test_the_dtm_note_on_lower_rows_is_worded_as_before_where_its_level_column_says_so():
    parsed, _ = read(FORMATS / "dtm_admin0_2.csv")
    assert parsed.notes[0] == ("3 row(s) below province level were not imported: the dashboard keeps province and "
                               "national figures, and does not add levels together.")


P_CODE = ("is an admin-1 code that the dashboard cannot turn into a province (it knows names and ISO 3166-2 codes such "
          "as CD-NK, not OCHA p-codes such as CD61): {fix}. The row is not imported, and never read as a national "
          "total.")


def test_a_province_p_code_is_an_error_on_its_row_and_never_a_national_total():
    text = ("#date,#country+code,#adm1+code,#affected+idps,#meta+source,#meta+title,#meta+url\n"
            "2025-03-01,COD,CD61,2000000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,CD-SK,1500000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,CD62,1400000,TEST FIXTURE,T,https://example.org/test/p\n")
    parsed, result = read(text.encode(), options=Options(measure="stock"))
    fix = "add a column with the province's name (#adm1+name, e.g. North Kivu)"
    assert [(p.row, p.column, p.value, p.message) for p in result.problems] == [
        (2, "#adm1+code (destination_admin1)", "CD61", P_CODE.format(fix=fix)),
        (4, "#adm1+code (destination_admin1)", "CD62", P_CODE.format(fix=fix))]
    # The ISO 3166-2 code names its province; nothing is a national total.
    assert rows(result) == [(3, "2025-03-01", "COD", "COD", "South Kivu", "idps", 1500000, "stock", None, None)]
    assert list(parsed.refused["_row"]) == [2, 4]


def test_a_province_code_fills_in_where_the_name_is_empty_and_a_p_code_there_is_an_error():
    text = ("Date,Pays,Province,Code,PDI,Source,Titre,Lien\n"
            "#date,#country+code,#adm1+name,#adm1+code,#affected+idps,#meta+source,#meta+title,#meta+url\n"
            "2025-03-01,COD,Nord-Kivu,CD61,2000000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,,CD62,1400000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,,CD-IT,1000000,TEST FIXTURE,T,https://example.org/test/p\n")
    parsed, result = read(text.encode(), options=Options(measure="stock"))
    fix = "write the province's name in 'Province' (e.g. North Kivu)"
    assert [(p.row, p.column, p.value, p.message) for p in result.problems] == [
        (4, "Code (destination_admin1)", "CD62", P_CODE.format(fix=fix))]
    assert rows(result) == [(3, "2025-03-01", "COD", "COD", "North Kivu", "idps", 2000000, "stock", None, None),
                            (5, "2025-03-01", "COD", "COD", "Ituri", "idps", 1000000, "stock", None, None)]
    assert parsed.column_map["Code"] == "destination_admin1 (where Province is empty)"


def test_hapi_as_of_is_the_end_of_the_reference_period():
    text = (FORMATS / "hapi_idps.csv").read_text().replace(
        "BA,2600000,7,2025-03-31 00:00:00+00:00", "BA,2600000,7,2025-01-01 00:00:00+00:00")
    parsed, result = read(text.encode())
    assert rows(result)[1] == (4, "2025-03-31", "COD", "COD", "North Kivu", "idps", 2600000, "stock", None, None)
    assert parsed.column_map["reference_period_start"].startswith("(not used")


UNHCR_FEED_HEADER = (
    '"Year","ISO3CoO","ISO3CoA","REF","IDP","ASY","RET","RDP"\n'
    '"#date+year","#country+origin+code","#country+asylum+code","#affected+refugees","#affected+idps",'
    '"#affected+asylum_seekers","#affected+refugees+returnees","#affected+idps+returnees"\n'
)


def test_returned_refugees_and_returned_idps_in_one_unhcr_row_are_two_flows_over_the_year():
    parsed, result = read((UNHCR_FEED_HEADER + '2024,"COD","COD",0,6e+06,0,30000,1200000\n').encode())
    assert result.problems == []
    assert rows(result) == [
        (3, "2024-12-31", "COD", "COD", None, "returnees", 30000, "flow", "2024-01-01", "returned refugees"),
        (3, "2024-12-31", "COD", "COD", None, "returnees", 1200000, "flow", "2024-01-01", "returned IDPs"),
        (3, "2024-12-31", "COD", "COD", None, "idps", 6000000, "stock", None, NATIONAL),
    ]
    assert parsed.column_map["RET"] == "figure (returnees, returned refugees)"
    assert any(n.startswith("Returns in a yearly file count people who returned during the year") for n in parsed.notes)


def test_a_unhcr_file_with_no_dr_congo_rows_says_so_instead_of_reporting_missing_columns():
    parsed, result = read((UNHCR_FEED_HEADER + '2024,"AFG","IRN",2000,0,0,0,0\n').encode())
    assert result.problems == []
    assert "1 row(s) about people from other countries than COD were not imported." in parsed.notes


# --- Task 2: malformed and hostile files ----------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04\x00\x00\x13\x00" \
    b"[Content_Types].xml"
NOT_TEXT = "The file is not plain text (it contains NUL bytes): is it an Excel workbook? Save it as CSV UTF-8."
WORKBOOK = ("The file is an Excel workbook (.xlsx), not a CSV: open it in Excel and save it as 'CSV UTF-8', then "
            "upload that file.")
ZIPPED = ("The file is a ZIP archive, not a CSV: unzip it (UNHCR's Refugee Data Finder downloads come zipped) and "
          "upload the CSV file inside.")
UTF16 = "The file is saved as UTF-16: save it as 'CSV UTF-8' and upload it again."
HTML = ("The file is a web page (HTML), not a CSV: the site sent a page (such as a bot check or a sign-in page, which "
        "the UNHCR data portal may send) instead of the data; open the address in a browser, download the CSV export "
        "(the page's download or export button, CSV), and upload that file.")
XML = ("The file is XML, not a CSV: download the table as CSV from its source, or open it in a spreadsheet and save it "
       "as CSV UTF-8, and upload that file.")
JSON = ("The file is JSON, not a CSV: download the CSV export instead (on the UNHCR data portal, the same address with "
        "export=csv, or the chart's download button), or save the table as CSV UTF-8, and upload that file.")

UNREADABLE = {
    "empty file": ((BAD / "empty.csv").read_bytes(), "The file is empty."),
    "only blank lines": ((BAD / "only_blank_lines.csv").read_bytes(), "The file is empty."),
    "png image": (PNG, NOT_TEXT),
    "xlsx workbook (zip)": (XLSX, WORKBOOK),
    "zip archive of a csv": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16 + b"population.csv", ZIPPED),
    "excel 97-2003 workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40,
                               "The file is an Excel 97-2003 workbook (.xls), not a CSV: open it in Excel and save it "
                               "as 'CSV UTF-8', then upload that file."),
    "utf-16 little-endian with bom": ((BAD / "header_only.csv").read_text().encode("utf-16"), UTF16),
    "utf-16 big-endian with bom": (b"\xfe\xff" + (BAD / "header_only.csv").read_text().encode("utf-16-be"), UTF16),
    "utf-16 without bom": ((BAD / "header_only.csv").read_text().encode("utf-16-le"), NOT_TEXT),
    "header only": ((BAD / "header_only.csv").read_bytes(),
                    "The file has a header but no rows of data: add the rows below the header."),
    "header and hxl row only": ("\n".join((FORMATS / "template_hxl.csv").read_text().split("\n")[:2]).encode()
                                + b"\n\n", "The file has a header but no rows of data: add the rows below the header."),
    # formats.md: the UNHCR data portal may answer with a bot-check page, and serves its series as JSON too.
    "bot-check web page saved as .csv": ((BAD / "bot_check_page.csv").read_bytes(), HTML),
    "one line of html": (b"  <!doctype html>\n", HTML),
    "xhtml": (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html>', HTML),
    "xml": (b'\xef\xbb\xbf<?xml version="1.0"?>\n<rows><row a="1"/></rows>\n', XML),
    "portal json saved as .csv": ((BAD / "portal_json.csv").read_bytes(), JSON),
    "json array with a byte-order mark": ("\ufeff[\n {\"date\": \"2025-02-10\", \"individuals\": 9000}\n]\n".encode(),
                                          JSON),
    "pipe delimited": ((BAD / "pipe_delimited.csv").read_bytes(),
                       "The file has one column only: its header seems to use '|' between columns. Save it with "
                       "commas (or semicolons) between columns: in a spreadsheet, 'Save as' CSV."),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_file_gets_exactly_one_sentence(name):
    data, sentence = UNREADABLE[name]
    with pytest.raises(UnreadableFile) as exc:
        read_csv(data, FIGURES)
    assert str(exc.value) == sentence


def test_a_file_over_the_size_cap_is_refused_in_one_sentence_before_it_is_read():
    data = PNG + b"x" * 1_500_000  # not even looked at: the size comes first
    with pytest.raises(UnreadableFile) as exc:
        read_csv(data, FIGURES, max_bytes=1_000_000)
    assert str(exc.value) == ("The file is 1.5 MB, over the 1 MB limit: "
                              "split it into smaller files and upload them one after the other.")
    assert "\n" not in str(exc.value)


FIGURE_FIELDS = ["as_of", "destination_country", "population_type", "figure", "measure", "source_org",
                 "source_title", "source_url"]  # the required columns; origin_country defaults to COD

# file in tests/fixtures/bad -> (exact (row, column, severity) problems, file rows kept)
CASES = {
    "unknown_columns.csv": ({(None, None, "error")}, []),  # one problem, not one per missing column
    "negative_figure.csv": ({(2, "figure", "error")}, []),
    "non_numeric_figure.csv": ({(2, "figure", "error")}, []),
    "decimal_figure.csv": ({(2, "figure", "error")}, []),
    "impossible_date.csv": ({(2, "as_of", "error")}, []),
    "future_date.csv": ({(2, "as_of", "error")}, [3]),  # 2026-01-02 is future; today itself is not
    "unknown_country.csv": ({(2, "destination_country", "error")}, []),
    "plain_congo.csv": ({(2, "destination_country", "error")}, []),
    "conflicting_duplicates.csv": ({(2, None, "error"), (3, None, "error")}, []),
    "exact_duplicates.csv": ({(3, None, "warning")}, [2, 4]),
    "formula_injection.csv": (set(), [2, 3, 4, 5]),
    "html_and_script.csv": (set(), [2, 3]),
    "hostile_urls.csv": ({(row, "source_url", "error") for row in range(2, 8)}, []),
    "flow_starting_after_as_of.csv": ({(2, "period_start", "error")}, []),
    "unknown_population_type.csv": ({(2, "population_type", "error")}, []),
    "portal_timeseries_without_options.csv": (
        {(None, "destination_country", "error"), (None, "population_type", "error"), (None, "measure", "error")}, []),
    "bom_and_spaces_in_header.csv": (set(), [2]),
    "quoted_delimiters_and_newlines.csv": ({(4, "figure", "error")}, [2, 3]),  # a quoted newline stays in its row
    "repeated_header_row.csv": ({(3, None, "error")}, [2, 4]),  # one problem, not one per cell
    "excel_sep_line.csv": (set(), [3]),  # Excel's 'sep=,' first line is skipped as a note
    "trailing_empty_columns.csv": (set(), [2, 3]),
    "blank_required_cell.csv": ({(2, "source_org", "error")}, []),
    "unclosed_quote.csv": ({(3, None, "error")}, [2]),  # row 4 is inside row 3's open quote
    "control_half_coordinates.csv": ({(2, "lat/lon", "error")}, []),
    "control_latitude_out_of_range.csv": ({(2, "lat", "error")}, []),
    "control_unknown_controller.csv": ({(2, "controlled_by", "error")}, []),
    "control_new_locality_without_coordinates.csv": ({(3, "locality", "error")}, [2]),  # Uvira is known
    "short_row_in_the_middle.csv": ({(3, None, "error")}, [2, 4]),  # later rows keep their own numbers
    "ragged_then_bad_value.csv": ({(3, None, "error"), (4, "figure", "error")}, [2]),
    "figure_too_big.csv": ({(2, "figure", "error"), (3, "figure", "error"), (4, "figure", "error")}, []),
    "figure_with_dot_thousands.csv": ({(2, "figure", "error")}, []),  # '42.000': 42 or 42 000?
    "date_with_trailing_text.csv": ({(2, "as_of", "error")}, []),  # '2025-02-21 to 2025-02-28'
    "url_in_capitals.csv": (set(), [2]),  # 'HTTPS://EXAMPLE.ORG/TEST/A'
    # Row 5 ('42.000') has row 2's key but is in error itself: it must not block row 2.
    "bad_row_beside_a_good_one.csv": ({(3, None, "error"), (4, "figure", "error"), (5, "figure", "error")}, [2]),
}


def current_control():
    """The stored control table the control cases are checked against: Goma, Bukavu and Uvira."""
    return read(FORMATS / "control_hxl.csv", CONTROL)[1].frame


def check_bad(name):
    table = CONTROL if name.startswith("control_") else FIGURES
    return read(BAD / name, table, current=current_control() if table is CONTROL else None)


@pytest.mark.parametrize("name", CASES)
def test_a_malformed_or_hostile_file_gets_exactly_these_problems_and_keeps_these_rows(name):
    expected_problems, expected_rows = CASES[name]
    _, result = check_bad(name)
    assert located(result) == expected_problems
    assert list(result.frame.index) == expected_rows


def test_every_bad_fixture_file_is_checked():
    checked = set(CASES) | {"empty.csv", "only_blank_lines.csv", "ragged_rows.csv", "header_only.csv",
                            "pipe_delimited.csv", "bot_check_page.csv", "portal_json.csv"}
    assert {p.name for p in BAD.glob("*.csv")} == checked


def test_old_mac_excel_file_windows_1252_with_carriage_returns_only():
    header = (BAD / "header_only.csv").read_text().rstrip("\n")
    row = "2025-02-21,RDC,Nord-Kivu,Zambie,,réfugiés,1 500,stock,,,TEST FIXTURE,Réfugiés (test),https://example.org/t,,"
    text = header + "\r" + row + "\r"
    _, result = read(text.encode("cp1252"))
    assert result.problems == []
    assert rows(result) == [(2, "2025-02-21", "COD", "ZMB", None, "refugees", 1500, "stock", None, None)]
    assert result.frame.loc[2, "source_title"] == "Réfugiés (test)"


def test_a_pdf_is_named_as_such_in_one_sentence():
    with pytest.raises(UnreadableFile) as exc:
        read_csv(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", FIGURES)
    assert str(exc.value) == "The file is a PDF: export the table from its source as CSV UTF-8 and upload that."


# A note line or a first cell that starts with '<', '{' or '[' is text, not a web page or JSON.
NOT_MARKUP_NOR_JSON = {
    "note line in angle brackets": "<TEST FIXTURE: made-up figures>",
    "note line in square brackets": "[Draft] TEST FIXTURE",
    "note line in braces": "{TEST FIXTURE}",
    "note line that is a JSON object": '{"exported": "2025-03-01"}',
    "note line that starts like html": "<b>TEST FIXTURE</b>",
}


@pytest.mark.parametrize("name", NOT_MARKUP_NOR_JSON)
def test_a_csv_whose_first_line_starts_with_a_bracket_is_read_as_a_csv(name):
    header = (BAD / "header_only.csv").read_text().rstrip("\n")
    row = "2025-02-21,COD,,BDI,,refugees,42000,stock,,,TEST FIXTURE,T,https://example.org/test/b,,"
    parsed, result = read(f"{NOT_MARKUP_NOR_JSON[name]}\n{header}\n{row}\n".encode())
    assert result.problems == []
    assert parsed.notes[0] == "1 line(s) of notes above the header were skipped."
    assert rows(result) == [(3, "2025-02-21", "COD", "BDI", None, "refugees", 42000, "stock", None, None)]


def test_a_first_cell_written_in_angle_brackets_is_a_value_not_a_web_page():
    text = ("<b>date</b>,individuals\n2025-02-10,9000\n")
    parsed, result = read(text.encode(), options=Options(destination_country="BDI", population_type="refugees",
                                                         measure="stock", source_org="TEST FIXTURE", source_title="T",
                                                         source_url="https://example.org/test/p"))
    assert [(p.row, p.column) for p in result.problems] == [(None, "as_of")]  # the date column is not recognised


def test_ragged_rows_too_many_and_too_few_cells_are_named_by_row_number_and_cell_count():
    _, result = check_bad("ragged_rows.csv")
    assert [(p.row, p.message.split(":")[0]) for p in result.problems] == [
        (3, "This row has 16 cells but the header has 15"),
        (5, "This row has 4 cells but the header has 15"),
    ]
    assert list(result.frame["destination_country"]) == ["BDI", "RWA", "ZMB"]  # the other rows are kept


def test_an_unknown_country_comes_with_a_suggestion():
    _, result = check_bad("unknown_country.csv")
    [problem] = result.problems
    assert problem.value == "Burundii"
    assert problem.message.endswith("Did you mean BDI (Burundi)?")


def test_plain_congo_is_refused_as_ambiguous():
    _, result = check_bad("plain_congo.csv")
    [problem] = result.problems
    assert problem.message.endswith(
        "Ambiguous: write COD for DR Congo (Kinshasa) or COG for the Republic of the Congo (Brazzaville)")


def test_conflicting_duplicates_each_name_the_other_row():
    _, result = check_bad("conflicting_duplicates.csv")
    assert [(p.row, "row(s) 3 " in p.message, "row(s) 2 " in p.message) for p in result.problems] == [
        (2, True, False), (3, False, True)]


def test_formula_cells_are_kept_as_text_and_neutralised_on_export():
    _, result = check_bad("formula_injection.csv")
    frame = result.frame
    cells = [frame.loc[2, "source_org"], frame.loc[3, "source_title"], frame.loc[4, "notes"], frame.loc[5, "notes"]]
    assert cells == ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0",
                     "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"]
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(frame[FIGURES.names], FIGURES)), dtype=str)
    assert [exported.loc[0, "source_org"], exported.loc[1, "source_title"], exported.loc[2, "notes"],
            exported.loc[3, "notes"]] == ["'" + c for c in cells]
    assert list(exported["figure"]) == ["42000"] * 4  # numbers are not touched


def test_html_and_script_in_text_fields_are_kept_unchanged():
    _, result = check_bad("html_and_script.csv")
    assert result.frame.loc[2, "source_org"] == "<script>alert(1)</script>"
    assert result.frame.loc[2, "source_title"] == "<b>bold</b> & <i>italic</i>"
    assert result.frame.loc[3, "notes"] == "<img src=x onerror=alert(2)> </td></tr>"


def test_hostile_urls_are_quoted_back_in_the_problems():
    _, result = check_bad("hostile_urls.csv")
    assert [p.value for p in result.problems] == [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", 'https://example.org/"><script>alert(1)</script>',
        "data:text/html,<script>alert(1)</script>", "//evil.example/x", "https://example.org/a b"]


def test_a_new_locality_without_coordinates_is_named():
    _, result = check_bad("control_new_locality_without_coordinates.csv")
    [problem] = result.problems
    assert (problem.value, problem.message.split(":")[0]) == ("Kitshanga", "is a new locality with no coordinates")


def test_a_known_locality_written_in_other_case_or_accents_takes_the_stored_spelling():
    header = "date,locality,province,lat,lon,controlled_by,event,source_org,source_title,source_url\n"
    text = header + "2025-03-02,  GÔMA ,Nord-Kivu,,,FARDC,retaken,TEST FIXTURE,T,https://example.org/t\n"
    _, result = read(text.encode(), CONTROL, current=current_control())
    assert result.problems == []
    assert list(result.frame["locality"]) == ["Goma"]


def test_without_stored_data_a_new_locality_needs_no_coordinates():
    _, result = read(BAD / "control_new_locality_without_coordinates.csv", CONTROL)
    assert result.problems == [] and list(result.frame.index) == [2, 3]


def test_a_portal_series_without_the_editors_options_names_each_missing_column():
    _, result = check_bad("portal_timeseries_without_options.csv")
    assert {p.message.split(" (")[0] for p in result.problems} == {
        "Required column 'destination_country'", "Required column 'population_type'", "Required column 'measure'"}


def test_quoted_delimiters_and_newlines_stay_inside_their_cell():
    _, result = check_bad("quoted_delimiters_and_newlines.csv")
    assert result.frame.loc[2, "source_title"] == "Title, with a comma\nand a new line"
    assert result.frame.loc[3, "notes"] == 'Notes with "quotes", commas, and\nline breaks'


def test_an_exact_duplicate_is_kept_once_with_a_warning():
    _, result = check_bad("exact_duplicates.csv")
    [problem] = result.problems
    assert (problem.row, problem.severity, problem.message) == (
        3, "warning", "repeats an earlier row exactly: it is kept once.")
    assert result.ok


def test_rows_after_ragged_rows_keep_their_own_numbers():
    _, result = check_bad("ragged_rows.csv")
    assert list(result.frame.index) == [2, 4, 6]
    assert list(result.frame["destination_country"]) == ["BDI", "RWA", "ZMB"]


def test_a_cell_over_128_kb_is_read_by_ingest_alone():
    code = (
        "from dashboards.ingest import read_csv\n"
        "from dashboards.schema import FIGURES\n"
        "header = ','.join(n for n in FIGURES.names if n != 'figure_qualifier')\n"
        "row = '2025-02-21,COD,,BDI,,refugees,5,stock,,,TEST FIXTURE,T,https://example.org/t,,' + 'x' * 200_000\n"
        "assert len(read_csv((header + '\\n' + row + '\\n').encode(), FIGURES).frame) == 1\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1]


# --- Real-world variations found by an audit of the documented layouts -------------------------------

def _dtm_lines() -> list[str]:
    return (FORMATS / "dtm_admin0_2.csv").read_text(encoding="utf-8").splitlines()


def test_dtm_columns_in_another_order_still_take_the_reporting_date_not_the_year():
    header, tags, *body = [line.split(",") for line in _dtm_lines()]
    order = [11, 12] + [i for i in range(len(header)) if i not in (11, 12)]  # year and month columns first
    text = "\n".join(",".join(cells[i] for i in order) for cells in [header, tags, *body]) + "\n"
    parsed, result = read(text.encode())
    assert rows(result) == DTM_ROWS  # as_of from #date+reported: 2025-03-31, never 2025-12-31 from the year
    assert not any("end-of-year" in n for n in parsed.notes)


def test_dtm_admin_levels_written_as_decimals_are_the_same_levels():
    header, tags, *body = _dtm_lines()
    resaved = [",".join(c + ".0" if i == 8 else c for i, c in enumerate(line.split(","))) for line in body]
    parsed, result = read("\n".join([header, tags, *resaved]).encode() + b"\n")
    assert rows(result) == DTM_ROWS  # "2.0" is admin 2 (not counted), "0.0" the national total
    assert "3 row(s) below province level were not imported" in parsed.notes[0]


def test_dtm_rows_carry_their_operation_assessment_and_round_and_a_clash_says_where_rows_differ():
    header, tags, *body = _dtm_lines()
    sa = body[1].replace(",2600000,", ",310000,").replace(",BA,", ",SA,")
    _, result = read("\n".join([header, tags, body[1], sa]).encode() + b"\n")
    first, second = (p.message for p in result.problems if p.severity == "error")
    assert "figure '2600000' here, '310000' in row 4" in first
    assert "assessment type: BA; round: 7' here" in first and "assessment type: SA; round: 7' in row 4" in first
    _, clean = read(FORMATS / "dtm_admin0_2.csv")
    assert clean.frame["notes"].str.fullmatch(
        r"DTM operation: TEST FIXTURE made-up figures; assessment type: BA; round: [67]").all()


def test_hapi_falls_back_to_the_standard_province_name_where_the_providers_is_empty():
    lines = (FORMATS / "hapi_idps.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",Nord-Kivu,", ",,", 1)  # provider_admin1_name empty, admin1_name North Kivu
    _, result = read(("\n".join(lines) + "\n").encode())
    assert result.problems == []
    assert ("North Kivu", 2600000) in set(zip(result.frame["destination_admin1"], result.frame["figure"]))


def test_empty_cells_after_the_last_column_are_ignored_but_filled_ones_are_not():
    header = FIGURES_HEADER
    row = "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,2025-02-01,,UNHCR,T,https://example.org/a,standard,"
    _, result = read(f"{header}\n{row},,,\n{row.replace('BDI', 'UGA')},, ,\n".encode())
    assert result.problems == [] and list(result.frame["destination_country"]) == ["BDI", "UGA"]
    _, ragged = read(f"{header}\n{row},,x\n".encode())
    assert [p.message.split(":")[0] for p in ragged.problems] == ["This row has 17 cells but the header has 15"]


def test_a_day_month_year_date_with_a_time_of_day_is_that_day():
    header = FIGURES_HEADER
    row = "21/02/2025 00:00,COD,,BDI,,asylum_seekers,42000,flow,01/02/2025 13:30:00,,UNHCR,T,https://example.org/a,standard,"
    _, result = read(f"{header}\n{row}\n".encode())
    assert result.problems == []
    assert rows(result)[0][1] == "2025-02-21" and plain(result.frame["period_start"].iloc[0]) == "2025-02-01"


@pytest.mark.parametrize(("written", "code"), [
    ("Congo DRC", "COD"), ("DR of the Congo", "COD"), ("Democratic Rep. of Congo", "COD"),
    ("Tanzanie (République-Unie de)", "TZA"), ("U.R. Tanzania", "TZA"),
])
def test_more_ways_people_write_the_countries_of_the_region(written, code):
    header = FIGURES_HEADER
    # In both country columns (asylum seekers from Kenya, and to Kenya: origin and destination must differ).
    for row, column in ((f'2025-02-21,KEN,,"{written}",,asylum_seekers,42000,flow,2025-02-01,,UNHCR,T,'
                         'https://example.org/a,standard,', "destination_country"),
                        (f'2025-02-21,"{written}",,KEN,,asylum_seekers,42000,flow,2025-02-01,,UNHCR,T,'
                         'https://example.org/a,standard,', "origin_country")):
        _, result = read(f"{header}\n{row}\n".encode())
        assert result.problems == [] and list(result.frame[column]) == [code]


def test_two_columns_for_one_population_are_refused_rather_than_one_taken_at_random():
    twins = (b"iso3,year,idps,idps (individuals),source,title,url\n"
             b"#country+code,#date+year,#affected+idps,#affected+idps+ind,#meta+source,#meta+title,#meta+url\n"
             b"COD,2024,6200000,6100000,TEST FIXTURE,GRID,https://example.org/test/idmc\n")
    with pytest.raises(UnreadableFile) as exc:
        read_csv(twins, FIGURES, Options(measure="stock"))
    assert str(exc.value) == (
        "Columns 'idps' (#affected+idps) and 'idps (individuals)' (#affected+idps+ind) both hold #affected+idps "
        "figures, and the dashboard will not guess which one is meant: keep one column per population type and "
        "measure (stock or flow), or use the template.")


# --- HXL attributes that make a count part of the people (hxlstandard.org dictionary) ------------------------

HXL_REFUGEES = "#date,#country+code+origin,#country+code+asylum,{tags},#meta+source,#meta+title,#meta+url"
PART_NOTE = ("Column '#affected+refugees+f+children' (female, children) was not read: its hashtag says it counts only "
             "part of the people, and a part is never stored as the whole population. To import such a figure as a "
             "subset, put it in a file of its own as the figure column, with a scope saying what it counts (e.g. "
             "'girls only', 'displaced by conflict only').")


def hxl_refugees(tags: str, *values: str) -> bytes:
    row = f"2025-03-01,COD,BDI,{','.join(values)},TEST FIXTURE,T,https://example.org/test/sadd"
    return f"{HXL_REFUGEES.format(tags=tags)}\n{row}\n".encode()


def test_a_count_of_girls_alone_is_never_read_as_all_the_refugees():
    parsed, result = read(hxl_refugees("#affected+refugees+f+children", "12000"), options=Options(measure="stock"))
    assert [(p.row, p.column, p.message) for p in result.problems] == [(None, "figure", (
        "Required column 'figure' (#affected+num) is missing: no column of this file counts all the people it names "
        "(#affected+refugees+f+children: not read, as the notes say why). Add a column of whole-population figures "
        "(e.g. #affected+refugees), or import a part as a subset in a file of its own, with a scope saying what it "
        "counts."))]
    assert result.frame.empty
    assert PART_NOTE in parsed.notes
    assert parsed.column_map["#affected+refugees+f+children"] == "(not read: counts part of the people)"
    assert not any(n.startswith("Ignored columns") for n in parsed.notes)


def test_beside_the_total_a_part_is_skipped_with_a_note_and_the_total_is_read():
    parsed, result = read(hxl_refugees("#affected+refugees,#affected+refugees+f+children", "60000", "12000"),
                          options=Options(measure="stock"))
    assert result.problems == []
    assert rows(result) == [(2, "2025-03-01", "COD", "BDI", None, "refugees", 60000, "stock", None, None)]
    assert PART_NOTE in parsed.notes


@pytest.mark.parametrize("attribute", [
    "f", "m", "i", "infants", "children", "adolescents", "youth", "adults", "elderly", "age0_4", "age_5_12",
    "age60_", "age65plus", "disabled", "incamp", "noncamp", "urban", "rural", "conflict", "disaster", "inneed",
    "targeted", "reached", "killed", "hh", "pct"])
def test_a_count_restricted_by_an_hxl_attribute_is_not_the_figure(attribute):
    _, alone = read(hxl_refugees(f"#affected+refugees+{attribute}", "12000"), options=Options(measure="stock"))
    assert located(alone) == {(None, "figure", "error")} and alone.frame.empty
    _, beside = read(hxl_refugees(f"#affected+refugees+{attribute},#affected+refugees", "12000", "60000"),
                     options=Options(measure="stock"))
    assert beside.problems == [] and list(beside.frame["figure"]) == [60000]


@pytest.mark.parametrize("attribute", ["ind", "total", "stock", "displaced", "i_en", "v_iso3"])
def test_an_attribute_that_restricts_nothing_leaves_the_count_whole(attribute):
    _, result = read(hxl_refugees(f"#affected+refugees+{attribute}", "60000"), options=Options(measure="stock"))
    assert result.problems == []
    assert rows(result) == [(2, "2025-03-01", "COD", "BDI", None, "refugees", 60000, "stock", None, None)]


def test_households_are_no_count_of_people_and_the_note_says_so():
    parsed, result = read(hxl_refugees("#affected+refugees,#affected+refugees+hh", "60000", "15000"),
                          options=Options(measure="stock"))
    assert result.problems == [] and list(result.frame["figure"]) == [60000]
    assert ("Column '#affected+refugees+hh' (households) was not read: its hashtag says it counts no people (the "
            "dashboard stores numbers of people).") in parsed.notes


def test_many_age_and_sex_columns_are_named_five_at_a_time_in_one_note():
    tags = ",".join(f"#affected+refugees+{s}+age{a}" for a in ("0_4", "5_11", "12_17") for s in "fm")
    parsed, _ = read(hxl_refugees(tags, *"123456"), options=Options(measure="stock"))
    [note] = [n for n in parsed.notes if n.startswith("Columns ")]
    assert note.startswith("Columns '#affected+refugees+f+age0_4' (female, ages 0-4); '#affected+refugees+m+age0_4' "
                           "(male, ages 0-4); ")
    assert ("(female, ages 12-17) and 1 more were not read: their hashtags say they count only part of the people"
            in note)


IDMC_HEADER = ("iso3,year,new displacements,idps,source,title,url\n"
               "#country+code,#date+year,#affected+idps+ind+newdisp{cause},#affected+idps+ind+stock{cause},"
               "#meta+source,#meta+title,#meta+url\n")


def test_new_displacements_beside_the_stock_are_a_flow_over_the_year_never_a_stock():
    idmc = IDMC_HEADER.format(cause="") + "COD,2024,3000000,6200000,TEST FIXTURE,GRID,https://example.org/test/idmc\n"
    parsed, result = read(idmc.encode(), options=Options(measure="stock"))  # the option fills only the stock
    assert result.problems == []
    assert rows(result) == [
        (3, "2024-12-31", "COD", "COD", None, "idps", 6200000, "stock", None, NATIONAL),
        (3, "2024-12-31", "COD", "COD", None, "idps", 3000000, "flow", "2024-01-01", NATIONAL),
    ]
    assert parsed.column_map["new displacements"] == "figure (idps, new displacements: flow)"
    assert ("New displacements in a yearly file count people displaced during the year: they were read as flows from "
            "1 January to 31 December, never as the number displaced at the year's end.") in parsed.notes


def test_a_single_column_of_new_displacements_is_a_flow_even_when_the_editor_says_stock():
    text = ("#date,#country+code,#adm1+name,#affected+idps+newdisp,#meta+source,#meta+title,#meta+url\n"
            "2025-03-01,COD,Nord-Kivu,150000,TEST FIXTURE,T,https://example.org/test/n\n")
    parsed, result = read(text.encode(), options=Options(measure="stock"))
    assert result.problems == []
    assert rows(result) == [(2, "2025-03-01", "COD", "COD", "North Kivu", "idps", 150000, "flow", None, None)]
    assert "New displacements were read as flows, never as the number displaced at the date." in parsed.notes


def test_new_displacements_in_the_template_figure_column_are_flows():
    text = ("#date,#country+code+origin,#country+code+asylum,#population+type,#affected+num+newdisp,#meta+source,"
            "#meta+title,#meta+url\n2025-03-01,COD,BDI,refugees,5000,TEST FIXTURE,T,https://example.org/test/n\n")
    _, result = read(text.encode())
    assert result.problems == []
    assert rows(result) == [(2, "2025-03-01", "COD", "BDI", None, "refugees", 5000, "flow", None, None)]


def test_idmc_columns_of_conflict_idps_are_parts_and_none_is_read_as_all_the_idps():
    idmc = (IDMC_HEADER.format(cause="+conflict")
            + "COD,2024,3000000,6200000,TEST FIXTURE,GRID,https://example.org/test/i\n")
    parsed, result = read(idmc.encode(), options=Options(measure="stock"))
    assert located(result) == {(None, "figure", "error")} and result.frame.empty
    assert ("Columns 'new displacements' (#affected+idps+ind+newdisp+conflict: displaced by conflict); 'idps' "
            "(#affected+idps+ind+stock+conflict: displaced by conflict) were not read: their hashtags say they count "
            "only part of the people") in " ".join(parsed.notes)


def test_idp_figures_without_a_province_column_are_national_totals_and_the_notes_say_so():
    header = "as_of,origin_country,destination_country,population_type,figure,measure,source_org,source_title,source_url"
    parsed, result = read(f"{header}\n2025-02-21,COD,COD,idps,42000,stock,X,T,https://example.org/a\n".encode())
    assert list(result.frame["scope"]) == [NATIONAL]
    assert any(n.startswith("The file has no province column: its 1 IDP figure(s) were read as national totals")
               for n in parsed.notes)


def test_a_file_that_is_not_utf8_says_how_it_was_read():
    header = FIGURES_HEADER
    row = "2025-02-21,COD,Sud-Kivu,BDI,,refugees,42000,flow,2025-02-01,,HCR caf\u00e9,T,https://example.org/a,standard,"
    parsed, result = read(f"{header}\n{row}\n".encode("cp1252"))
    assert result.problems == [] and list(result.frame["source_org"]) == ["HCR caf\u00e9"]
    assert any(n.startswith("The file is not UTF-8: it was read as Windows-1252") for n in parsed.notes)
    utf8, _ = read(f"{header}\r\n{row}\r\n".encode("utf-8"))
    assert not any("UTF-8" in n for n in utf8.notes)


def test_an_old_dtm_hashtag_row_with_a_tag_missing_its_hash_is_still_the_hashtag_row():
    header, tags, *body = _dtm_lines()
    old = tags.replace("#affected+idps", "affected+idps")
    parsed, result = read("\n".join([header, old, *body]).encode() + b"\n")
    assert parsed.rows_read == len(body) and rows(result) == DTM_ROWS


def test_several_dtm_operations_in_one_file_are_named_in_a_note():
    header, tags, *body = _dtm_lines()
    crisis = body[1].replace("TEST FIXTURE made-up figures", "Evaluation Rapide de Crise M23").replace(
        "2025-03-31", "2025-04-15")
    parsed, result = read("\n".join([header, tags, *body, crisis]).encode() + b"\n")
    assert any(n.startswith("The file holds 2 DTM operations (Evaluation Rapide de Crise M23; TEST FIXTURE")
               for n in parsed.notes)
    assert "DTM operation: Evaluation Rapide de Crise M23" in set(result.frame["notes"].str.split(";").str[0])


def test_a_portal_series_whose_date_column_is_named_data_date_reads_the_same():
    options = Options(destination_country="BDI", population_type="refugees", measure="stock")
    text = (FORMATS / "unhcr_portal_timeseries.csv").read_bytes().replace(b"date;individuals", b"data_date;individuals")
    parsed, result = read(text, options=options)
    assert parsed.format == "UNHCR data portal time series" and parsed.header_rows == 2
    assert result.problems == [] and [r[1] for r in rows(result)] == ["2025-02-10", "2025-02-15", "2025-02-20"]


def test_an_english_figure_with_thousands_commas_and_zero_decimals_is_read():
    header = FIGURES_HEADER
    good = '2025-02-21,COD,,BDI,,refugees,"42,000.00",flow,2025-02-01,,UNHCR,T,https://example.org/a,standard,'
    half = good.replace('"42,000.00"', '"42,000.50"').replace("BDI", "UGA")
    _, result = read(f"{header}\n{good}\n{half}\n".encode())
    assert list(result.frame["figure"]) == [42000]
    assert [(p.row, p.column, p.value) for p in result.problems] == [(3, "figure", "42,000.50")]  # not whole people


def test_flows_without_a_start_date_are_kept_with_a_note_saying_what_that_means():
    options = Options(destination_country="BDI", population_type="refugees", measure="flow")
    parsed, result = read(FORMATS / "unhcr_portal_timeseries.csv", options=options)
    assert result.problems == [] and result.frame["period_start"].isna().all()
    assert any(n.startswith("3 flow figure(s) have no start date") for n in parsed.notes)
    dated, _ = read(FORMATS / "unhcr_portal_timeseries.csv",
                    options=Options(destination_country="BDI", population_type="refugees", measure="flow",
                                    period_start="2025-01-01"))
    assert not any("no start date" in n for n in dated.notes)


def test_a_figure_qualifier_is_read_in_the_words_people_write_and_an_unknown_one_is_located():
    lines = [FIGURES_HEADER.replace(",figure,", ",figure,qualificatif,")]
    words = ["plus de", "More than", ">", "au moins", "environ", "", "jusqu'à", "env.", "Moins de", "<", "roughly"]
    for day, word in enumerate(words, start=1):
        lines.append(f"2025-02-{day:02d},COD,,BDI,,refugees,{1000 + day},{word},stock,,,UNHCR,T,https://example.org/{day},,")
    parsed, result = read("\n".join(lines).encode())
    assert parsed.column_map["qualificatif"] == "figure_qualifier"  # the French header name
    assert list(result.frame["figure_qualifier"].fillna("")) == [
        "more_than", "more_than", "more_than", "at_least", "about", "", "up_to", "about", "fewer_than", "fewer_than"]
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value, problem.severity) == (12, "qualificatif (figure_qualifier)", "roughly", "error")
    assert "more_than, at_least, about, up_to, fewer_than" in problem.message and "'plus de'" in problem.message


def test_every_word_the_qualifier_hint_promises_is_read():
    # The hint after the allowed codes lists words people write; each must really be read, as the value it names.
    import re

    from dashboards.schema import QUALIFIERS, VALUE_SYNONYMS
    from dashboards.validate import ALLOWED_HINTS

    promised = re.findall(r"'([^']+(?:'à)?)'", ALLOWED_HINTS["figure_qualifier"])
    assert len(promised) >= 10
    read = VALUE_SYNONYMS["figure_qualifier"] | {q: q for q in QUALIFIERS} | {"about": "about"}
    assert [w for w in promised if w.lower() not in read] == []
    # and each value has at least one word in the hint, so that no value is only reachable by its code
    assert {read[w.lower()] for w in promised} == set(QUALIFIERS)

"""Files QA sent in: footers, hashtag-only headers, curly apostrophes, invisible characters, pasted files.

Every figure here is made up for the tests (source 'TEST FIXTURE' or a placeholder); they are not data.
"""

from datetime import date


from dashboards.ingest import read_csv
from dashboards.schema import CONTROL, FIGURES
from dashboards.validate import validate

from .conftest import CONTROL_HEADER, FIGURES_HEADER

TODAY = date(2026, 1, 1)
UNHCR_HEADER = ("Year,Country of Origin Code,Country of Asylum Code,Country of Origin Name,Country of Asylum Name,"
                "Refugees,Asylum seekers,Other people in need of international protection,"
                "Internally displaced persons,Stateless Persons,Others of concern to UNHCR,Host community")


def check(text: str, table=FIGURES, options=None):
    parsed = read_csv(text.encode("utf-8"), table, options)
    return parsed, validate(parsed, today=TODAY)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def figures(result) -> list[tuple]:
    frame = result.frame
    return [(int(r), str(a.date()), d, p, int(f)) for r, a, d, p, f in
            frame[["as_of", "destination_country", "population_type", "figure"]].itertuples()]


# --- 1. UNHCR yearly files with a footer, a total row or a stray cell in the Year column ------------

def test_a_unhcr_source_footer_does_not_stop_years_being_read_as_end_of_year():
    text = lines(UNHCR_HEADER,
                      "2023,COD,BDI,Dem. Rep. of the Congo,Burundi,90000,2000,0,0,0,0,0",
                      "2024,COD,BDI,Dem. Rep. of the Congo,Burundi,100000,2500,0,0,0,0,0",
                      "Source: UNHCR Refugee Population Statistics Database,,,,,,,,,,,")
    parsed, result = check(text)
    assert result.problems == []
    assert figures(result) == [(2, "2023-12-31", "BDI", "refugees", 90000),
                               (2, "2023-12-31", "BDI", "asylum_seekers", 2000),
                               (3, "2024-12-31", "BDI", "refugees", 100000),
                               (3, "2024-12-31", "BDI", "asylum_seekers", 2500)]
    assert "1 row(s) of totals or source notes were not imported (row(s) 4)." in parsed.notes


def test_a_unhcr_total_row_and_dashes_are_not_figures():
    text = lines(UNHCR_HEADER,
                      "2024,COD,BDI,Dem. Rep. of the Congo,Burundi,100000,-,-,-,-,-,-",
                      "2024,COD,UGA,Dem. Rep. of the Congo,Uganda,600000,30000,-,-,-,-,-",
                      "2024,COD,Total,,,700000,30000,,,,,")
    parsed, result = check(text)
    assert result.problems == []
    assert figures(result) == [(2, "2024-12-31", "BDI", "refugees", 100000),
                               (3, "2024-12-31", "UGA", "refugees", 600000),
                               (3, "2024-12-31", "UGA", "asylum_seekers", 30000)]


def test_a_year_not_yet_over_is_quoted_as_written_and_told_apart_from_its_end_which_is_to_come():
    year = TODAY.year
    text = lines(UNHCR_HEADER,
                 f"{year - 1},COD,BDI,Dem. Rep. of the Congo,Burundi,100000,2500,0,0,0,0,0",
                 f"{year},COD,UGA,Dem. Rep. of the Congo,Uganda,600000,0,0,0,0,0,0")
    _, result = check(text)
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (3, "Year (as_of)", str(year))  # the year, as written
    assert problem.message.startswith(f"is a year, read as its end (31 December {year}), which is after today")
    assert f"e.g. {year}-06-30" in problem.message
    assert figures(result) == [(2, f"{year - 1}-12-31", "BDI", "refugees", 100000),
                               (2, f"{year - 1}-12-31", "BDI", "asylum_seekers", 2500)]


def test_a_stray_cell_in_the_year_column_is_reported_once_and_the_other_years_are_read():
    text = lines(UNHCR_HEADER,
                      "2024,COD,BDI,Dem. Rep. of the Congo,Burundi,100000,2500,0,0,0,0,0",
                      "24,COD,UGA,Dem. Rep. of the Congo,Uganda,600000,30000,0,0,0,0,0")
    _, result = check(text)
    assert [(p.row, p.column, p.value) for p in result.problems] == [(3, "Year (as_of)", "24")]
    assert figures(result) == [(2, "2024-12-31", "BDI", "refugees", 100000),
                               (2, "2024-12-31", "BDI", "asylum_seekers", 2500)]


# --- 2. A hashtag row with no text header above it (HXL Proxy's "strip headers") ---------------------

def test_a_first_row_of_hashtags_is_the_hashtag_row_of_a_figures_file():
    parsed, result = check(lines(
        "#date,#country+code+origin,#country+code+asylum,#population+type,#affected+num,#indicator+measure,"
        "#meta+source,#meta+title,#meta+url",
        "2025-02-21,COD,BDI,refugees,42000,stock,TEST FIXTURE,T,https://example.org/h"))
    assert parsed.format == "HXL-tagged CSV" and parsed.header_rows == 1
    assert result.problems == []
    assert figures(result) == [(2, "2025-02-21", "BDI", "refugees", 42000)]


def test_a_first_row_of_hashtags_is_the_hashtag_row_of_a_control_file():
    _, result = check(lines(
        "#date,#loc+name,#adm1+name,#geo+lat,#geo+lon,#group+name,#event+type,#meta+source,#meta+title,#meta+url",
        "2025-01-27,Goma,North Kivu,-1.67409,29.22845,M23/AFC,captured,R,T,https://example.org/g"), CONTROL)
    assert result.problems == []
    assert list(result.frame.index) == [2]
    assert result.frame.loc[2, "locality"] == "Goma" and result.frame.loc[2, "lat"] == -1.67409


# --- 3. Curly apostrophes in French headers and values ---------------------------------------------

def test_curly_apostrophes_in_french_headers_and_values_are_read_as_plain_ones():
    parsed, result = check(lines(
        "\ufeffDate;Pays d\u2019origine;Pays d\u2019asile;Type de population;Chiffre;Mesure;Source;Titre;Lien",
        "21/02/2025;RDC;Burundi;demandeurs d\u2019asile;1 250;stock;HCR;Test;https://example.org/ap"))
    assert {"Pays d\u2019origine": "origin_country", "Pays d\u2019asile": "destination_country"}.items() <= \
        parsed.column_map.items()
    assert result.problems == []
    assert figures(result) == [(2, "2025-02-21", "BDI", "asylum_seekers", 1250)]


# --- 4. Invisible characters and the Unicode minus in numbers and coordinates -----------------------

TEMPLATE_ROW = "2025-02-21,COD,,{country},,refugees,{figure},stock,,,TEST FIXTURE,T,https://example.org/a,standard,"
GOMA = "2025-01-27,Goma,Goma (city),North Kivu,{lat},{lon},GeoNames,M23/AFC,captured,R,T,https://example.org/g,,"


def test_invisible_characters_in_a_figure_are_ignored():
    rows = [TEMPLATE_ROW.format(country=c, figure=f) for c, f in
            (("BDI", "42\u200b000"), ("UGA", "\u202d42000\u202c"), ("RWA", "\ufeff42\u2060000\u200e"),
             ("TZA", "\u200f42000\u202a"))]
    _, result = check(lines(FIGURES_HEADER, *rows))
    assert result.problems == []
    assert [f for *_, f in figures(result)] == [42000] * 4


def test_a_unicode_minus_in_a_coordinate_is_a_minus():
    _, result = check(lines(CONTROL_HEADER, GOMA.format(lat="\u22121.67409", lon="29.22845\u200b")), CONTROL)
    assert result.problems == []
    assert (result.frame.loc[2, "lat"], result.frame.loc[2, "lon"]) == (-1.67409, 29.22845)


# --- 5. Two UTF-8 files with byte-order marks pasted together ------------------------------------

def test_a_repeated_header_after_a_byte_order_mark_is_a_repeated_header():
    first = TEMPLATE_ROW.format(country="BDI", figure="42000")
    second = TEMPLATE_ROW.format(country="BDI", figure="43000").replace("2025-02-21", "2025-02-28")
    _, result = check(lines("\ufeff" + FIGURES_HEADER, first, "\ufeff" + FIGURES_HEADER, second))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, None, "This row repeats the header: delete it (were two files pasted together?).")]
    assert list(result.frame.index) == [2, 4]


# --- 6. No follow-on errors for a cell already in error ---------------------------------------------

def test_an_unknown_province_is_not_also_reported_as_empty():
    idps = "2025-04-01,COD,,COD,Kivu Nordd,idps,1000,stock,,,TEST FIXTURE,T,https://example.org/p,standard,"
    _, result = check(lines(FIGURES_HEADER, idps))
    assert [(p.row, p.column, p.value) for p in result.problems] == [(2, "destination_admin1", "Kivu Nordd")]


def test_an_unreadable_latitude_is_not_also_half_coordinates_nor_a_new_locality_without_coordinates():
    current = check(lines(CONTROL_HEADER, GOMA.format(lat="-1.67409", lon="29.22845")), CONTROL)[1].frame
    data = lines(CONTROL_HEADER, GOMA.format(lat="-1.35 S", lon="28.98").replace("Goma,Goma (city)", "Mweso,Mweso"))
    result = validate(read_csv(data.encode(), CONTROL), today=TODAY, current=current)
    assert [(p.row, p.column, p.value) for p in result.problems] == [(2, "lat", "-1.35 S")]

"""Each accepted layout, read and validated, gives exactly the rows expected (fixtures: tests/fixtures/layouts)."""

from datetime import date

from dashboards.ingest import Options, read_path
from dashboards.schema import CONTROL, FIGURES
from dashboards.validate import validate

from .conftest import FIXTURES

LAYOUTS = FIXTURES / "layouts"
COLUMNS = ["as_of", "origin_country", "destination_country", "destination_admin1", "population_type", "figure",
           "measure", "scope"]


def rows(name, table=FIGURES, options=None):
    parsed = read_path(LAYOUTS / name, table, options)
    result = validate(parsed, today=date(2026, 1, 1))
    assert result.ok, [str(p) for p in result.problems]
    frame = result.frame[COLUMNS] if table is FIGURES else result.frame
    out = [tuple(None if v != v else (str(v.date()) if hasattr(v, "date") else v) for v in r)
           for r in frame.itertuples(index=False)]
    return parsed.format, out


def test_dtm_keeps_province_and_national_rows_and_never_adds_admin_2():
    fmt, got = rows("dtm_admin0_2.csv")
    assert fmt == "IOM DTM admin 0-2 export"
    assert got == [
        ("2025-03-31", "COD", "COD", None, "idps", 6000000, "stock", "National total"),
        ("2025-03-31", "COD", "COD", "North Kivu", "idps", 2500000, "stock", None),
        ("2025-03-31", "COD", "COD", "South Kivu", "idps", 1400000, "stock", None),
    ]


def test_hapi_provider_names_match_our_provinces():
    fmt, got = rows("hapi_idps.csv")
    assert fmt == "HDX HAPI IDP table"
    assert got == [("2025-03-31", "COD", "COD", "North Kivu", "idps", 2500000, "stock", None)]


def test_unhcr_feed_years_scientific_notation_zeros_and_other_origins():
    fmt, got = rows("unhcr_hdx_feed.csv")
    assert fmt == "UNHCR population statistics"
    assert got == [
        ("2024-12-31", "COD", "BDI", None, "refugees", 100000, "stock", None),
        ("2024-12-31", "COD", "BDI", None, "asylum_seekers", 2500, "stock", None),
        ("2024-12-31", "COD", "COD", None, "idps", 6000000, "stock", "National total"),
    ]


def test_a_portal_time_series_takes_country_type_and_measure_from_the_editor():
    options = Options(destination_country="Burundi", population_type="refugees", measure="stock")
    fmt, got = rows("unhcr_portal_series.csv", options=options)
    assert fmt == "UNHCR data portal time series"
    assert got == [
        ("2025-02-10", "COD", "BDI", None, "refugees", 9000, "stock", None),
        ("2025-02-20", "COD", "BDI", None, "refugees", 40000, "stock", None),
    ]


def test_a_french_excel_file_with_spaces_in_numbers_and_day_first_dates():
    _, got = rows("excel_fr_cp1252.csv")
    assert got == [("2025-02-21", "COD", "UGA", None, "refugees", 42000, "flow", None)]


def test_control_events_by_hashtag_with_french_province_and_group_names():
    fmt, got = rows("control_hxl.csv", CONTROL)
    assert fmt == "HXL-tagged CSV"
    [goma] = got
    assert goma[:4] == ("2025-01-27", "Goma", None, "North Kivu")
    assert goma[6:9] == (None, "M23/AFC", "captured")


def test_a_zero_with_a_decimal_comma_in_a_wide_table_is_no_figure_as_any_zero():
    from dashboards.ingest import read_csv

    text = ("Year;ISO3CoO;ISO3CoA;REF;ASY\n#date+year;#country+origin+code;#country+asylum+code;#affected+refugees;"
            "#affected+asylum_seekers\n2024;COD;BDI;100 000,00;0,00\n")
    result = validate(read_csv(text.encode(), FIGURES), today=date(2026, 1, 1))
    assert result.problems == []
    assert [(r.population_type, r.figure) for r in result.frame.itertuples()] == [("refugees", 100000)]


def test_the_note_on_people_of_unknown_origin_names_the_code_the_file_wrote():
    from dashboards.ingest import read_csv

    parsed = read_csv(b"Year,ISO3CoO,ISO3CoA,REF\n2024,UNK,UGA,100\n2024,COD,UGA,5000\n", FIGURES)
    assert ("1 row(s) of people of unknown origin (UNK) were not imported: they are not counted as people from COD."
            in parsed.notes)


def test_the_note_on_several_dtm_operations_says_which_were_kept_and_which_skipped():
    from dashboards.ingest import read_csv

    text = ("operation,admin0Pcode,admin1Name,adminLevel,numPresentIdpInd,reportingDate\n"
            "Mobility Tracking,COD,Nord-Kivu,1,2712345,2025-03-31\n"
            "Haiti Earthquake,HTI,,0,1068882,2010-11-30\n")
    parsed = read_csv(text.encode(), FIGURES)
    assert ("The file holds 2 DTM operations: rows of Mobility Tracking were kept; every row of Haiti Earthquake was "
            "skipped, as said above.") in parsed.notes

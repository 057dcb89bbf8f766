import io

import pandas as pd

from dashboards.builders import tables
from dashboards.builders.tables import neutralise, safe_url, to_csv_bytes
from dashboards.schema import FIGURES


def test_cells_a_spreadsheet_would_run_are_neutralised_and_numbers_are_not():
    assert neutralise("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    for start in ("+", "-", "@", "\t", "\r"):
        assert neutralise(start + "x") == "'" + start + "x"
    assert neutralise(-5) == -5 and neutralise("Goma") == "Goma"


def test_a_csv_download_keeps_numbers_and_dates_readable():
    df = pd.DataFrame({"as_of": pd.to_datetime(["2025-02-21"]), "figure": [-5], "notes": ["=1+1"]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df)))
    assert back.loc[0, "as_of"] == "2025-02-21" and back.loc[0, "figure"] == -5 and back.loc[0, "notes"] == "'=1+1"


def test_an_hxl_download_has_the_hashtag_row_under_the_header():
    df = pd.DataFrame({"as_of": pd.to_datetime(["2025-02-21"]), "figure": [1]})
    data = to_csv_bytes(df, FIGURES, hxl=True)
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[:2] == ["as_of,figure", "#date,#affected+num"]


def test_only_web_addresses_become_table_links():
    assert safe_url("https://a.org") == "https://a.org"
    assert safe_url("javascript:alert(1)") is None and safe_url(None) is None


def test_tables_for_reading_show_dates_without_time_and_blanks_not_none():
    from dashboards.builders.tables import readable

    frame = pd.DataFrame({
        "date": pd.to_datetime(["2025-02-20", None]), "text": pd.Series(["Goma", None], dtype="str"),
        "figure": pd.array([42000, None], dtype="Int64"), "Link": [None, "https://example.org"],
    })
    out = readable(frame, keep=("Link",))
    assert out["date"].tolist() == ["2025-02-20", ""] and out["text"].tolist() == ["Goma", ""]
    assert out["figure"].dtype == "Int64" 
    assert pd.isna(out["Link"][0]) and out["Link"][1] == "https://example.org"  # links are left alone


# The width the figures table gets in a 1400-pixel-wide window beside the navigation (measured in Chromium).
TABLE_WIDTH_AT_1400 = 940


def test_the_figures_table_puts_date_and_source_where_a_1400_pixel_window_shows_them():
    from dashboards.builders.tables import FIGURES_TABLE_FIRST, figures_display
    from dashboards.config import SEEDS_DIR
    from dashboards.seeds import read_seed

    table = figures_display(read_seed(SEEDS_DIR / "figures.csv", FIGURES), {})
    first = list(FIGURES_TABLE_FIRST)
    assert list(table.columns[: len(first)]) == first
    assert {"As of", "Figure", "Source", "Link"} <= set(first)
    assert sum(FIGURES_TABLE_FIRST.values()) <= TABLE_WIDTH_AT_1400
    assert set(table.columns) - set(first) == {"Figure as the source words it", "Stock or flow", "Counted since",
                                               "From", "Scope", "Title", "Confidence", "Notes"}


def test_a_figures_row_says_in_its_first_columns_what_the_number_covers_and_whose_people_they_are():
    from dashboards.builders.tables import FIGURES_TABLE_FIRST, figures_display
    from dashboards.config import SEEDS_DIR
    from dashboards.seeds import read_seed

    table = figures_display(read_seed(SEEDS_DIR / "figures.csv", FIGURES), {"COD": "DR Congo", "BDI": "Burundi"})
    first = table[list(FIGURES_TABLE_FIRST)]
    rows = {(r["As of"], r["Figure"]): r for r in first.to_dict("records")}
    # Seeds: OCHA's 2.8 million IDPs in North Kivu (11 Jan 2025) is a province's stock; UNHCR's 17,000 of
    # 4 Mar 2025 counts Goma's sites only, from a report of low confidence.
    assert rows[("2025-01-11", 2800000)]["What it counts"] == "stock"
    assert rows[("2025-03-04", 17000)]["What it counts"] == "stock [Goma sites only] · low confidence"
    assert rows[("2025-01-25", 120000)]["What it counts"] == (
        "about the figure · flow since 1 Jan 2025 [Masisi and Kirotshe health zones only]")
    assert rows[("2025-02-19", 10000)]["What it counts"] == "more than the figure · flow, start not stated"
    assert rows[("2025-02-19", 10000)]["Who"] == "refugees from South Kivu"
    assert rows[("2025-03-04", 209000)]["Who"] == "returnees"  # from North Kivu, where they are: no 'from'
    # The parts stay in columns of their own further right, to sort and filter by.
    assert set(table["Stock or flow"]) == {"stock", "flow"} and "Goma sites only" in set(table["Scope"])


def test_the_version_list_reads_who_when_what_and_what_changed_first_and_the_fingerprint_last():
    versions = pd.DataFrame([{"id": 2, "created_at": "2025-03-01 10:00:00", "mode": "merge", "tables": "figures",
                              "editor": "editor (web)", "file_name": "unhcr.csv", "sha256": "ab" * 32, "added": 3,
                              "changed": 1, "unchanged": 80, "removed": 0, "note": None, "rows_in_file": 4}])
    shown = tables.versions_display(versions)
    assert list(shown.columns)[:8] == ["id", "created_at", "editor", "file_name", "added", "changed", "removed",
                                       "note"]
    assert list(shown.columns)[-1] == "sha256" and "rows_in_file" not in shown
    assert shown.loc[0, "note"] == "" and tables.VERSION_COLUMNS["created_at"] == "Time"


def test_a_problem_says_where_and_what_to_do_before_the_value_as_written():
    from dashboards.problems import Problem

    problem = Problem(row=4, column=None, value="2025-07-04,COD,South Kivu," + "x" * 200, message="Fix the quote.")
    shown = tables.problems_display([problem.as_dict()])
    assert list(shown.columns) == ["severity", "row", "column", "message", "value"]
    assert shown.loc[0].tolist()[:4] == ["error", "4", "", "Fix the quote."]

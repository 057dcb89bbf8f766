import io

import pandas as pd

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
    lines = to_csv_bytes(df, FIGURES, hxl=True).decode().splitlines()
    assert lines[:2] == ["as_of,figure", "#date,#affected+num"]


def test_only_web_addresses_become_table_links():
    assert safe_url("https://a.org") == "https://a.org"
    assert safe_url("javascript:alert(1)") is None and safe_url(None) is None

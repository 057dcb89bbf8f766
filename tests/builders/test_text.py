import re

import pandas as pd

from dashboards.builders import text as t


def test_html_and_template_literal_characters_become_inert_text():
    assert t.esc("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert t.esc("`${alert(1)}` \\u{zz}") == "&#96;&#36;{alert(1)}&#96; &#92;u{zz}"
    assert t.esc(None) == "" and t.esc(float("nan")) == ""


def test_only_http_addresses_become_links():
    row = {"source_org": "UNHCR", "source_title": "Update", "source_url": "javascript:alert(1)"}
    assert "<a" not in t.source_html(row)
    row["source_url"] = "https://example.org/a?b=1&c=2"
    html = t.source_html(row)
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html and 'rel="noopener noreferrer"' in html


def test_figures_and_dates_read_as_people_write_them():
    assert t.fmt_int(1395604) == "1,395,604"
    assert t.fmt_date(pd.Timestamp("2025-02-21")) == "21 Feb 2025"


def test_a_figure_says_what_it_counts():
    row = {"figure": 70000, "population_type": "refugees", "destination_country": "BDI",
           "destination_admin1": None, "scope": None, "measure": "flow",
           "period_start": pd.Timestamp("2025-01-01"), "as_of": pd.Timestamp("2025-03-31")}
    assert t.figure_sentence(row, {"BDI": "Burundi"}) == (
        "70,000 refugees in Burundi, newly displaced since 1 Jan 2025 (flow), as of 31 Mar 2025"
    )
    row["measure"] = "stock"
    assert "total at that date (stock)" in t.figure_sentence(row, {})


# The patterns by which Streamlit's Markdown (remark-gfm) turns bare addresses into links; it applies
# them to the text after backslash escapes and character references are resolved.
GFM_AUTOLINK_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
GFM_AUTOLINK_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def test_no_address_in_text_becomes_a_link_and_the_text_reads_the_same():
    written = "[link](http://evil.example) https://example.org/c,standard WWW.evil.example mailto:a.b@evil.example"
    shown = t.md(written)
    resolved = re.sub(r"\\(.)", r"\1", shown)  # what Markdown makes of the escapes
    assert not GFM_AUTOLINK_URL.search(resolved) and not GFM_AUTOLINK_EMAIL.search(resolved), resolved
    assert resolved.replace(t.WORD_JOINER, "") == written


def test_a_change_is_said_in_rows_per_kind():
    from dashboards.store import Preview

    assert t.change_counts(Preview(added=2, changed=0, unchanged=5, removed=1)) == "2 rows added, 1 row removed"
    assert t.change_counts(Preview(added=0, changed=0, unchanged=5, removed=0)) == "no change"


def test_a_flow_is_worded_by_who_moved_returnees_returned_and_new_arrivals_arrived():
    # Seeds: OCHA's 209,000 returnees to three territories of North Kivu, start of the period not stated.
    returnees = {"figure": 209000, "population_type": "returnees", "origin_admin1": "North Kivu",
                 "destination_country": "COD", "destination_admin1": "North Kivu",
                 "scope": "Masisi, Nyiragongo and Rutshuru territories only", "measure": "flow",
                 "period_start": None, "as_of": pd.Timestamp("2025-03-04")}
    assert t.figure_sentence(returnees, {"COD": "DR Congo"}) == (
        "209,000 returnees in North Kivu, DR Congo [Masisi, Nyiragongo and Rutshuru territories only], "
        "returned, start of period not stated (flow), as of 4 Mar 2025"
    )
    since = pd.Timestamp("2025-01-01")
    worded = {kind: t.period({**returnees, "population_type": kind, "period_start": since})
              for kind in ("returnees", "new_arrivals", "refugees", "asylum_seekers", "idps")}
    assert worded == {
        "returnees": "returned since 1 Jan 2025 (flow)",
        "new_arrivals": "arrived since 1 Jan 2025 (flow)",
        "refugees": "newly displaced since 1 Jan 2025 (flow)",
        "asylum_seekers": "newly displaced since 1 Jan 2025 (flow)",
        "idps": "newly displaced since 1 Jan 2025 (flow)",
    }
    assert "newly displaced" not in t.figure_sentence(returnees, {})


def test_the_short_wording_for_labels_is_the_same_for_every_population_which_the_label_names():
    row = {"measure": "flow", "period_start": pd.Timestamp("2025-01-01")}
    for kind in ("returnees", "new_arrivals", "refugees", "idps"):
        assert t.period({**row, "population_type": kind}, short=True) == "flow since 1 Jan 2025"
        assert t.period({**row, "population_type": kind, "period_start": None}, short=True) == "flow, start not stated"
        assert t.period({**row, "population_type": kind, "measure": "stock"}, short=True) == "stock"


def test_a_figure_reads_as_its_source_words_it():
    from dashboards.builders.text import amount, qualified

    row = {"figure": 50000, "figure_qualifier": "more_than"}
    assert amount(row) == "more than 50,000" and qualified(row) == "more than the figure · "
    assert amount({"figure": 42000, "figure_qualifier": "about"}) == "about 42,000"
    assert amount({"figure": 209000, "figure_qualifier": "at_least"}) == "at least 209,000"
    assert amount({"figure": 5000, "figure_qualifier": "up_to"}) == "up to 5,000"
    assert amount({"figure": 800, "figure_qualifier": "fewer_than"}) == "fewer than 800"
    for plain in (None, float("nan"), ""):
        assert amount({"figure": 17000, "figure_qualifier": plain}) == "17,000"
        assert qualified({"figure": 17000, "figure_qualifier": plain}) == ""
    assert amount({"figure": 17000}) == "17,000"  # a frame from before the column existed

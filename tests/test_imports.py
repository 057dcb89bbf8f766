from pathlib import Path

import pandas as pd
import pytest

from dashboards import imports
from dashboards.ingest import Options
from dashboards.schema import FIGURES
from dashboards.store import Unchanged

from .conftest import FIGURES_HEADER, own_row_from_template

NEW = "2025-12-30,COD,South Kivu,BDI,,refugees,91234,flow,2025-12-01,,UNHCR,T,https://example.org/n,standard,"
BAD = "2025-12-30,COD,,UGA,,refugees,-1,flow,,,UNHCR,T,https://example.org/b,standard,"


def csv(*rows) -> bytes:
    return ("\n".join([FIGURES_HEADER, *rows]) + "\n").encode()


def test_a_check_writes_nothing_and_previews_the_change(seeded):
    before = seeded.current_version()
    checked = imports.check(csv(NEW), "figures", store=seeded, file_name="new.csv")
    assert seeded.current_version() == before
    assert (checked.preview.added, checked.preview.changed) == (1, 0)
    latest = checked.new_latest.set_index("destination_country")
    assert latest.loc["BDI", "figure"] == 91234


def test_an_import_creates_a_version_and_the_new_figure_is_current(seeded):
    info = imports.apply(imports.check(csv(NEW), "figures", store=seeded, file_name="new.csv"), seeded, note="n")
    assert info.id == 2 and info.added == 1
    assert 91234 in set(seeded.read(FIGURES)["figure"])
    assert seeded.version(2)["file_name"] == "new.csv"


def test_errors_block_the_import_unless_only_valid_rows_are_wanted(seeded):
    checked = imports.check(csv(NEW, BAD), "figures", store=seeded)
    with pytest.raises(imports.ImportRefused, match="1 problem"):
        imports.apply(checked, seeded)
    assert seeded.current_version() == 1
    info = imports.apply(checked, seeded, valid_rows_only=True)
    assert info.added == 1


def test_replace_everything_needs_a_clean_file(seeded):
    with pytest.raises(imports.ImportRefused, match="Replace"):
        imports.apply(imports.check(csv(NEW, BAD), "figures", store=seeded, mode="replace"), seeded,
                      mode="replace", valid_rows_only=True)
    info = imports.apply(imports.check(csv(NEW), "figures", store=seeded, mode="replace"), seeded, mode="replace")
    assert list(seeded.read(FIGURES)["figure"]) == [91234]
    assert len(seeded.read(FIGURES, version=1)) > 40 and info.removed > 40


def test_skipped_rows_come_back_with_their_problems(seeded):
    checked = imports.check(csv(NEW, BAD), "figures", store=seeded)
    skipped = pd.read_csv(pd.io.common.BytesIO(imports.skipped_rows_csv(checked)))
    assert list(skipped["row"]) == [3]
    assert "figure" in skipped.loc[0, "problems"]


def test_rows_refused_for_a_province_p_code_are_counted_and_downloaded_with_their_problem(seeded):
    text = ("#date,#country+code,#adm1+code,#affected+idps,#meta+source,#meta+title,#meta+url\n"
            "2025-03-01,COD,CD61,2000000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,CD-SK,1500000,TEST FIXTURE,T,https://example.org/test/p\n"
            "2025-03-01,COD,CD-NK,abc,TEST FIXTURE,T,https://example.org/test/p\n")
    checked = imports.check(text.encode(), "figures", store=seeded, options=Options(measure="stock"))
    assert checked.summary()["Rows with errors"] == "2" and len(checked.validated.frame) == 1
    skipped = pd.read_csv(pd.io.common.BytesIO(imports.skipped_rows_csv(checked)), dtype=str, keep_default_na=False)
    assert list(skipped["row"]) == ["2", "4"]
    assert skipped.loc[0, "problems"].startswith("#adm1+code (destination_admin1): is an admin-1 code that the "
                                                 "dashboard cannot turn into a province")
    assert (skipped.loc[0, "destination_admin1"], skipped.loc[0, "figure"]) == ("CD61", "2000000")
    assert skipped.loc[1, "problems"].startswith("figure: ")


@pytest.mark.parametrize("kind, what", [("figures", "figures"), ("control", "event")])
def test_the_template_uploaded_unchanged_is_refused_at_its_example_row(seeded, kind, what):
    checked = imports.check(imports.template(kind), kind, store=seeded)
    assert checked.parsed.format == "Project template with HXL row"
    assert [(p.row, p.column, p.message) for p in checked.errors] == [
        (3, "source_url", f"This is the template's example row: replace it with your own {what} or delete it.")]
    assert checked.validated.frame.empty


def test_the_example_row_is_recognised_by_its_note_alone_and_a_row_made_ones_own_passes(seeded):
    example = imports.template("figures")
    own_source = example.replace(b"https://example.org/report", b"https://example.org/mine")
    [problem] = imports.check(own_source, "figures", store=seeded).errors
    assert (problem.row, problem.column) == (3, "notes")
    assert not imports.check(own_row_from_template("figures"), "figures", store=seeded).errors


def test_exports_are_any_version_with_optional_hxl(seeded):
    imports.apply(imports.check(csv(NEW), "figures", store=seeded), seeded)
    v1 = imports.export(seeded, "figures", version=1).decode("utf-8-sig")
    v2 = imports.export(seeded, "figures", version=2, hxl=True).decode("utf-8-sig")
    assert "91234" not in v1 and "91234" in v2
    assert v2.splitlines()[1].startswith("#date,")


def test_check_and_apply_report_their_steps_in_order(seeded):
    heard = []
    checked = imports.check(csv(NEW), "figures", store=seeded, progress=lambda done, what: heard.append((done, what)))
    imports.apply(checked, seeded, progress=lambda done, what: heard.append((done, what)))
    assert [what.split()[0] for _, what in heard] == [
        "Reading", "Checking", "Comparing", "Checked", "Storing", "Waiting", "Comparing", "Writing", "Stored"]
    assert heard[3] == (1.0, "Checked 1 row") and heard[-1] == (1.0, "Stored as version 2")
    check_shares, store_shares = [done for done, _ in heard[:4]], [done for done, _ in heard[4:]]
    assert check_shares == sorted(check_shares) and store_shares == sorted(store_shares)


def test_rows_that_cannot_be_split_into_cells_count_as_read_and_in_error(seeded):
    data = (Path(__file__).parent / "fixtures" / "bad" / "bad_row_beside_a_good_one.csv").read_bytes()
    checked = imports.check(data, "figures", store=seeded)
    summary = checked.summary()
    assert (summary["Rows read"], summary["Valid figures"], summary["Rows with errors"]) == ("4", "1", "3")


def test_a_wide_file_row_with_errors_counts_once(seeded):
    header = '"Year","ISO3CoO","ISO3CoA","REF","ASY"\n'
    checked = imports.check((header + '2024,"COD","Burundii",5,7\n').encode(), "figures", store=seeded)
    assert len(checked.validated.rejected) == 2  # two figures from one file row
    assert checked.summary()["Rows with errors"] == "1"


@pytest.mark.parametrize("hxl", [False, True])
@pytest.mark.parametrize("kind", ["figures", "control"])
def test_a_downloaded_version_uploads_again_unchanged_formula_cells_included(seeded, kind, hxl):
    formulas = (Path(__file__).parent / "fixtures" / "bad" / "formula_injection.csv").read_bytes()
    imports.apply(imports.check(formulas, "figures", store=seeded), seeded)  # cells starting with = + - @
    exported = imports.export(seeded, kind, hxl=hxl)
    assert b"'=HYPERLINK" in exported or kind == "control"  # the export protects them ...
    checked = imports.check(exported, kind, store=seeded, mode="replace")
    assert checked.validated.problems == []
    preview = checked.preview  # ... and the import reads them back as stored: nothing would change
    assert (preview.added, preview.changed, preview.removed) == (0, 0, 0) and preview.unchanged > 0
    assert imports.refusal(checked, mode="replace").startswith("Nothing to import")
    table = imports.KINDS[kind]
    if kind == "figures":
        assert '=HYPERLINK("http://evil.example","click")' in set(seeded.read(table)["source_org"])


def test_an_apostrophe_is_removed_only_where_an_export_put_it():
    from dashboards.cells import restore

    cells = pd.Series(["'=1+1", "'-2", "'@x", "'\tx", "'Goma'", "'", "l'Est", None], dtype="str")
    assert restore(cells).tolist()[:7] == ["=1+1", "-2", "@x", "\tx", "'Goma'", "'", "l'Est"]
    assert pd.isna(restore(cells).iloc[7])


def test_the_page_offers_to_skip_rows_only_where_the_import_would_then_go_ahead(seeded):
    mixed = imports.check(csv(NEW, BAD), "figures", store=seeded)
    only_bad = imports.check(csv(BAD), "figures", store=seeded)
    clean = imports.check(csv(NEW), "figures", store=seeded)
    assert imports.can_skip_rows(mixed, mode="merge")
    assert imports.refusal(mixed, mode="merge", valid_rows_only=True) is None
    assert "import only the valid rows" in imports.refusal(mixed, mode="merge")
    # A full refresh must be complete, and a file with no valid row has nothing to import: no box to tick.
    assert not imports.can_skip_rows(mixed, mode="replace")
    assert imports.refusal(mixed, mode="replace", valid_rows_only=True).startswith("'Replace everything' needs")
    assert not imports.can_skip_rows(only_bad, mode="merge")
    assert imports.refusal(only_bad, mode="merge", valid_rows_only=True) == (
        "No valid rows to import: fix the problems and check the file again.")
    assert not imports.can_skip_rows(clean, mode="merge") and imports.refusal(clean, mode="replace") is None


def test_a_wrong_value_given_with_the_file_is_one_problem_not_one_per_row(seeded):
    from dashboards.ingest import Options

    series = b"Refugees in Burundi\ndate;individuals\n2025-02-10;9000\n2025-02-17;9500\n2025-02-24;9900\n"
    wrong = Options("Burundi", "refugees", "flow", "01-02-2025x", source_url="www.unhcr.org")
    checked = imports.check(series, "figures", store=seeded, options=wrong)
    assert [(p.row, p.column, p.value) for p in checked.errors] == [
        (None, "period_start", "01-02-2025x"), (None, "source_url", "www.unhcr.org")]
    assert all(p.message.startswith("(given with the file) is not a") for p in checked.errors)
    right = Options("Burundi", "réfugiés", "flow", "2025-02-01")  # names and synonyms as the form accepts them
    assert imports.check(series, "figures", store=seeded, options=right).validated.problems == []


def test_a_file_or_a_revert_that_changes_nothing_makes_no_version(seeded):
    imports.apply(imports.check(csv(NEW), "figures", store=seeded), seeded)
    versions = len(seeded.version_list())
    again = imports.check(csv(NEW), "figures", store=seeded)
    with pytest.raises(imports.ImportRefused, match="Nothing to import"):
        imports.apply(again, seeded)
    seeded.revert(1)  # back to the seeds: a new version, holding what version 1 holds
    with pytest.raises(ValueError, match="Version 1 holds the same data as the current version 3"):
        seeded.revert(1)
    assert len(seeded.version_list()) == versions + 1


def test_a_revert_is_previewed_for_both_tables_and_writes_nothing(seeded):
    imports.apply(imports.check(csv(NEW), "figures", store=seeded), seeded)
    preview = imports.revert_preview(seeded, 1)
    assert set(preview) == {"figures", "control"}
    assert (preview["figures"].added, preview["figures"].changed, preview["figures"].removed) == (0, 0, 1)
    assert (preview["control"].added, preview["control"].changed, preview["control"].removed) == (0, 0, 0)
    assert seeded.current_version() == 2


def test_a_semicolon_files_skipped_rows_and_problems_download_with_semicolons_for_a_french_excel():
    french = (Path(__file__).parent / "fixtures" / "formats" / "excel_fr_cp1252.csv").read_bytes()
    french += "22/02/2025;RDC;Burundi;réfugiés;beaucoup;flux;01/01/2025;=HCR;Titre;\r\n".encode("cp1252")
    checked = imports.check(french, "figures")
    assert checked.rows_in_error == 1
    skipped = imports.skipped_rows_csv(checked)
    assert skipped.startswith("\ufeffrow;problems;as_of;".encode("utf-8"))  # BOM, then semicolons
    rows = pd.read_csv(pd.io.common.BytesIO(skipped), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert rows.loc[0, "figure"] == "beaucoup" and rows.loc[0, "source_org"] == "'=HCR"  # formulas still neutralised
    assert imports.problems_csv(checked).startswith("\ufeffrow;column;value;message;severity".encode("utf-8"))
    # A comma-separated file's downloads stay comma-separated.
    assert imports.skipped_rows_csv(imports.check(csv(BAD), "figures")).startswith(b"\xef\xbb\xbfrow,problems,")


def test_rows_that_could_not_be_split_are_in_the_skipped_rows_as_written():
    data = (Path(__file__).parent / "fixtures" / "bad" / "bad_row_beside_a_good_one.csv").read_bytes()
    checked = imports.check(data, "figures")
    skipped = pd.read_csv(pd.io.common.BytesIO(imports.skipped_rows_csv(checked)), dtype=str, keep_default_na=False)
    assert list(skipped["row"]) == ["3", "4", "5"]  # every row the page lists as skipped, in file order
    assert int(skipped.shape[0]) == checked.rows_in_error
    ragged = skipped.iloc[0]
    assert ragged["problems"].startswith("row: This row has 16 cells but the header has 15")
    assert ragged["as written"].endswith("https://example.org/test/a,standard,,one too many")
    assert ragged["as_of"] == "" and skipped.iloc[1]["as written"] == ""
    assert imports.skipped_rows_csv(checked).decode().count("\n") == 4  # the header and three rows


@pytest.mark.parametrize(("fixture", "chosen", "hint"), [
    ("control_hxl.csv", "figures", "choose 'Territorial control events' as what the file holds (command line: --kind control)"),
    ("template_hxl.csv", "control", "choose 'Displacement figures' as what the file holds (command line: --kind figures)"),
])
def test_a_file_checked_as_the_wrong_table_gets_one_problem_naming_the_right_one(fixture, chosen, hint):
    data = (Path(__file__).parent / "fixtures" / "formats" / fixture).read_bytes()
    checked = imports.check(data, chosen)
    [problem] = checked.errors
    assert problem.row is None and hint in problem.message


def test_a_missing_column_names_the_form_field_and_option_that_can_give_it_or_else_the_template():
    figures = imports.check(b"as_of,figure,source_org,source_title,source_url,population_type,measure\n"
                            b"2025-01-01,5,UNHCR,T,https://e.org,refugees,flow\n", "figures")
    [problem] = figures.errors
    assert problem.column == "destination_country"
    assert problem.message.endswith("give it in the form's 'Destination country' field (command line: --country).")
    control = imports.check(b"date,locality,province,event,source_org,source_title,source_url\n"
                            b"2025-01-27,Goma,North Kivu,captured,R,T,https://e.org\n", "control")
    [problem] = control.errors
    assert problem.column == "controlled_by" and "the template on the Upload page" in problem.message
    assert "form" not in problem.message


def test_two_checks_of_one_file_applied_one_after_the_other_make_one_version(seeded):
    # As two editors (or a retried scheduled job) importing the same file at once: both checks saw the
    # rows as new; the second commit finds them stored under the write lock and makes no empty version.
    first = imports.check(csv(NEW), "figures", store=seeded)
    second = imports.check(csv(NEW), "figures", store=seeded)
    assert imports.apply(first, seeded).id == 2
    with pytest.raises(imports.NothingToImport):
        imports.apply(second, seeded)
    assert seeded.current_version() == 2


def test_two_reverts_to_one_version_make_one_version(seeded):
    imports.apply(imports.check(csv(NEW), "figures", store=seeded), seeded)
    old = {t: seeded.read(t, 1) for t in (FIGURES,)}
    seeded.revert(1)
    with pytest.raises(Unchanged):  # the second revert's own pre-check is passed by committing directly
        seeded.commit(old, mode="revert", unless_unchanged=True)
    with pytest.raises(ValueError, match="nothing to revert"):
        seeded.revert(1)
    assert seeded.current_version() == 3


def test_valid_rows_only_of_a_feed_already_stored_is_nothing_to_import_not_a_failure(seeded):
    imports.apply(imports.check(csv(NEW, BAD), "figures", store=seeded), seeded, valid_rows_only=True)
    again = imports.check(csv(NEW, BAD), "figures", store=seeded)
    with pytest.raises(imports.NothingToImport):
        imports.apply(again, seeded, valid_rows_only=True)
    with pytest.raises(imports.ImportRefused) as refused:  # without the flag the bad row still blocks
        imports.apply(again, seeded)
    assert not isinstance(refused.value, imports.NothingToImport)


def test_a_version_records_the_rows_the_file_held_not_only_those_stored(seeded):
    info = imports.apply(imports.check(csv(NEW, BAD), "figures", store=seeded), seeded, valid_rows_only=True)
    assert (info.added, seeded.version(info.id)["rows_in_file"]) == (1, 2)


def test_arrivals_from_two_provinces_on_one_date_are_two_figures_not_one_replacing_the_other(seeded):
    # Between the seeds' 31,000 of 25 March and 41,000 of 8 April, as a count since 1 January must be.
    north = "2025-04-04,COD,North Kivu,UGA,,refugees,35000,flow,2025-01-01,,UNHCR,T,https://example.org/n,standard,"
    south = "2025-04-04,COD,South Kivu,UGA,,refugees,8000,flow,2025-01-01,,UNHCR,T,https://example.org/s,standard,"
    together = imports.check(csv(north, south), "figures", store=seeded)
    assert not together.validated.problems and together.preview.added == 2
    imports.apply(imports.check(csv(north), "figures", store=seeded), seeded)
    second = imports.check(csv(south), "figures", store=seeded)
    assert (second.preview.added, second.preview.changed) == (1, 0)
    imports.apply(second, seeded)
    stored = seeded.read(FIGURES)
    uganda = stored[(stored["destination_country"] == "UGA") & (stored["as_of"] == "2025-04-04")]
    assert sorted(zip(uganda["origin_admin1"], uganda["figure"])) == [("North Kivu", 35000), ("South Kivu", 8000)]

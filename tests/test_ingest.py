import pytest

from dashboards.ingest import UnreadableFile, decode, hxl_tag, read_csv, sniff_delimiter
from dashboards.schema import CONTROL, FIGURES

from .conftest import FIGURES_HEADER

ROW = "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,Title,https://example.org,standard,"


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    parsed = read_csv(f"{FIGURES_HEADER}\n{ROW}\n{ROW}\n".encode(), FIGURES)
    assert list(parsed.frame["_row"]) == [2, 3]
    assert parsed.frame.loc[0, "figure"] == "42000"


def test_an_hxl_row_is_recognised_and_counted_as_a_header_row():
    hxl = ",".join(FIGURES.column(n).hxl for n in FIGURES_HEADER.split(","))
    parsed = read_csv(f"{FIGURES_HEADER}\n{hxl}\n{ROW}\n".encode(), FIGURES)
    assert parsed.format == "Project template with HXL row"
    assert list(parsed.frame["_row"]) == [3]


def test_hashtags_map_columns_whatever_the_header_says_and_extra_attributes_are_ignored():
    text = "Quand,Lieu,Province,Groupe,Evenement,Source,Titre,Lien\n" \
           "#date,#loc+name,#adm1+name,#group+name+armed,#event+type,#meta+source,#meta+title,#meta+url\n" \
           "2025-01-27,Goma,North Kivu,M23/AFC,captured,Reuters,T,https://example.org\n"
    parsed = read_csv(text.encode(), CONTROL)
    assert parsed.frame.loc[0, "locality"] == "Goma"
    assert parsed.frame.loc[0, "controlled_by"] == "M23/AFC"
    assert not parsed.problems


def test_hxl_tag_splits_name_and_attributes_case_insensitively():
    assert hxl_tag("#Affected +Refugees+ind") == ("#affected", frozenset({"refugees", "ind"}))


def test_a_missing_required_column_is_reported_by_name_and_hashtag():
    parsed = read_csv(b"as_of,figure\n2025-01-01,5\n", FIGURES)
    missing = {p.column for p in parsed.problems}
    assert {"destination_country", "population_type", "source_url"} <= missing
    assert all(p.row is None for p in parsed.problems)


def test_a_ragged_row_is_reported_with_its_row_number_and_skipped():
    parsed = read_csv(f"{FIGURES_HEADER}\n{ROW}\n{ROW},extra\n".encode(), FIGURES)
    assert [p.row for p in parsed.problems] == [3]
    assert list(parsed.frame["_row"]) == [2]


def test_one_unquoted_comma_in_a_row_ending_with_an_empty_cell_is_a_ragged_row_not_a_shifted_one():
    comma_in_title = ROW.replace("Title", "Rebels seize town, thousands flee")  # 16 cells, the last empty
    parsed = read_csv(f"{FIGURES_HEADER}\n{ROW}\n{comma_in_title}\n".encode(), FIGURES)
    [problem] = parsed.problems
    assert (problem.row, problem.column, problem.value) == (3, None, comma_in_title)
    assert problem.message.startswith("This row has 16 cells but the header has 15: a cell holding a comma must be "
                                      "in double quotes")
    assert list(parsed.frame["_row"]) == [2]


def test_an_empty_cell_after_the_last_column_is_ignored_where_every_row_or_the_header_has_one():
    every_row = read_csv(f"{FIGURES_HEADER}\n{ROW},\n{ROW},\n".encode(), FIGURES)
    header_too = read_csv(f"{FIGURES_HEADER},\n{ROW},\n{ROW},,\n".encode(), FIGURES)
    for parsed in (every_row, header_too):
        assert not parsed.problems and list(parsed.frame["_row"]) == [2, 3]


def test_semicolons_windows_1252_and_a_byte_order_mark_are_read():
    assert sniff_delimiter("a;b;c\n1;2;3") == ";"
    assert decode("Kalehe,Nyabibwe\n".encode("utf-8-sig")) == "Kalehe,Nyabibwe\n"
    assert decode("Ituri,Bunia é\n".encode("cp1252")) == "Ituri,Bunia é\n"


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02binary"])
def test_empty_and_binary_files_get_one_sentence(data):
    with pytest.raises(UnreadableFile) as exc:
        read_csv(data, FIGURES)
    assert "\n" not in str(exc.value)


def test_a_file_over_the_size_cap_is_refused_before_parsing():
    with pytest.raises(UnreadableFile, match="over the"):
        read_csv(b"x" * 2000, FIGURES, max_bytes=1000)


def test_two_columns_for_one_field_are_an_error_naming_both_header_cells_and_no_row_is_read():
    from dashboards.validate import validate

    parsed = read_csv(f"{FIGURES_HEADER},figure\n{ROW},80000\n".encode(), FIGURES)
    [problem] = parsed.problems
    assert (problem.row, problem.column, problem.value) == (1, "figure", "figure")
    assert problem.message.startswith("Columns G ('figure') and P ('figure') both hold figure: keep one of them")
    assert validate(parsed).frame.empty


def test_columns_nothing_is_read_from_are_named_in_the_notes_with_the_closest_name_for_a_misspelt_one():
    parsed = read_csv(f"{FIGURES_HEADER},confidentiality,Figur\n{ROW},internal only,99999\n".encode(), FIGURES)
    assert not parsed.problems
    assert parsed.notes[-1] == "Ignored columns, not read into this table: confidentiality, Figur (did you mean figure?)."

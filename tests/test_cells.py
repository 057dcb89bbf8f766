import pandas as pd

from dashboards.cells import neutralise, restore


def test_a_part_after_a_semicolon_comma_or_line_break_that_would_start_a_formula_gets_the_apostrophe_there():
    # French-locale Excel splits a comma-separated file on ';': the part after it becomes a cell of its own.
    assert neutralise('Goma;=HYPERLINK("http://evil")') == "Goma;'=HYPERLINK(\"http://evil\")"
    assert neutralise("x;+1+cmd") == "x;'+1+cmd"
    assert neutralise("Goma, -1.67+cmd") == "Goma, '-1.67+cmd"
    assert neutralise("Title\n@SUM(1)") == "Title\n'@SUM(1)"
    assert neutralise("=a;=b") == "'=a;'=b"


def test_text_no_part_of_which_starts_like_a_formula_is_left_alone():
    for text in ("Goma", "North Kivu; South Kivu", "Title, with comma", "30-40 km", "l'Est", "UNHCR; IOM", ""):
        assert neutralise(text) == text


def test_numbers_dates_and_missing_values_are_never_changed():
    when = pd.Timestamp("2025-02-21")
    assert neutralise(-5) == -5 and neutralise(-1.67) == -1.67 and neutralise(when) is when
    assert neutralise(None) is None


def test_an_upload_reads_every_neutralised_text_back_exactly_as_it_was():
    texts = ["=1+1", "Goma;=HYPERLINK(\"x\")", "x;+1", "a; -2", "a\n@b", "'=x", "''-x", "a;'=x", "'Goma'", "'",
             "l'Est", "=,=", "a;;=x", "Goma", ""]
    exported = pd.Series([neutralise(t) for t in texts] + [None], dtype="str")
    back = restore(exported)
    assert back.tolist()[:-1] == texts and pd.isna(back.iloc[-1])


def test_a_signed_number_after_a_separator_is_left_as_written_it_is_a_number_not_a_formula():
    citation = "coordinates (Masisi, -1.40671,28.86255); change +5; -3"
    assert neutralise(citation) == citation
    assert neutralise("-3") == "'-3"  # a whole cell starting with a sign keeps OWASP's rule
    assert neutralise("a, -3+4") == "a, '-3+4" and neutralise("a;+1e5") == "a;'+1e5"  # more than a number


def test_the_round_trip_stays_exact_around_signed_numbers():
    texts = ["a, -5", "a, '-5", "a, ''-5", "a, -5x", "a, '-5x", "x;+2;=3", "(Masisi, -1.40671,28.86255)"]
    back = restore(pd.Series([neutralise(t) for t in texts], dtype="str"))
    assert back.tolist() == texts


def test_restore_reads_the_apostrophes_of_a_column_slice_only_and_leaves_a_column_without_any_as_it_is():
    # A big column is first told apart by its bytes: only the slice's own bytes count, in any of its chunks.
    import pyarrow as pa

    column = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
        [pa.array(["'=1", "Goma", None], pa.large_string()), pa.array(["Bukavu", "'+2"], pa.large_string())])))
    untouched = column.iloc[1:4]
    assert restore(untouched) is untouched  # no apostrophe in its bytes: the column itself, not a copy
    assert restore(column).fillna("-").tolist() == ["=1", "Goma", "-", "Bukavu", "+2"]
    assert restore(column.iloc[3:]).tolist() == ["Bukavu", "+2"]

from datetime import date

import pandas as pd

from dashboards.ingest import read_csv
from dashboards.schema import CONTROL, FIGURES
from dashboards.validate import parse_numbers, validate

from .conftest import CONTROL_HEADER, FIGURES_HEADER, frame

GOOD = "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,Title,https://example.org/a,standard,"


def check(table, header, *rows, today=date(2026, 1, 1), current=None):
    return validate(read_csv(("\n".join([header, *rows]) + "\n").encode(), table), today=today, current=current)


def located(result):
    return {(p.row, p.column, p.value) for p in result.problems if p.severity == "error"}


def test_a_valid_row_becomes_typed_values():
    result = check(FIGURES, FIGURES_HEADER, GOOD)
    assert result.ok
    row = result.frame.loc[2]
    assert row["figure"] == 42000 and row["as_of"].date() == date(2025, 2, 21)
    assert row["confidence"] == "standard"


def test_every_problem_is_found_in_one_pass_with_row_column_and_value():
    result = check(
        FIGURES,
        FIGURES_HEADER,
        GOOD,
        "2025-02-30,COD,,UGA,,refugees,-5,flow,,,UNHCR,T,https://example.org,standard,",
        "2027-01-01,CONGO,,UGA,,refugeez,abc,stock,,,UNHCR,T,javascript:alert(1),standard,",
    )
    assert located(result) == {
        (3, "as_of", "2025-02-30"),
        (3, "figure", "-5"),
        (4, "as_of", "2027-01-01"),
        (4, "origin_country", "CONGO"),
        (4, "population_type", "refugeez"),
        (4, "figure", "abc"),
        (4, "source_url", "javascript:alert(1)"),
    }
    assert list(result.frame.index) == [2]
    assert list(result.rejected["_row"]) == [3, 4]


def test_messages_say_what_to_do():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("42000", "4.5"))
    [problem] = result.problems
    assert "whole number" in problem.message


def test_an_empty_required_cell_is_reported():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("UNHCR", ""))
    assert located(result) == {(2, "source_org", None)}


def test_an_exact_repeat_is_a_warning_and_kept_once():
    result = check(FIGURES, FIGURES_HEADER, GOOD, GOOD)
    assert result.ok
    assert [(p.row, p.severity) for p in result.problems] == [(3, "warning")]
    assert len(result.frame) == 1


def test_two_different_figures_for_one_series_date_and_source_block_both_rows():
    result = check(FIGURES, FIGURES_HEADER, GOOD, GOOD.replace("42000", "43000"))
    assert {p.row for p in result.problems} == {2, 3}
    assert result.frame.empty


def test_a_flow_cannot_start_after_its_as_of_date():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("flow,,", "flow,2025-03-01,"))
    assert located(result) == {(2, "period_start", "2025-03-01")}


def test_internal_displacement_needs_a_province_or_a_scope():
    idp = "2025-01-11,COD,North Kivu,COD,,idps,2800000,stock,,,UN,T,https://example.org,standard,"
    assert located(check(FIGURES, FIGURES_HEADER, idp)) == {(2, "destination_admin1", None)}
    assert check(FIGURES, FIGURES_HEADER, idp.replace("stock,,", "stock,,National total")).ok


def test_numbers_with_spaces_commas_and_scientific_notation_are_read():
    import pandas as pd

    parsed = parse_numbers(pd.Series(["42 000", "42\u00a0000", "1e+05", "12,345", "7"]))
    assert list(parsed) == [42000, 42000, 100000, 12345, 7]


def test_a_decimal_comma_with_a_zero_fraction_and_swiss_apostrophe_thousands_are_read():
    import pandas as pd

    written = ["42 000,00", "42000,0", "42'000", "42’000", "1'234'567", "42'000.00", "'42000"]
    assert list(parse_numbers(pd.Series(written, dtype="str"))) == [42000, 42000, 42000, 42000, 1234567, 42000, 42000]


def test_apostrophes_group_thousands_only_in_threes():
    import pandas as pd

    assert parse_numbers(pd.Series(["4'2000", "42'00", "42'0000", "42000'", "4'2'000"], dtype="str")).isna().all()


def test_a_count_with_a_non_zero_fraction_after_a_decimal_comma_is_a_located_error_saying_counts_are_whole():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("42000", '"42 000,50"'))
    assert located(result) == {(2, "figure", "42 000,50")}
    assert "a count of people always is" in result.problems[0].message


def test_a_count_written_two_ways_at_once_stays_refused_saying_what_to_write():
    rows = [GOOD.replace("42000", '"42.000"'), GOOD.replace("42000", '"42 000,000"').replace("/a", "/b")]
    result = check(FIGURES, FIGURES_HEADER, *rows)
    assert located(result) == {(2, "figure", "42.000"), (3, "figure", "42 000,000")}
    assert all("ambiguous" in p.message and "Write digits only, e.g. 42000" in p.message for p in result.problems)


def test_spaces_in_a_count_only_group_thousands_and_a_comma_that_groups_nothing_is_not_guessed_at():
    odd = ['"1 2"', '"12 34"', '"42 0000"', '"4 2 0 0 0"', '"42,00"', '"42,0000"']
    rows = [GOOD.replace("42000", value).replace("/a", f"/{i}") for i, value in enumerate(odd)]
    result = check(FIGURES, FIGURES_HEADER, *rows)
    assert located(result) == {(i + 2, "figure", value.strip('"')) for i, value in enumerate(odd)}
    spaces, commas = result.problems[:4], result.problems[4:]
    assert all("spaces that do not separate thousands" in p.message for p in spaces)
    assert all("is ambiguous" in p.message and "not followed by three digits" in p.message for p in commas)
    # What stays read: thousands between spaces (narrow or not), a decimal comma that only a decimal can be.
    fine = ['"42 000"', '"42\u202f000"', '"42 000,00"', '"42000,0"', '"42,000"']
    result = check(FIGURES, FIGURES_HEADER, *[GOOD.replace("42000", v).replace("-21", f"-1{i}") for i, v in enumerate(fine)])
    assert result.ok and list(result.frame["figure"]) == [42000] * 5


def test_a_count_written_with_its_qualifier_says_where_the_words_go():
    rows = [GOOD.replace("42000", '"plus de 50 000"'), GOOD.replace("42000", "~42000").replace("-21", "-20"),
            GOOD.replace("42000", "many").replace("-21", "-19"), GOOD.replace("42000", '"50 000 environ"').replace("-21", "-18"),
            GOOD.replace("42000", "50000+").replace("-21", "-17")]
    result = check(FIGURES, FIGURES_HEADER, *rows)
    assert located(result) == {(2, "figure", "plus de 50 000"), (3, "figure", "~42000"), (4, "figure", "many"),
                               (5, "figure", "50 000 environ"), (6, "figure", "50000+")}
    worded, plain = [p for p in result.problems if p.row != 4], [p for p in result.problems if p.row == 4]
    assert all(p.message.startswith("gives the number with how the source qualifies it: write the number alone here "
                                    "(e.g. 50000) and the qualifier in the figure_qualifier column") for p in worded)
    assert plain[0].message.startswith("is not a number")
    # In a file of its own headings, the message names the qualifier column as the file heads it.
    french = check(FIGURES, FIGURES_HEADER.replace(",figure,", ",chiffre,qualificatif,"),
                   rows[0].replace('"plus de 50 000",', '"plus de 50 000",,'))
    [problem] = french.problems
    assert problem.column == "chiffre (figure)"
    assert "the qualifier in the qualificatif (figure_qualifier) column" in problem.message


def test_control_coordinates_must_come_in_pairs_and_within_range():
    row = "2025-01-27,Goma,Goma (city),North Kivu,{lat},{lon},GeoNames,m23/afc,captured,R,T,https://example.org,,"
    assert check(CONTROL, CONTROL_HEADER, row.format(lat="-1.67", lon="29.22")).ok
    assert located(check(CONTROL, CONTROL_HEADER, row.format(lat="-1.67", lon=""))) == {(2, "lat/lon", None)}
    assert located(check(CONTROL, CONTROL_HEADER, row.format(lat="-191", lon="29"))) == {(2, "lat", "-191")}


def test_controller_names_are_matched_case_insensitively_and_unknown_ones_rejected():
    row = "2025-01-27,Goma,,North Kivu,,,,{who},captured,R,T,https://example.org,,"
    ok = check(CONTROL, CONTROL_HEADER, row.format(who="fardc"))
    assert ok.frame.loc[2, "controlled_by"] == "FARDC"
    assert located(check(CONTROL, CONTROL_HEADER, row.format(who="rebels"))) == {(2, "controlled_by", "rebels")}


def test_day_first_dates_with_any_separator_and_year_first_slashes_are_read_month_first_never():
    import pandas as pd

    from dashboards.validate import parse_dates

    written = ["21-02-2025", "21.02.2025", "2025/02/21", "21/02/2025 13:05", "2/13/2025", "2025-02-21 to 2025-02-28"]
    read = parse_dates(pd.Series(written, dtype="str"))
    assert [None if pd.isna(d) else d.date().isoformat() for d in read] == [
        "2025-02-21", "2025-02-21", "2025-02-21", "2025-02-21", None, None]


def test_a_mistyped_year_is_one_located_problem_not_a_crash():
    # Years like 3025 or 0202 do not fit pandas' nanosecond dates; they once stopped the whole check.
    rows = [GOOD.replace("2025-02-21", when).replace("/a", f"/{i}") for i, when in
            enumerate(["3025-02-21", "21/02/3025", "0202-02-21", "2262-04-12"])]
    result = check(FIGURES, FIGURES_HEADER, *rows, GOOD)
    assert located(result) == {(2, "as_of", "3025-02-21"), (3, "as_of", "21/02/3025"),
                               (4, "as_of", "0202-02-21"), (5, "as_of", "2262-04-12")}
    assert all("check the year" in p.message for p in result.problems if p.severity == "error")
    assert len(result.frame) == 1


def test_a_mistyped_year_in_a_control_event_is_located_too():
    result = check(CONTROL, CONTROL_HEADER, "3025-01-27,Goma,Nyiragongo,North Kivu,,,,M23,captured,Reuters,T,"
                   "https://example.org/g,standard,")
    assert (2, "date", "3025-01-27") in located(result)


def test_where_people_are_and_who_they_are_must_agree():
    rows = [
        GOOD.replace("BDI,,asylum_seekers", "UGA,North Kivu,refugees"),  # a DR Congo province in Uganda
        GOOD.replace("BDI,,asylum_seekers", "COD,North Kivu,refugees").replace("/a", "/b"),  # refugees at home
        GOOD.replace("BDI,,asylum_seekers", "UGA,,idps").replace("/a", "/c"),  # IDPs abroad
        GOOD.replace("BDI,,asylum_seekers", "COD,North Kivu,idps").replace("/a", "/d"),  # fine
    ]
    result = check(FIGURES, FIGURES_HEADER, *rows)
    assert located(result) == {(2, "destination_admin1", "North Kivu"), (3, "destination_country", "COD"),
                               (4, "destination_country", "UGA")}
    assert "origin_admin1" in next(p.message for p in result.problems if p.row == 2)
    assert list(result.frame.index) == [5]


def test_a_decimal_degree_written_with_its_sign_is_read_degrees_minutes_seconds_are_not():
    row = "2025-01-27,Goma,Nyiragongo,North Kivu,{lat},{lon},GeoNames,M23,captured,Reuters,T,https://example.org/g,standard,"
    result = check(CONTROL, CONTROL_HEADER, row.format(lat="-1.67409°", lon="\"29,22845 °\""),
                   row.format(lat="1°40'S", lon="29.2").replace("/g", "/h").replace("2025-01-27", "2025-01-28"))
    assert located(result) == {(3, "lat", "1°40'S")}
    assert (result.frame.loc[2, "lat"], result.frame.loc[2, "lon"]) == (-1.67409, 29.22845)


GOMA_AT = "2025-01-27,Goma,Goma (city),North Kivu,{lat},{lon},GeoNames,M23,captured,Reuters,T,https://example.org/g,standard,"


def test_a_coordinate_outside_the_region_is_a_located_error_that_says_swapped_when_a_swap_explains_it():
    from dashboards.schema import REGION_BOX

    swapped = check(CONTROL, CONTROL_HEADER, GOMA_AT.format(lat="29.22", lon="-1.68"))  # lands in the Sahara
    assert [(p.row, p.column, p.value) for p in swapped.problems] == [(2, "lat/lon", "29.22, -1.68")]
    assert "look swapped" in swapped.problems[0].message
    signless = check(CONTROL, CONTROL_HEADER, GOMA_AT.format(lat="-1.68", lon="-29.22"))  # in the Atlantic
    assert [(p.row, p.column, p.value) for p in signless.problems] == [(2, "lat/lon", "-1.68, -29.22")]
    assert "check the sign and the order" in signless.problems[0].message
    assert str(REGION_BOX) in signless.problems[0].message and "swapped" not in signless.problems[0].message
    assert swapped.frame.empty and signless.frame.empty


def test_a_coordinate_anywhere_in_dr_congo_or_its_eastern_neighbours_passes():
    places = {"Goma": ("-1.68", "29.22"), "Kinshasa": ("-4.32", "15.31"), "Kampala": ("0.35", "32.58"),
              "Dar es Salaam": ("-6.8", "39.28"), "Lusaka": ("-15.42", "28.28")}
    rows = [GOMA_AT.replace("Goma,", f"{name},").format(lat=lat, lon=lon) for name, (lat, lon) in places.items()]
    result = check(CONTROL, CONTROL_HEADER, *rows)
    assert result.problems == [] and len(result.frame) == len(places)


def test_a_coordinate_out_of_range_is_reported_once_not_again_as_outside_the_region():
    result = check(CONTROL, CONTROL_HEADER, GOMA_AT.format(lat="-191", lon="29.22"))
    assert located(result) == {(2, "lat", "-191")}


def test_two_figures_for_one_key_conflict_when_a_note_is_empty_in_one_row_and_other_rows_stay():
    result = check(FIGURES, FIGURES_HEADER, GOOD, GOOD.replace("42000", "43000") + "second copy says 43000",
                   GOOD.replace("BDI", "UGA"))
    conflicts = [p for p in result.problems if p.severity == "error"]
    assert [p.row for p in conflicts] == [2, 3]
    assert "notes '' here, 'second copy says 43000' in row 3" in conflicts[0].message
    assert list(result.frame.index) == [4]


def test_a_count_since_a_fixed_date_lower_than_the_stored_one_is_a_warning_saying_what_to_check():
    since_january = "2025-03-04,COD,,BDI,,refugees,61000,flow,2025-01-01,,UNHCR,T,https://example.org/a,standard,"
    unstated_start = "2025-03-04,COD,,UGA,,refugees,31000,flow,,,UNHCR,T,https://example.org/b,standard,"
    current = frame(FIGURES, "\n".join([FIGURES_HEADER, since_january, unstated_start]) + "\n")
    result = check(FIGURES, FIGURES_HEADER,
                   since_january.replace("2025-03-04", "2025-03-31").replace("61000", "60000"),
                   unstated_start.replace("2025-03-04", "2025-03-31").replace("31000", "20000"),
                   current=current)
    assert result.ok and len(result.frame) == 2
    assert [(p.row, p.column, p.value, p.severity, p.message) for p in result.problems] == [
        (2, "figure", "60000", "warning", "is lower than the 61,000 counted since 2025-01-01 as of 2025-03-04 (stored): a count "
                                          "since a fixed date should not fall; check the start date or the figure.")]


def test_a_figure_is_compared_with_its_series_previous_one_in_the_file_as_well_as_the_stored_one():
    stock = "{day},COD,,ZMB,,refugees,{figure},stock,,,UNHCR,T,https://example.org/{day},standard,"
    stored = frame(FIGURES, "\n".join([FIGURES_HEADER, stock.format(day="2025-01-15", figure=50)]) + "\n")
    result = check(FIGURES, FIGURES_HEADER, *[stock.format(day=d, figure=f) for d, f in
                   (("2025-01-31", 1000), ("2025-02-28", 500000), ("2025-03-31", 20000), ("2025-04-30", 21000))],
                   current=stored)
    assert result.ok and len(result.frame) == 4  # warnings: the editor decides
    assert [(p.row, p.value, p.severity, p.message) for p in result.problems] == [
        (2, "1000", "warning", "is more than 10 times the series' previous figure (50 on 2025-01-15, stored): check "
                               "for an extra digit or a different definition."),
        (3, "500000", "warning", "is more than 10 times the series' previous figure (1,000 on 2025-01-31, row 2 of "
                                 "this file): check for an extra digit or a different definition."),
        (4, "20000", "warning", "is less than half the series' previous stock (500,000 on 2025-02-28, row 3 of this "
                                "file): check it is the same population and area."),
    ]
    # Rows in any order: the previous figure is the one dated before, wherever the row stands in the file.
    backwards = check(FIGURES, FIGURES_HEADER, stock.format(day="2025-03-31", figure=20000),
                      stock.format(day="2025-02-28", figure=500000))
    assert [(p.row, p.value) for p in backwards.problems] == [(2, "20000")]
    assert "(500,000 on 2025-02-28, row 3 of this file)" in backwards.problems[0].message  # below it, dated before
    # Rows stored already are not warned about again (re-uploading a version or a feed's whole history).
    history = [stock.format(day=d, figure=f) for d, f in (("2025-01-31", 1000), ("2025-02-28", 500000))]
    stored = frame(FIGURES, "\n".join([FIGURES_HEADER, *history]) + "\n")
    assert check(FIGURES, FIGURES_HEADER, *history, current=stored).problems == []
    # Another series (another country) is never the previous figure.
    other = check(FIGURES, FIGURES_HEADER, stock.format(day="2025-01-31", figure=1000),
                  stock.format(day="2025-02-28", figure=500000).replace("ZMB", "TZA"))
    assert other.problems == []


def test_a_figure_dated_before_a_stored_one_of_its_series_is_compared_with_it_too():
    # Found by QA: 71,000 counted since 1 Jan 2025 as of 10 Mar 2025, uploaded under a stored 41,000 since 1 Jan as
    # of 8 Apr, passed without a word; the stored count would then fall.
    flow = "{day},COD,North Kivu,UGA,,refugees,{figure},flow,2025-01-01,,UNHCR,T,https://example.org/{day},standard,"
    stored = frame(FIGURES, "\n".join([FIGURES_HEADER, flow.format(day="2025-04-08", figure=41000)]) + "\n")
    result = check(FIGURES, FIGURES_HEADER, flow.format(day="2025-03-10", figure=71000), current=stored)
    assert result.ok and len(result.frame) == 1  # a warning: the editor decides
    assert [(p.row, p.value, p.severity, p.message) for p in result.problems] == [
        (2, "71000", "warning", "is higher than the 41,000 counted since 2025-01-01 as of 2025-04-08, a later date "
                                "(stored): a count since a fixed date should not fall; check the start date or the "
                                "figure.")]
    stock = "{day},COD,,ZMB,,refugees,{figure},stock,,,UNHCR,T,https://example.org/{day},standard,"
    stored = frame(FIGURES, "\n".join([FIGURES_HEADER, stock.format(day="2025-04-30", figure=20000)]) + "\n")
    # A file that fills in a series' past: its latest row is compared with the stored figure after it, and with
    # the file's row before it, as before. The earlier file row has a file row after it, which is compared with it.
    result = check(FIGURES, FIGURES_HEADER, stock.format(day="2025-03-31", figure=50000),
                   stock.format(day="2025-02-28", figure=1000), current=stored)
    assert [(p.row, p.value, p.message) for p in result.problems] == [
        (2, "50000", "is more than 10 times the series' previous figure (1,000 on 2025-02-28, row 3 of this file): "
                     "check for an extra digit or a different definition."),
        (2, "50000", "is more than twice the series' next stock (20,000 on 2025-04-30, stored): check it is the same "
                     "population and area."),
    ]
    # A figure the next stored one is more than ten times of.
    small = check(FIGURES, FIGURES_HEADER, stock.format(day="2025-03-31", figure=1500), current=stored)
    assert [(p.row, p.message) for p in small.problems] == [
        (2, "is less than a tenth of the series' next figure (20,000 on 2025-04-30, stored): check for a missing "
            "digit or a different definition.")]
    # A row already stored, re-uploaded, is not warned about.
    assert check(FIGURES, FIGURES_HEADER, stock.format(day="2025-04-30", figure=20000), current=stored).problems == []


def test_a_comma_before_three_digits_is_ambiguous_where_commas_are_decimal_points_and_thousands_elsewhere():
    french = ";".join(GOOD.split(",")).replace("42000", "42,000")
    result = check(FIGURES, FIGURES_HEADER.replace(",", ";"), french, french.replace("42,000", "42 000,00"))
    assert located(result) == {(2, "figure", "42,000")}
    assert "a comma is the decimal point" in result.problems[0].message
    assert "Write digits only, e.g. 42000." in result.problems[0].message
    english = check(FIGURES, FIGURES_HEADER, GOOD.replace("42000", '"42,000"'))
    assert english.ok and english.frame.loc[2, "figure"] == 42000


def test_dots_between_thousands_are_refused_saying_so_not_called_decimals():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("42000", "2.750.000"))
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (2, "figure", "2.750.000")
    assert problem.message == ("has dots between thousands (2.750.000 = 2 750 000), but the dashboard reads a dot only "
                               "as a decimal point and does not guess. Write digits only, e.g. 2750000.")


def test_a_problem_found_on_a_converted_value_quotes_the_cell_as_the_file_writes_it():
    result = check(FIGURES, FIGURES_HEADER, GOOD.replace("BDI", "DR Congo").replace("asylum_seekers", "refugees"))
    assert located(result) == {(2, "destination_country", "DR Congo")}


def test_an_event_that_moves_a_stored_town_or_changes_its_territory_is_a_warning_naming_what_is_stored():
    stored = frame(CONTROL, "\n".join([
        CONTROL_HEADER,
        "2025-02-16,Uvira,Uvira (city),South Kivu,-3.3953,29.1378,GeoNames,FARDC,retaken,R,T,https://example.org/u,,",
    ]))
    event = "2025-12-10,Uvira,{territory},South Kivu,{lat},{lon},G,M23/AFC,captured,R,T,https://example.org/v,,"
    same = check(CONTROL, CONTROL_HEADER, event.format(territory="Uvira (city)", lat="-3.40", lon="29.14"),
                 current=stored)
    assert same.ok and not same.problems  # a few hundred metres: two gazetteers' points for one town
    moved = check(CONTROL, CONTROL_HEADER, event.format(territory="Uvira", lat="-3.10", lon="29.14"), current=stored)
    assert moved.ok  # warnings only: the editor decides
    warnings = {(p.row, p.column, p.value): p.message for p in moved.problems if p.severity == "warning"}
    assert set(warnings) == {(2, "lat/lon", "-3.1, 29.14"), (2, "territory", "Uvira")}
    assert warnings[(2, "lat/lon", "-3.1, 29.14")].startswith(
        "moves Uvira (South Kivu) from -3.3953, 29.1378 (GeoNames), where it is stored")
    assert "'Uvira (city)', the territory stored for Uvira (South Kivu)" in warnings[(2, "territory", "Uvira")]
    # Stored rows uploaded again (an export of the data) get no warning, though the older one differs
    # from the latest: they were checked when they came.
    older = "2025-01-05,Uvira,Uvira,South Kivu,-3.10,29.14,G,FARDC,retaken,R,T,https://example.org/o,,"
    history = pd.concat([frame(CONTROL, f"{CONTROL_HEADER}\n{older}"), stored], ignore_index=True)
    assert not check(CONTROL, CONTROL_HEADER, older, current=history).problems
    # A coordinate already refused (outside the region) is not warned about again.
    swapped = check(CONTROL, CONTROL_HEADER, event.format(territory="Uvira (city)", lat="29.14", lon="-3.40"),
                    current=stored)
    assert [p.column for p in swapped.problems] == ["lat/lon"] and not swapped.ok

"""The command line, run as a user runs it: a real process, exit codes, standard streams."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIGURES_HEADER

ROOT = Path(__file__).resolve().parent.parent
NEW = "2025-12-30,COD,South Kivu,BDI,,refugees,91234,flow,2025-12-01,,UNHCR,T,https://example.org/n,standard,"
BAD = "2025-12-30,COD,,UGA,,refugees,abc,flow,,,UNHCR,T,https://example.org/b,standard,"


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "DASHBOARD_DB": str(tmp_path / "cli.sqlite")}
    env.pop("DATABASE_URL", None)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "dashboards", *map(str, args)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    return run


def write(tmp_path, name, *rows) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([FIGURES_HEADER, *rows]) + "\n")
    return path


def test_validate_exits_0_for_a_valid_file_and_1_with_each_problem_on_stderr(cli, tmp_path):
    assert cli("validate", write(tmp_path, "ok.csv", NEW)).returncode == 0
    bad = cli("validate", write(tmp_path, "bad.csv", NEW, BAD))
    assert bad.returncode == 1
    assert "row 3\tfigure\tabc\terror: is not a number" in bad.stderr


def test_bad_usage_and_unreadable_files_exit_2_without_a_traceback(cli, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    for args in (("validate", tmp_path / "missing.csv"), ("validate", tmp_path / "empty.csv"), ("frobnicate",)):
        result = cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


def test_a_web_page_or_json_saved_as_csv_exits_2_with_one_sentence_saying_what_it_is(cli, tmp_path):
    (tmp_path / "page.csv").write_text("<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head></html>\n")
    (tmp_path / "series.csv").write_text('{"data": {"timeseries": [{"data_date": "2025-02-10", "individuals": 9000}]}}')
    for name, words in (("page.csv", "The file is a web page (HTML), not a CSV: "),
                        ("series.csv", "The file is JSON, not a CSV: ")):
        result = cli("validate", tmp_path / name, "--kind", "figures")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        [said] = [line for line in result.stderr.splitlines() if line.startswith("cannot read the file: ")]
        assert said.startswith(f"cannot read the file: {words}")


def test_import_prints_the_new_version_and_stores_nothing_on_failure(cli, tmp_path):
    failed = cli("import", write(tmp_path, "bad.csv", NEW, BAD))
    assert failed.returncode == 1 and failed.stdout == ""
    assert "add --valid-rows-only" in failed.stderr  # the command line names its own way out
    assert cli("versions").stdout.count("\n") == 2  # header and the seed version
    ok = cli("import", write(tmp_path, "bad.csv", NEW, BAD), "--valid-rows-only", "--note", "first")
    assert ok.returncode == 0 and ok.stdout.splitlines()[0] == "2"
    listed = cli("versions").stdout.splitlines()
    header, newest = listed[0].split("\t"), dict(zip(listed[0].split("\t"), listed[1].split("\t")))
    assert header[:8] == ["id", "created_at", "mode", "tables", "editor", "file_name", "sha256", "rows_in_file"]
    data = (tmp_path / "bad.csv").read_bytes()
    assert newest["sha256"] == hashlib.sha256(data).hexdigest() and newest["note"] == "first"
    assert newest["file_name"] == "bad.csv" and newest["rows_in_file"] == str(data.count(b"\n") - 1)


def test_the_versions_list_keeps_one_line_per_version_whatever_the_note_says(cli, tmp_path):
    note = "fixed\n3\t2026-01-01\tmerge\x1b[2J"
    assert cli("import", write(tmp_path, "ok.csv", NEW), "--note", note).returncode == 0
    listed = cli("versions").stdout
    assert listed.count("\n") == 3 and "\x1b" not in listed  # header, seeds, the import
    assert "fixed\\n3\\t2026-01-01\\tmerge\\x1b[2J" in listed


def test_export_and_revert_reach_any_version(cli, tmp_path):
    cli("import", write(tmp_path, "new.csv", NEW))
    assert "91234" in cli("export", "--version", 2).stdout
    assert "91234" not in cli("export", "--version", 1).stdout
    reverted = cli("revert", 1)
    assert reverted.stdout.strip() == "3"
    assert "version 3: the data is now as in version 1 (0 added, 0 changed" in reverted.stderr
    again = cli("revert", 1)  # version 3 holds what version 1 holds
    assert again.returncode == 2 and "holds the same data as the current version 3" in again.stderr
    assert "91234" not in cli("export").stdout
    out = tmp_path / "out.csv"
    assert cli("export", "--hxl", "--kind", "control", "-o", out).returncode == 0
    assert out.read_text().splitlines()[1].startswith("#date,#loc+name")
    assert cli("export", "--version", 99).returncode == 2


def test_a_time_series_takes_country_and_type_from_the_options(cli, tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("Refugees from DRC in Burundi\ndate;individuals\n2025-02-10;9000\n2025-02-20;40000\n")
    missing = cli("validate", path)
    assert missing.returncode == 1 and "destination_country" in missing.stderr
    ok = cli("validate", path, "--country", "Burundi", "--population-type", "refugees", "--measure", "stock")
    assert ok.returncode == 0, ok.stderr


def test_messages_name_the_flags_not_the_upload_forms_fields(cli, tmp_path):
    series = tmp_path / "series.csv"
    series.write_text("Refugees from DRC in Burundi\ndate;individuals\n2025-02-10;9000\n")
    missing = cli("validate", series).stderr
    assert "or give it with --country." in missing and "or give it with --population-type." in missing
    startless = cli("validate", write(tmp_path, "flow.csv", NEW.replace("2025-12-01", ""))).stderr
    assert "(period_start, or --period-start)" in startless
    assert "the form" not in missing + startless, missing + startless


def test_an_option_with_a_value_its_column_cannot_take_is_bad_usage_naming_the_option(cli, tmp_path):
    series = tmp_path / "series.csv"
    series.write_text("date;individuals\n2025-02-10;9000\n")
    for command in ("validate", "import"):
        wrong = cli(command, series, "--country", "XYZ", "--population-type", "refugees", "--period-start", "2025-13-01")
        assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
        lines = wrong.stderr.splitlines()
        assert lines == [
            "--country 'XYZ' is not a country the dashboard knows: write an ISO3 code such as COD or BDI, or the name "
            "in English or French.",
            "--period-start '2025-13-01' is not a date: write it as YYYY-MM-DD (e.g. 2025-02-21) or DD/MM/YYYY "
            "(21/02/2025).",
        ], wrong.stderr  # said once each, and not again as a missing column or on every row
    assert cli("versions").stdout.count("\n") == 2  # nothing stored: header and the seed version


def test_progress_names_each_step_on_stderr_only_when_asked(cli, tmp_path):
    quiet = cli("import", write(tmp_path, "a.csv", NEW))
    assert "Reading" not in quiet.stderr  # captured stderr is not a terminal
    told = cli("import", write(tmp_path, "b.csv", NEW.replace("91234", "91235")), "--progress")
    steps = [line.split("] ", 1)[1] for line in told.stderr.splitlines() if line.startswith("[")]
    assert [s.split()[0] for s in steps] == [
        "Reading", "Checking", "Comparing", "Checked", "Storing", "Waiting", "Comparing", "Writing", "Stored"]
    assert steps[-1] == "Stored as version 3" and told.stdout.splitlines()[0] == "3"


def test_versions_that_cannot_exist_and_files_that_cannot_be_written_get_a_sentence(cli, tmp_path):
    for args in (("revert", 10**20), ("export", "--version", 10**20), ("revert", 0)):
        out = cli(*args)
        assert out.returncode == 2 and f"There is no version {args[-1]}" in out.stderr, out.stderr
    current = cli("revert", 1)  # the seed version is the current one: nothing to do, nothing created
    assert current.returncode == 2 and "is the current version" in current.stderr
    assert cli("versions").stdout.count("\n") == 2  # header and the seed version
    unwritable = cli("export", "-o", tmp_path / "no such folder" / "x.csv")
    assert unwritable.returncode == 2
    assert unwritable.stderr.startswith(f"cannot write {tmp_path / 'no such folder' / 'x.csv'}: No such file")
    for out in (current, unwritable):
        assert "Traceback" not in out.stderr and "report this" not in out.stderr


def test_a_database_that_cannot_be_opened_is_named_without_its_password_and_nothing_is_created(tmp_path):
    missing = tmp_path / "typo" / "db.sqlite"
    for env in ({"DASHBOARD_DB": str(missing)}, {"DATABASE_URL": "postgresql+psycopg://kivu:s3cret@127.0.0.1:1/x"},
                {"DATABASE_URL": "postgresql://127.0.0.1:1/x?user=kivu&password=s3cret"},
                {"DATABASE_URL": "postgresql://kivu:s3c@ret@127.0.0.1:1/x"}):
        out = subprocess.run([sys.executable, "-m", "dashboards", "versions"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120, env={**{k: v for k, v in os.environ.items()
                                                            if k not in ("DATABASE_URL", "DASHBOARD_DB")}, **env})
        assert out.returncode == 2
        assert "cannot be opened. Check DATABASE_URL or DASHBOARD_DB" in out.stderr
        assert "s3cret" not in out.stderr and "Traceback" not in out.stderr
    assert not missing.parent.exists()  # a typo in the path does not start a new, separate database


def test_validate_and_import_agree_on_a_file_with_no_rows(cli, tmp_path):
    empty = write(tmp_path, "header.csv")
    for command in ("validate", "import"):
        out = cli(command, empty)
        assert out.returncode == 2 and "no rows of data" in out.stderr


def test_importing_a_file_already_in_the_data_changes_nothing_and_is_not_a_failure(cli, tmp_path):
    path = write(tmp_path, "new.csv", NEW)
    assert cli("import", path).stdout.strip() == "2"
    again = cli("import", path)
    assert again.returncode == 0 and again.stdout == ""  # no version id: none was made
    assert "Nothing to import" in again.stderr and "current version stays 2" in again.stderr
    assert cli("versions").stdout.count("\n") == 3  # header, seeds, the one import


def test_cells_cannot_clear_the_terminal_or_forge_lines_of_output(cli, tmp_path):
    forged = NEW.replace("BDI,", "BDI\x1b[2J\x1b[31mFAKE\x1b[0m,", 1).replace(",91234,", ',"1\nrow 99\t-\t\tnote: all good",')
    result = cli("validate", write(tmp_path, "escapes.csv", forged))
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr
    assert not any(line.startswith("row 99") for line in result.stderr.splitlines())


def test_a_database_that_refuses_the_write_gets_a_sentence_and_keeps_its_version(cli, tmp_path):
    assert cli("versions").returncode == 0  # seeded, version 1
    # Opened read-only (as a file without write permission would be; tests may run as root, who ignores those).
    read_only = f"sqlite:///file:{tmp_path / 'cli.sqlite'}?mode=ro&uri=true"
    result = subprocess.run([sys.executable, "-m", "dashboards", "import", str(write(tmp_path, "new.csv", NEW))],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DATABASE_URL": read_only})
    assert result.returncode == 2, result.stderr
    assert "refused the change" in result.stderr and "Nothing was stored" in result.stderr
    assert "Traceback" not in result.stderr and "[SQL:" not in result.stderr
    assert cli("versions").stdout.count("\n") == 2  # header and version 1


def test_a_database_of_another_layout_gets_a_sentence_and_is_left_as_it_was(cli, tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.sqlite") as conn:
        conn.execute("CREATE TABLE figures (id INTEGER PRIMARY KEY, country TEXT)")
    out = cli("versions")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "has a table 'figures' without the column(s) row_id, valid_from" in out.stderr
    assert "Nothing was changed" in out.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite") as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["figures"]


def test_the_first_command_on_a_new_database_says_it_created_one_and_later_ones_do_not(cli, tmp_path):
    first, second = cli("versions"), cli("versions")
    assert first.returncode == second.returncode == 0
    assert f"no database was at sqlite:///{tmp_path / 'cli.sqlite'}: created one there" in first.stderr
    assert "check DATABASE_URL or DASHBOARD_DB" in first.stderr
    assert "created" not in second.stderr

"""Command line: python -m dashboards validate|import|versions|export|revert|template.

The same code as the Upload and History pages. Exit codes: 0 done / valid,
1 problems in the data, 2 bad usage or a file that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from .config import cannot_open, database_url, redacted
from .imports import KINDS, ImportRefused, NothingToImport, apply, can_skip_rows, check, export, template
from .ingest import GIVEN_WITH_THE_FILE, Options, UnreadableFile
from .schema import MEASURES, POPULATION_TYPES
from .seeds import SeedError, ensure_seeded
from .store import SchemaMismatch, Store
from .validate import GIVEN_WITH_THE_FILE_PREFIX, option_problems


class BadOption(ValueError):
    """An option given with the file has a value its column cannot take: bad usage, said before the file is read."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened; the message says which and what to check."""


def _store() -> Store:
    url = database_url()
    try:
        store = Store(url)
        seeded = ensure_seeded(store)
        store.current_version()
    except sa.exc.DBAPIError as exc:  # cannot connect, no such folder, not a database...
        raise DatabaseUnavailable(f"{cannot_open(url)}: {_first_line(exc.orig)}") from exc
    except SchemaMismatch as exc:
        raise DatabaseUnavailable(str(exc)) from exc
    if seeded:  # said, so that a mistyped path is noticed before data goes into a database nobody else reads
        print(f"note: no database was at {redacted(url)}: created one there with the seed data as version "
              f"{seeded.id}. If you meant another database, check DATABASE_URL or DASHBOARD_DB.", file=sys.stderr)
    return store


_OPTION_HELP = {
    "destination_country": {"metavar": "COUNTRY", "help": "destination country (ISO3) for files that do not say it"},
    "population_type": {"choices": POPULATION_TYPES, "help": "for files that do not say it"},
    "measure": {"choices": MEASURES, "help": "stock or flow, for files that do not say it"},
    "period_start": {"help": "for flows: the date counting starts (YYYY-MM-DD)"},
    "source_org": {"help": "publisher, for files that do not say it"},
    "source_title": {"help": "report title, for files that do not say it"},
    "source_url": {"help": "web address of the source, for files that do not say it"},
}


def _file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the CSV file")
    parser.add_argument("--kind", choices=list(KINDS), default="figures", help="what the file holds")
    # What a file may leave out and the editor gives instead; the flags are those the messages name.
    for column, (_field, flag) in GIVEN_WITH_THE_FILE.items():
        parser.add_argument(flag, dest=column, **_OPTION_HELP[column])
    parser.add_argument("--progress", action="store_true",
                        help="say each step on standard error (the default when it is a terminal)")


def _options(args) -> Options:
    return Options(**{column: getattr(args, column) for column in GIVEN_WITH_THE_FILE})


def _progress(args):
    """Steps to standard error, for files that take a while, when asked or when a person watches."""
    if not (args.progress or sys.stderr.isatty()):
        return lambda done, what: None
    started = time.perf_counter()
    return lambda done, what: print(f"[{time.perf_counter() - started:5.1f} s] {what}", file=sys.stderr, flush=True)


def _first_line(error: BaseException) -> str:
    """The first line of an error's message (drivers add SQL, parameters and links below it)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _shown(value: object) -> str:
    """A cell's text for a terminal: control characters written out, so a cell cannot clear the screen,
    move the cursor or forge a line of output (each problem stays on its own line)."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _for_the_command_line(message: str) -> str:
    """A message as the command line says it: the wording shared with the Upload page names the form's fields
    (GIVEN_WITH_THE_FILE); here the flag that does the same is named instead."""
    for field, flag in GIVEN_WITH_THE_FILE.values():
        message = (message.replace(f"in the form's '{field}' field (command line: {flag})", f"with {flag}")
                          .replace(f"'{field}' in the form", flag))
    return message


def _checked_options(args) -> Options:
    """The options given with the file; each value its column cannot take is said, with its option, before
    anything is read or opened (BadOption: bad usage)."""
    options = _options(args)
    wrong = option_problems(KINDS[args.kind], options)
    for problem in wrong:
        flag = GIVEN_WITH_THE_FILE[problem.column][1]
        said = problem.message.removeprefix(GIVEN_WITH_THE_FILE_PREFIX)
        print(f"{flag} {_shown(repr(problem.value))} {_shown(_for_the_command_line(said))}", file=sys.stderr)
    if wrong:
        raise BadOption()
    return options


def _check(args, store: Store, options: Options):
    data = args.file.read_bytes()
    checked = check(data, args.kind, store=store, options=options, file_name=args.file.name,
                    mode="replace" if getattr(args, "replace", False) else "merge", progress=_progress(args))
    for line in checked.parsed.notes:
        print(f"note: {_shown(_for_the_command_line(line))}", file=sys.stderr)
    for problem in checked.validated.problems:
        print(f"row {problem.row if problem.row is not None else '-'}\t{_shown(problem.column or '-')}\t"
              f"{_shown(problem.value if problem.value is not None else '')}\t{problem.severity}: "
              f"{_shown(_for_the_command_line(problem.message))}", file=sys.stderr)
    return checked


def cmd_validate(args) -> int:
    options = _checked_options(args)
    checked = _check(args, _store(), options)
    for key, value in checked.summary().items():
        print(f"{key}: {_shown(value)}")
    return 1 if checked.errors else 0


def cmd_import(args) -> int:
    options = _checked_options(args)
    store = _store()
    checked = _check(args, store, options)
    mode = "replace" if args.replace else "merge"
    try:
        info = apply(checked, store, mode=mode,
                     valid_rows_only=args.valid_rows_only, editor=args.editor, note=args.note,
                     progress=_progress(args))
    except NothingToImport as exc:  # the data already is as the file says: not a failure
        print(f"not imported: {exc} The current version stays {store.current_version()}.", file=sys.stderr)
        return 0
    except ImportRefused as exc:
        hint = (f" To import the {len(checked.validated.frame):,} valid row(s), add --valid-rows-only."
                if can_skip_rows(checked, mode=mode) else "")
        print(f"not imported: {exc}{hint}", file=sys.stderr)
        return 1
    print(info.id)
    print(f"version {info.id}: {info.added} added, {info.changed} changed, {info.unchanged} unchanged, "
          f"{info.removed} removed", file=sys.stderr)
    return 0


def cmd_versions(args) -> int:
    versions = _store().version_list()
    columns = ["id", "created_at", "mode", "tables", "editor", "file_name", "sha256", "rows_in_file", "added",
               "changed", "unchanged", "removed", "note"]
    shown = versions[columns].astype("object")
    # Editors' names, file names and notes are typed by people: written out so that none can move the
    # cursor, or start a line of its own that reads as another version.
    for name in ("editor", "file_name", "note"):
        shown[name] = [None if pd.isna(v) else _shown(v) for v in shown[name]]
    shown["rows_in_file"] = [None if pd.isna(v) else int(v) for v in shown["rows_in_file"]]
    print(shown.to_csv(sep="\t", index=False), end="")
    return 0


def cmd_export(args) -> int:
    store = _store()
    if args.version is not None and store.version(args.version) is None:
        print(f"There is no version {args.version}: see 'python -m dashboards versions'.", file=sys.stderr)
        return 2
    data = export(store, args.kind, version=args.version, hxl=args.hxl)
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            print(f"cannot write {args.output}: {exc.strerror or exc}. Check the folder exists and is writable.",
                  file=sys.stderr)
            return 2
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_revert(args) -> int:
    store = _store()
    try:
        info = store.revert(args.version, editor=args.editor)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(info.id)
    print(f"version {info.id}: the data is now as in version {args.version} ({info.added} added, {info.changed} "
          f"changed, {info.unchanged} unchanged, {info.removed} removed)", file=sys.stderr)
    return 0


def cmd_template(args) -> int:
    sys.stdout.buffer.write(template(args.kind))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dashboards",
        description="Check, import, list, export and revert the dashboard's data (the same code as the Upload and "
                    "History pages). Uses DATABASE_URL when set, else DASHBOARD_DB or var/dashboard.sqlite.",
        epilog="Exit codes: 0 done (an import that would change nothing too), 1 the file has problems, 2 bad usage, "
               "unreadable file or database, or a revert that would change nothing.")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a file and print every problem; store nothing")
    _file_options(v)
    v.set_defaults(run=cmd_validate)
    i = sub.add_parser("import", help="check a file and store it as a new version")
    _file_options(i)
    i.add_argument("--valid-rows-only", action="store_true", help="import the valid rows, skip the others")
    i.add_argument("--replace", action="store_true", help="the table becomes exactly this file (full refresh)")
    i.add_argument("--note", help="a note kept with the version")
    i.add_argument("--editor", default="command line", help="who imports (kept with the version)")
    i.set_defaults(run=cmd_import)
    sub.add_parser("versions", help="list every version").set_defaults(run=cmd_versions)
    e = sub.add_parser("export", help="write a table as it was in a version")
    e.add_argument("--version", type=int, help="version id (default: current)")
    e.add_argument("--kind", choices=list(KINDS), default="figures", help="which table (default: figures)")
    e.add_argument("--hxl", action="store_true", help="add the HXL hashtag row")
    e.add_argument("-o", "--output", help="file to write (default: standard output)")
    e.set_defaults(run=cmd_export)
    r = sub.add_parser("revert", help="make a new version equal to an earlier one")
    r.add_argument("version", type=int, help="the version whose data becomes current again (see 'versions')")
    r.add_argument("--editor", default="command line", help="who reverts (kept with the new version)")
    r.set_defaults(run=cmd_revert)
    t = sub.add_parser("template", help="print the CSV template with its HXL row and an example")
    t.add_argument("--kind", choices=list(KINDS), default="figures", help="which table (default: figures)")
    t.set_defaults(run=cmd_template)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)  # exits 2 on bad usage
    try:
        return args.run(args)
    except (UnreadableFile, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"cannot read the file: {exc}", file=sys.stderr)
        return 2
    except SeedError as exc:
        print(f"the database could not be set up: {exc}", file=sys.stderr)
        return 2
    except BadOption:  # each wrong value is said already, with its option
        return 2
    except DatabaseUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except sa.exc.DBAPIError as exc:  # read-only file, full disk, connection lost: the transaction rolled back
        print(f"the database at {redacted(database_url())} refused the change ({_shown(_first_line(exc.orig))}). "
              "Nothing was stored: the current version is as it was. Check the database is writable and reachable.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: a version is stored whole or not at all; 'python -m dashboards versions' lists "
              "what is stored.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a sentence, never a traceback, for any input
        print(f"failed: {type(exc).__name__}: {_shown(_first_line(exc))}. Please report this with the file.",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

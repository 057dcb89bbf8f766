"""Versioned storage of the two tables in SQL (SQLite by default, PostgreSQL by URL).

Rows are never updated in place. Each row carries the version that added it
(`valid_from`) and the version that retired it (`valid_to`, empty while it is
current), so the data as of any version is one query. A version is created in a
single transaction that holds the database's write lock: either all of it is
visible or none of it, and two imports at the same time land one after the other.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json
import sqlalchemy as sa

from .config import DEFAULT_DB_PATH, redacted
from .ingest import release_arrow_memory
from .schema import TABLES, Table

Mode = Literal["seed", "merge", "replace", "revert"]
CHUNK = 20_000  # rows per INSERT batch: bounds memory on million-row files
READ_CHUNK = 100_000  # current rows per JSON text when reading SQLite (about 30 MB)

_SQL_TYPES = {
    "date": sa.Date,
    "integer": sa.BigInteger,
    "decimal": sa.Float,
    "text": sa.Text,
    "category": sa.Text,
    "iso3": sa.String(3),
}


# Columns added to a table after databases were made with it: added (empty) to such a database when it opens,
# under the write lock. Each is nullable, and an empty cell means what the column meant before it existed.
ADDED_COLUMNS = {"figures": ("figure_qualifier",)}


class SchemaMismatch(RuntimeError):
    """The database holds tables of ours with other columns (another program's, or an older layout)."""


class Unchanged(Exception):
    """The commit would change nothing (checked under the write lock): no version was made."""


@dataclass(frozen=True)
class VersionInfo:
    """What one version changed, as shown to editors and in the History page."""

    id: int
    created_at: str
    mode: str
    tables: str
    added: int
    changed: int
    unchanged: int
    removed: int


@dataclass(frozen=True)
class Preview:
    """What committing rows would change, computed without writing anything."""

    added: int
    changed: int
    unchanged: int
    removed: int


def _metadata() -> tuple[sa.MetaData, sa.Table, dict[str, sa.Table]]:
    meta = sa.MetaData()
    versions = sa.Table(
        "versions",
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("mode", sa.Text, nullable=False),
        sa.Column("tables", sa.Text, nullable=False),
        sa.Column("editor", sa.Text),
        sa.Column("file_name", sa.Text),
        sa.Column("sha256", sa.Text),
        sa.Column("rows_in_file", sa.Integer),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
    )
    tables = {}
    for table in TABLES.values():
        tables[table.name] = sa.Table(
            table.name,
            meta,
            sa.Column("row_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
            sa.Column("valid_from", sa.Integer, sa.ForeignKey("versions.id"), nullable=False, index=True),
            sa.Column("valid_to", sa.Integer, sa.ForeignKey("versions.id"), index=True),
            *[sa.Column(c.name, _SQL_TYPES[c.type]) for c in table.columns],
        )
    return meta, versions, tables


class Store:
    """The database behind the dashboard."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            folder = Path(url.removeprefix("sqlite:///")).parent
            # Only the default folder (var/) is made: a missing folder named by the user is a typo to report,
            # not a place to start a new, separate database.
            if folder == DEFAULT_DB_PATH.parent:
                folder.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        self.meta, self.versions, self.tables = _metadata()

    def create(self) -> None:
        """Create the tables if they do not exist yet, and add to them the columns added since (ADDED_COLUMNS).

        On PostgreSQL under the same lock as writes: app instances starting together on an empty
        database would otherwise race to create the same tables and all but one fail.
        """
        with self.engine.connect() as conn:
            if self._check_layout(conn) == []:  # the usual case: nothing to create, no lock to wait for
                return
        with self.engine.begin() as conn:
            self._lock(conn)
            to_add = self._check_layout(conn)  # again under the lock: another instance may have done it
            self.meta.create_all(conn)
            for table, column in to_add or ():
                sql = self.tables[table].c[column]
                conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} "
                                     f"{sql.type.compile(dialect=self.engine.dialect)}"))

    def _check_layout(self, conn) -> list[tuple[str, str]] | None:
        """None when some of our tables do not exist yet; else the (table, column)s to add to them (usually none).

        Refuses, before anything is created, our table names without our columns, other than ADDED_COLUMNS:
        creating the missing tables next to them would show an empty dashboard over data that is there, and
        every query on them would fail later with an SQL error.
        """
        inspector = sa.inspect(conn)
        existing = set(inspector.get_table_names())
        ours = [("versions", self.versions), *self.tables.items()]
        to_add = []
        for name, table in ours:
            if name not in existing:
                continue
            have = {c["name"] for c in inspector.get_columns(name)}
            missing = [c.name for c in table.columns if c.name not in have]
            later = [c for c in missing if c in ADDED_COLUMNS.get(name, ())]
            if len(later) < len(missing):
                raise SchemaMismatch(
                    f"The database at {redacted(self.url)} has a table '{name}' without the column(s) "
                    f"{', '.join(missing)}: it was made by another program or by an older layout of this "
                    "dashboard. Nothing was changed. Point DATABASE_URL or DASHBOARD_DB at a new database; "
                    "the seed data loads into it on first start."
                )
            to_add += [(name, c) for c in later]
        return to_add if all(name in existing for name, _ in ours) else None

    def is_empty(self) -> bool:
        return self.current_version() is None

    def current_version(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(self.versions.c.id))).scalar_one()

    def version_list(self) -> pd.DataFrame:
        """All versions, newest first."""
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(self.versions).order_by(self.versions.c.id.desc()), conn)

    def version(self, version_id: int) -> dict | None:
        if not 0 < version_id < 2**63:  # ids are positive database integers; anything else names no version
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(self.versions).where(self.versions.c.id == version_id)).mappings().first()
        return dict(row) if row else None

    def read(self, table: Table, version: int | None = None) -> pd.DataFrame:
        """The rows of a table as they were in a version (the current one by default)."""
        with self.engine.connect() as conn:
            if version is None:
                version = conn.execute(sa.select(sa.func.max(self.versions.c.id))).scalar_one()
            if version is None:
                return _typed(pd.DataFrame(columns=table.names), table)
            return self._read(conn, table, version)

    def _read(self, conn, table: Table, version: int | None) -> pd.DataFrame:
        sql_table = self.tables[table.name]
        query = sa.select(*[sql_table.c[name] for name in table.names])
        if version is None:
            query = query.where(sql_table.c.valid_to.is_(None))
        else:
            query = query.where(sql_table.c.valid_from <= version).where(
                sa.or_(sql_table.c.valid_to.is_(None), sql_table.c.valid_to > version)
            )
        return _typed(pd.read_sql(query.order_by(sql_table.c.row_id), conn), table)

    def preview(self, table: Table, rows: pd.DataFrame, *, mode: Mode) -> Preview:
        """What commit() would change, without writing."""
        with self.engine.connect() as conn:
            current = self._current_with_ids(conn, table)
        d = _diff(table, current, _typed(rows[table.names].reset_index(drop=True), table), whole_table=mode != "merge")
        return Preview(d.added, d.changed, d.unchanged, d.removed)

    def commit(
        self,
        changes: dict[Table, pd.DataFrame],
        *,
        mode: Mode,
        editor: str | None = None,
        file_name: str | None = None,
        data: bytes | None = None,
        note: str | None = None,
        progress: Callable[[float, str], None] | None = None,
        unless_unchanged: bool = False,
        rows_in_file: int | None = None,
    ) -> VersionInfo:
        """Create one new version from validated rows of one or more tables, in one transaction.

        merge: rows replace current rows with the same key; other current rows stay.
        replace / revert / seed: each given table becomes exactly these rows.
        progress, if given, hears how far the writing has got (share from 0 to 1, in words).
        unless_unchanged: raise Unchanged rather than make a version that changes nothing. The check is
        made holding the write lock, so two identical imports at once make one version, not two.
        rows_in_file: the rows the uploaded file held, errors included (default: the rows given).
        """
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                info = self._commit(conn, changes, mode, editor, file_name, data, note, progress=progress,
                                    unless_unchanged=unless_unchanged, rows_in_file=rows_in_file)
                if progress:
                    progress(0.95, "Writing the new version to disk")
                return info

    def seed_if_empty(self, changes: dict[Table, pd.DataFrame], *, data: bytes) -> VersionInfo | None:
        """Load the seed tables as version 1, unless another process already did."""
        self.create()
        with self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                self._lock(conn)
                if conn.execute(sa.select(sa.func.count()).select_from(self.versions)).scalar_one():
                    return None
                return self._commit(conn, changes, "seed", "seeds", "seeds/", data, "Curated seed data", locked=True)

    def revert(self, version_id: int, *, editor: str | None = None) -> VersionInfo:
        """A new version whose tables are exactly as they were in an earlier version."""
        if self.version(version_id) is None:
            raise ValueError(f"There is no version {version_id}.")
        current = self.current_version()
        if version_id == current:
            raise ValueError(f"Version {version_id} is the current version: there is nothing to revert.")
        old = {table: self.read(table, version_id) for table in TABLES.values()}
        try:
            return self.commit(old, mode="revert", editor=editor, note=f"Revert to version {version_id}",
                               unless_unchanged=True)
        except Unchanged:  # checked under the write lock: also when another revert made it so meanwhile
            raise ValueError(f"Version {version_id} holds the same data as the current version "
                             f"{self.current_version()}: there is nothing to revert.") from None

    def changes(self, table: Table, before: int, after: int) -> pd.DataFrame:
        """Rows that differ between two versions, each marked added, removed, or changed (old and new values)."""
        old, new = self.read(table, before), self.read(table, after)
        key = list(table.key)
        merged = old.merge(new, on=key, how="outer", suffixes=(" (before)", ""), indicator=True)
        values = [n for n in table.names if n not in key]
        differs = pd.Series(False, index=merged.index)
        for n in values:
            # Missing cells compare as empty text: NaN != NaN would mark every row with one as changed.
            a, b = (merged[c].astype("str").fillna("") for c in (f"{n} (before)", n))
            differs |= (a != b).to_numpy()
        merged["change"] = merged["_merge"].map({"left_only": "removed", "right_only": "added", "both": "changed"})
        out = merged[(merged["_merge"] != "both") | differs].drop(columns="_merge")
        return out[["change", *key, *[c for n in values for c in (f"{n} (before)", n)]]].reset_index(drop=True)

    # --- inside the write transaction ---------------------------------------------

    def _lock(self, conn) -> None:
        # SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL needs one taken.
        if not self.sqlite:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(727301)"))

    def _current_with_ids(self, conn, table: Table) -> pd.DataFrame:
        sql_table = self.tables[table.name]
        if self.sqlite and all(c.type != "decimal" for c in table.columns):
            current = self._current_as_json(conn, table)
        else:
            current = pd.read_sql(
                sa.select(sql_table.c.row_id, *[sql_table.c[n] for n in table.names]).where(
                    sql_table.c.valid_to.is_(None)
                ),
                conn,
            )
        return pd.concat([current[["row_id"]], _typed(current[table.names], table)], axis=1)

    def _current_as_json(self, conn, table: Table) -> pd.DataFrame:
        """The current rows of a big SQLite table, about four times faster than through the driver.

        Fetching makes a Python object per cell (16 million for a million rows). Instead SQLite
        writes each row as a line of JSON and Arrow parses the lines into columns, both in C, a
        slice of rows at a time to bound memory. Integers and text come back exactly; SQLite
        writes floats with 15 digits, so tables with decimal columns are read the usual way.
        """
        names = ["row_id", *table.names]
        keys = [f"c{i}" for i in range(len(names))]  # short keys: a third less JSON than the column names
        pairs = ", ".join(f"'{k}', {n}" for k, n in zip(keys, names))
        # group_concat's order does not matter: each line carries its row_id.
        sql = (
            f"SELECT CAST(group_concat(line, char(10)) AS BLOB), count(*), max(row_id) FROM ("
            f"SELECT json_object({pairs}) AS line, row_id FROM {table.name} "
            f"WHERE valid_to IS NULL AND row_id > ? ORDER BY row_id LIMIT {READ_CHUNK})"
        )
        integer = {"row_id"} | {c.name for c in table.columns if c.type == "integer"}
        schema = pa.schema([(k, pa.int64() if n in integer else pa.string()) for k, n in zip(keys, names)])
        options = pa_json.ParseOptions(explicit_schema=schema)
        parts, after = [], 0  # row ids start at 1
        while True:
            lines, count, after = conn.exec_driver_sql(sql, (after,)).one()
            if not count:
                break
            parts.append(pa_json.read_json(pa.BufferReader(lines), parse_options=options))
        rows = pa.concat_tables(parts) if parts else schema.empty_table()
        # Nullable Int64: an integer column with empty cells would otherwise become float.
        frame = rows.rename_columns(names).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        del rows, parts
        release_arrow_memory()
        return frame.astype({"row_id": "int64"})

    def _commit(self, conn, changes, mode, editor, file_name, data, note, locked=False, progress=None,
                unless_unchanged=False, rows_in_file=None) -> VersionInfo:
        progress = progress or (lambda done, what: None)
        if not locked:
            progress(0.0, "Waiting for other imports to finish")
            self._lock(conn)
        progress(0.02, "Comparing with the stored rows")
        # The file's SHA-256 (a third of a second for 200 MB) is worked out beside the comparing and the writing:
        # hashlib lets go of the GIL while it hashes, as SQLite does while it steps. It goes into the version's
        # row last, in this same transaction, so no reader ever sees the row without it.
        digest = _in_background(hashlib.sha256, data) if data is not None else None
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        diffs = {}
        for table, rows in changes.items():
            incoming = _typed(rows[table.names].reset_index(drop=True), table)
            diffs[table] = _diff(table, self._current_with_ids(conn, table), incoming, whole_table=mode != "merge")
        totals = {k: sum(getattr(d, k) for d in diffs.values()) for k in ("added", "changed", "unchanged", "removed")}
        if unless_unchanged and not (totals["added"] or totals["changed"] or totals["removed"]):
            raise Unchanged()
        version_id = conn.execute(
            sa.insert(self.versions).values(
                created_at=created,
                mode=mode,
                tables=",".join(t.name for t in changes),
                editor=editor,
                file_name=file_name,
                sha256=None,
                rows_in_file=sum(len(r) for r in changes.values()) if rows_in_file is None else rows_in_file,
                note=note,
                **totals,
            )
        ).inserted_primary_key[0]
        total, stored = sum(len(d.insert) for d in diffs.values()), 0
        for table, diff in diffs.items():
            sql_table = self.tables[table.name]
            for start in range(0, len(diff.retire), 500):
                chunk = diff.retire[start : start + 500]
                conn.execute(sa.update(sql_table).where(sql_table.c.row_id.in_(chunk)).values(valid_to=version_id))

            def told(done: int, stored=stored) -> None:
                progress(0.1 + 0.85 * (stored + done) / max(total, 1), f"Stored {stored + done:,} of {total:,} rows")

            self._insert(conn, table, diff.insert, version_id, progress=told)
            stored += len(diff.insert)
        if digest is not None:
            conn.execute(sa.update(self.versions).where(self.versions.c.id == version_id)
                         .values(sha256=digest.result().hexdigest()))
        return VersionInfo(version_id, created, mode, ",".join(t.name for t in changes), **totals)

    def _insert(self, conn, table: Table, frame: pd.DataFrame, version_id: int, progress=None) -> None:
        names = ["valid_from", *table.names]
        sql_table = self.tables[table.name]
        for start in range(0, len(frame), CHUNK):
            if progress and start:
                progress(start)
            part = frame.iloc[start : start + CHUNK]
            columns = [[version_id] * len(part)] + [
                _python_values(part[c.name], c.type, iso_dates=self.sqlite) for c in table.columns
            ]
            if self.sqlite:
                # The DBAPI's executemany with tuples is several times faster than dicts through the ORM layer.
                # Its cursor is this connection's, inside this transaction; it takes the rows as an
                # iterator, so they are made one at a time rather than held in a list.
                sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
                dbapi_error = self.engine.dialect.loaded_dbapi.Error
                cursor = conn.connection.cursor()
                try:
                    cursor.executemany(sql, zip(*columns))
                except dbapi_error as exc:  # raised as SQLAlchemy raises it for its own statements
                    raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi_error, dialect=self.engine.dialect) from exc
                finally:
                    cursor.close()
            else:
                conn.execute(sa.insert(sql_table), [dict(zip(names, r)) for r in zip(*columns)])


@dataclass
class _Diff:
    insert: pd.DataFrame
    retire: list[int]
    added: int
    changed: int
    unchanged: int
    removed: int


def _diff(table: Table, current: pd.DataFrame, incoming: pd.DataFrame, *, whole_table: bool) -> _Diff:
    """Which incoming rows are new, which replace a current row, which change nothing."""
    if not len(current):  # an empty table (a first import): every row is new, nothing to compare or retire
        return _Diff(insert=incoming, retire=[], added=len(incoming), changed=0, unchanged=0, removed=0)
    key = list(table.key)
    cur_key, inc_key = _fingerprint(current[key]), _fingerprint(incoming[key])
    keyed = inc_key.isin(cur_key)
    cur_full = _fingerprint(current[table.names])
    # Whole-row fingerprints only where a key matched: cheap when a big file meets a small table.
    unchanged = pd.Series(False, index=incoming.index)
    if keyed.any():
        unchanged[keyed] = _fingerprint(incoming.loc[keyed, table.names]).isin(cur_full).to_numpy()
    changed = keyed & ~unchanged
    if whole_table:
        inc_full = _fingerprint(incoming[table.names]) if len(current) else pd.Series(dtype="uint64")
        retire = current.loc[~cur_full.isin(inc_full), "row_id"]
        removed = int((~cur_key.isin(inc_key)).sum())
    else:
        retire = current.loc[cur_key.isin(inc_key[changed]), "row_id"]
        removed = 0
    return _Diff(
        # Filtering copies every column: a big file new to the table is inserted as it is.
        insert=incoming[~unchanged.to_numpy()] if unchanged.any() else incoming,
        retire=[int(r) for r in retire],
        added=int((~keyed).sum()),
        changed=int(changed.sum()),
        unchanged=int(unchanged.sum()),
        removed=removed,
    )


def _fingerprint(frame: pd.DataFrame) -> pd.Series:
    """A 64-bit hash per row of the canonical text of its values."""
    # Dates and numbers to text is slow per row: make the text of each distinct value once and
    # hash a categorical of it, which pandas hashes exactly as the same values written out.
    text = {}
    for c in frame.columns:
        codes, distinct = pd.factorize(frame[c], use_na_sentinel=False)
        canonical = pd.Series(distinct).astype("str").fillna("")
        text_codes, texts = pd.factorize(canonical)  # different values can have one text ('' and missing)
        text[c] = pd.Categorical.from_codes(text_codes[codes], categories=texts)
        release_arrow_memory()
    return pd.util.hash_pandas_object(pd.DataFrame(text, index=frame.index), index=False)


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Columns with the dtypes the rest of the code expects, whatever the database driver returned."""
    out = pd.DataFrame(index=frame.index)
    for c in table.columns:
        s = frame[c.name] if c.name in frame.columns else pd.Series(None, index=frame.index, dtype="str")
        if c.type == "date":
            out[c.name] = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        elif c.type == "integer":
            out[c.name] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif c.type == "decimal":
            out[c.name] = pd.to_numeric(s, errors="coerce").astype("Float64")
        else:
            out[c.name] = s.astype("str")
    return out


def _python_values(series: pd.Series, kind: str, *, iso_dates: bool = False) -> list:
    """Plain Python values for the DBAPI: None for missing, date for dates, int/float for numbers."""
    if kind == "date" and iso_dates:
        # ISO text is what SQLite stores for a date; each distinct date is formatted once.
        codes, distinct = pd.factorize(series)  # missing: code -1, the None appended last
        return np.append(distinct.strftime("%Y-%m-%d").to_numpy(dtype=object), None)[codes].tolist()
    if kind in ("text", "category", "iso3"):
        # One Python string per distinct value, shared by its rows: fewer objects to make, and
        # the driver reads them from fewer places in memory (text columns repeat a lot).
        codes, distinct = pd.factorize(series)  # missing: code -1, the None appended last
        return np.append(distinct.to_numpy(dtype=object), None)[codes].tolist()
    if kind == "date":
        values = series.dt.date.tolist()
    elif kind == "integer":
        # Through int64, not float: integers past 2**53 stay exact.
        values = series.to_numpy(dtype="int64", na_value=0).tolist()
    elif kind == "decimal":
        values = series.astype("float").tolist()
    else:
        raise ValueError(f"unknown column type {kind!r}")
    missing = series.isna().to_numpy()
    # Only columns with missing cells pay for a pass in Python.
    return [None if m else v for v, m in zip(values, missing)] if missing.any() else values


def _in_background(function: Callable, *args) -> Future:
    """function(*args) run in a thread of its own; its result (or exception) is the future's."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="store-background", daemon=True).start()
    return future


def _sqlite_begin(conn: sa.Connection) -> None:
    # A writer takes SQLite's write lock at BEGIN, so two imports queue instead of
    # failing halfway with "database is locked"; readers never wait for it (WAL).
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop("write", False) else "BEGIN")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" listener issue BEGIN itself (pysqlite would otherwise do it late).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()

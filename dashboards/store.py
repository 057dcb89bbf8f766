"""Versioned storage of the two tables in SQL (SQLite by default, PostgreSQL by URL).

Rows are never updated in place. Each row carries the version that added it
(`valid_from`) and the version that retired it (`valid_to`, empty while it is
current), so the data as of any version is one query, and a version is created
in a single transaction: either all of it is visible or none of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import pandas as pd
import sqlalchemy as sa

from .schema import TABLES, Table

Mode = Literal["seed", "merge", "replace", "revert"]

_SQL_TYPES = {
    "date": sa.Date,
    "integer": sa.BigInteger,
    "decimal": sa.Float,
    "text": sa.Text,
    "category": sa.Text,
    "iso3": sa.String(3),
}


@dataclass(frozen=True)
class VersionInfo:
    """What one version changed, as shown to editors and in the History page."""

    id: int
    created_at: str
    mode: str
    table: str
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
        sa.Column("table_name", sa.Text, nullable=False),
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
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("valid_from", sa.Integer, sa.ForeignKey("versions.id"), nullable=False, index=True),
            sa.Column("valid_to", sa.Integer, sa.ForeignKey("versions.id"), index=True),
            *[sa.Column(c.name, _SQL_TYPES[c.type]) for c in table.columns],
        )
    return meta, versions, tables


class Store:
    """The database behind the dashboard."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = sa.create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        self.meta, self.versions, self.tables = _metadata()

    def create(self) -> None:
        """Create the tables if they do not exist yet."""
        self.meta.create_all(self.engine)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(self.versions)).scalar_one() == 0

    def current_version(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.max(self.versions.c.id))).scalar_one()

    def version_list(self) -> pd.DataFrame:
        """All versions, newest first."""
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(self.versions).order_by(self.versions.c.id.desc()), conn)

    def read(self, table: Table, version: int | None = None) -> pd.DataFrame:
        """The rows of a table as they were in a version (the current one by default)."""
        sql_table = self.tables[table.name]
        with self.engine.connect() as conn:
            if version is None:
                version = conn.execute(sa.select(sa.func.max(self.versions.c.id))).scalar_one()
            if version is None:
                return _empty(table)
            query = (
                sa.select(*[sql_table.c[name] for name in table.names])
                .where(sql_table.c.valid_from <= version)
                .where(sa.or_(sql_table.c.valid_to.is_(None), sql_table.c.valid_to > version))
                .order_by(sql_table.c.row_id)
            )
            frame = pd.read_sql(query, conn)
        return _typed(frame, table)

    def commit(
        self,
        table: Table,
        rows: pd.DataFrame,
        *,
        mode: Mode,
        editor: str | None = None,
        file_name: str | None = None,
        data: bytes | None = None,
        note: str | None = None,
    ) -> VersionInfo:
        """Create a new version from validated rows, in one transaction.

        merge: rows replace current rows with the same key; other current rows stay.
        replace / revert / seed: the table becomes exactly these rows.
        """
        with self.engine.connect() as conn, _writing(conn).begin():
            return self._commit(conn, table, rows, mode, editor, file_name, data, note)

    def seed_if_empty(self, batches: list[tuple[Table, pd.DataFrame, str, bytes]]) -> list[VersionInfo]:
        """Load the seed tables as the first versions, unless another process already did."""
        self.create()
        with self.engine.connect() as conn, _writing(conn).begin():
            if conn.execute(sa.select(sa.func.count()).select_from(self.versions)).scalar_one():
                return []
            return [
                self._commit(conn, table, rows, "seed", "seeds", file_name, data, "Curated seed data")
                for table, rows, file_name, data in batches
            ]

    def _commit(self, conn, table, rows, mode, editor, file_name, data, note) -> VersionInfo:
        sql_table = self.tables[table.name]
        incoming = _typed(rows[table.names].reset_index(drop=True), table)
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        current = pd.read_sql(
            sa.select(sql_table.c.row_id, *[sql_table.c[n] for n in table.names]).where(
                sql_table.c.valid_to.is_(None)
            ),
            conn,
        )
        current = pd.concat([current[["row_id"]], _typed(current[table.names], table)], axis=1)
        diff = _diff(table, current, incoming, whole_table=mode != "merge")
        version_id = conn.execute(
            sa.insert(self.versions).values(
                created_at=created,
                mode=mode,
                table_name=table.name,
                editor=editor,
                file_name=file_name,
                sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
                rows_in_file=len(rows),
                added=diff.added,
                changed=diff.changed,
                unchanged=diff.unchanged,
                removed=diff.removed,
                note=note,
            )
        ).inserted_primary_key[0]
        for chunk in _chunks(diff.retire, 500):
            conn.execute(sa.update(sql_table).where(sql_table.c.row_id.in_(chunk)).values(valid_to=version_id))
        if len(diff.insert):
            records = _records(diff.insert, table)
            for record in records:
                record["valid_from"] = version_id
            conn.execute(sa.insert(sql_table), records)
        return VersionInfo(version_id, created, mode, table.name, diff.added, diff.changed, diff.unchanged, diff.removed)


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
    key = list(table.key)
    values = table.names
    cur = current.assign(_fp=_fingerprint(current[values]), _key=_fingerprint(current[key]))
    inc = incoming.assign(_fp=_fingerprint(incoming[values]), _key=_fingerprint(incoming[key]))
    unchanged_mask = inc["_fp"].isin(cur["_fp"])
    keyed_mask = inc["_key"].isin(cur["_key"])
    changed_mask = ~unchanged_mask & keyed_mask
    if whole_table:
        retire = cur.loc[~cur["_fp"].isin(inc["_fp"]), "row_id"]
        removed = int((~cur["_key"].isin(inc["_key"])).sum())
    else:
        retire = cur.loc[cur["_key"].isin(inc.loc[changed_mask, "_key"]), "row_id"]
        removed = 0
    return _Diff(
        insert=incoming[~unchanged_mask.to_numpy()],
        retire=[int(r) for r in retire],
        added=int((~keyed_mask).sum()),
        changed=int(changed_mask.sum()),
        unchanged=int(unchanged_mask.sum()),
        removed=removed,
    )


def _fingerprint(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame.astype(str), index=False)


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for c in table.columns:
        s = frame[c.name] if c.name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        if c.type == "date":
            out[c.name] = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        elif c.type == "integer":
            out[c.name] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif c.type == "decimal":
            out[c.name] = pd.to_numeric(s, errors="coerce").astype("Float64")
        else:
            out[c.name] = s.astype(object).where(s.notna(), None)
    return out


def _empty(table: Table) -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=table.names), table)


def _records(frame: pd.DataFrame, table: Table) -> list[dict]:
    records = []
    columns = table.names
    kinds = {c.name: c.type for c in table.columns}
    for row in frame[columns].itertuples(index=False, name=None):
        record = {}
        for name, value in zip(columns, row):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value is pd.NaT:
                record[name] = None
            elif kinds[name] == "date":
                record[name] = value.date()
            elif kinds[name] == "integer":
                record[name] = int(value)
            elif kinds[name] == "decimal":
                record[name] = float(value)
            else:
                record[name] = value
        records.append(record)
    return records


def _chunks(items: list[int], size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _writing(conn: sa.Connection) -> sa.Connection:
    conn.info["write"] = True
    return conn


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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()

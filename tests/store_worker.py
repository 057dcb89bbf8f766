"""A separate process that imports one made-up file into a store, for the concurrency and crash tests.

usage: python tests/store_worker.py URL LABEL ROWS [--shared N] [--mode MODE] [--ready FILE --go FILE] [--hang FILE]

Commits ROWS figure rows whose source is LABEL, plus N rows whose key every worker shares (source
"shared", figure depending on LABEL), and prints a JSON line: the version, its counts, and when
(time.time()) the worker asked to commit, got the write lock and finished writing.
--ready/--go: write FILE --ready once loaded, then wait for FILE --go to exist before committing,
so that several workers commit at the same moment.
--hang: once the first rows are written inside the transaction, write FILE --hang, write the rest,
then wait there forever without committing (the test kills the process).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards.schema import FIGURES  # noqa: E402
from dashboards.store import CHUNK, Store  # noqa: E402


def rows(label: str, n: int, *, shared: int = 0, figure: int = 1) -> pd.DataFrame:
    """n rows with source LABEL and figures 1..n, then `shared` rows with source 'shared' and this figure."""

    def block(source, count, figures):
        i = pd.RangeIndex(count)
        return pd.DataFrame({
            "as_of": pd.Timestamp("2000-01-01") + pd.to_timedelta(i % 3650, unit="D"), "origin_country": "COD",
            "origin_admin1": None, "destination_country": "BDI", "destination_admin1": "Area " + i.astype("str"),
            "population_type": "refugees", "figure": figures, "measure": "stock", "period_start": pd.NaT,
            "scope": None, "source_org": source, "source_title": "test", "source_url": "https://example.org/test",
            "confidence": "standard", "notes": None, "figure_qualifier": None,
        })

    frame = pd.concat([block(label, n, range(1, n + 1)), block("shared", shared, [figure] * shared)])
    frame = frame.reset_index(drop=True)[FIGURES.names]
    frame["figure"] = frame["figure"].astype("Int64")
    frame["as_of"] = frame["as_of"].astype("datetime64[ns]")
    frame["period_start"] = frame["period_start"].astype("datetime64[ns]")
    for c in FIGURES.columns:
        if c.type not in ("date", "integer"):
            frame[c.name] = frame[c.name].astype("str")
    return frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("label")
    parser.add_argument("rows", type=int)
    parser.add_argument("--shared", type=int, default=0)
    parser.add_argument("--mode", default="merge")
    parser.add_argument("--ready")
    parser.add_argument("--go")
    parser.add_argument("--hang")
    args = parser.parse_args()

    times = {}
    lock, commit, insert = Store._lock, Store._commit, Store._insert

    def timed_lock(self, conn):
        lock(self, conn)  # on SQLite the lock is already held since BEGIN IMMEDIATE
        times["locked"] = time.time()

    def timed_commit(self, *a, **k):
        info = commit(self, *a, **k)
        time.sleep(0.5)  # hold the lock a moment, so that a concurrent import must wait for it
        times["written"] = time.time()  # still inside the transaction: it commits after this returns
        return info

    def hanging_insert(self, conn, table, frame, version_id, **kw):
        insert(self, conn, table, frame.iloc[:CHUNK], version_id, **kw)
        Path(args.hang).write_text("inside the transaction")
        insert(self, conn, table, frame.iloc[CHUNK:], version_id, **kw)
        time.sleep(600)

    Store._lock, Store._commit = timed_lock, timed_commit
    if args.hang:
        Store._insert = hanging_insert

    store = Store(args.url)
    frame = rows(args.label, args.rows, shared=args.shared, figure=len(args.label))
    if args.ready:
        Path(args.ready).write_text("ready")
        deadline = time.time() + 60
        while not Path(args.go).exists():
            if time.time() > deadline:
                sys.exit("no go signal")
            time.sleep(0.01)
    times["asked"] = time.time()
    info = store.commit({FIGURES: frame}, mode=args.mode, file_name=f"{args.label}.csv", data=args.label.encode())
    print(json.dumps({"id": info.id, "added": info.added, "changed": info.changed, "unchanged": info.unchanged,
                      "removed": info.removed, **times}))


if __name__ == "__main__":
    main()

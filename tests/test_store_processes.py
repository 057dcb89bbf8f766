"""Real processes, SQLite and PostgreSQL: two imports at once both land; one killed mid-transaction changes nothing."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboards.schema import FIGURES
from dashboards.store import Store

from .store_worker import rows

WORKER = Path(__file__).with_name("store_worker.py")


def start(url, label, n, *extra):
    return subprocess.Popen([sys.executable, str(WORKER), url, label, str(n), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, worker: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while not path.exists():
        if worker.poll() is not None or time.time() > deadline:
            worker.kill()
            pytest.fail(f"worker never wrote {path.name}: {worker.communicate()}")
        time.sleep(0.02)


def physical_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.tables[FIGURES.name])).scalar_one()


def write_lock_is_held(store: Store) -> bool:
    """Whether another connection holds the store's write lock right now."""
    if store.sqlite:
        raw = store.engine.raw_connection()
        try:
            raw.execute("PRAGMA busy_timeout=0")
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
            return False
        except Exception as exc:
            assert "locked" in str(exc), exc
            return True
        finally:
            raw.close()
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                    "AND objid = 727301 AND pid <> pg_backend_pid()")).scalar_one() == 1


def test_two_imports_at_the_same_time_both_land_one_after_the_other(db, tmp_path):
    seed = rows("seed", 10)
    db.commit({FIGURES: seed}, mode="seed")
    workers = {}
    for label in ("first", "second"):
        # Each file: 3000 rows of its own, and 100 rows whose key both files share.
        workers[label] = start(db.url, label, 3000, "--shared", "100",
                               "--ready", str(tmp_path / f"{label}.ready"), "--go", str(tmp_path / "go"))
    for label, worker in workers.items():
        wait_for(tmp_path / f"{label}.ready", worker)
    (tmp_path / "go").write_text("go")
    outs = {label: w.communicate(timeout=60) for label, w in workers.items()}
    assert [w.returncode for w in workers.values()] == [0, 0], outs
    done = sorted((json.loads(out) for out, _ in outs.values()), key=lambda r: r["id"])
    assert [r["id"] for r in done] == [2, 3]
    earlier, later = done
    # They asked at the same moment; the later one got the lock only once the earlier had written everything.
    assert later["asked"] < earlier["written"] <= later["locked"]
    # The later one saw the earlier one's rows: the shared rows were changed, not added twice.
    assert (earlier["added"], earlier["changed"]) == (3100, 0)
    assert (later["added"], later["changed"], later["unchanged"]) == (3000, 100, 0)
    current = db.read(FIGURES)
    assert current["source_org"].value_counts().to_dict() == {"first": 3000, "second": 3000, "shared": 100, "seed": 10}
    assert sorted(db.version_list()["file_name"].tolist()[:2]) == ["first.csv", "second.csv"]
    later_label = db.version(3)["file_name"].removesuffix(".csv")
    # The shared rows hold the later file's figure (a worker's shared figure is the length of its label).
    assert set(current.loc[current["source_org"] == "shared", "figure"]) == {len(later_label)}
    pd.testing.assert_frame_equal(db.read(FIGURES, 1), seed)


def test_an_import_killed_mid_transaction_leaves_the_previous_version_whole(db, tmp_path):
    seed = rows("seed", 1000)
    db.commit({FIGURES: seed}, mode="seed")
    marker = tmp_path / "inside"
    # A replace: it retires every current row and writes 200,000 new ones in one transaction.
    worker = start(db.url, "killed", 200_000, "--mode", "replace", "--hang", str(marker))
    try:
        wait_for(marker, worker, seconds=60)
        assert write_lock_is_held(db)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert db.current_version() == 1 and db.version_list()["id"].tolist() == [1]
    pd.testing.assert_frame_equal(db.read(FIGURES), seed)
    pd.testing.assert_frame_equal(db.read(FIGURES, 1), seed)
    with db.engine.connect() as conn:
        figures = db.tables[FIGURES.name]
        assert conn.execute(sa.select(sa.func.count()).where(figures.c.valid_to.is_not(None))).scalar_one() == 0
    assert physical_rows(db) == 1000
    # The lock died with the process: the next import goes through (a PostgreSQL id may be skipped).
    after = db.commit({FIGURES: rows("after", 5)}, mode="merge")
    assert after.id > 1 and after.added == 5
    assert db.version_list()["id"].tolist() == [after.id, 1] and len(db.read(FIGURES)) == 1005

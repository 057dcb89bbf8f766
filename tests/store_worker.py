"""A separate process that imports into a store, for the concurrency and crash tests.

usage: python tests/store_worker.py URL LABEL ROWS [--hang MARKER]
Commits ROWS made-up figure rows whose source is LABEL. With --hang, writes MARKER once
inside the write transaction and then waits forever (the test kills it there).
"""

import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards.schema import FIGURES  # noqa: E402
from dashboards.store import Store  # noqa: E402


def rows(label: str, n: int) -> pd.DataFrame:
    days = pd.date_range("2020-01-01", periods=n, freq="D")
    return pd.DataFrame({
        "as_of": days, "origin_country": "COD", "origin_admin1": None, "destination_country": "BDI",
        "destination_admin1": None, "population_type": "refugees", "figure": range(1, n + 1), "measure": "stock",
        "period_start": pd.NaT, "scope": None, "source_org": label, "source_title": "test",
        "source_url": "https://example.org/test", "confidence": "standard", "notes": None,
    })[FIGURES.names]


def main() -> None:
    url, label, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store(url)
    insert = Store._insert

    def slow_insert(self, conn, table, frame, version_id):
        insert(self, conn, table, frame, version_id)
        if "--hang" in sys.argv:
            Path(sys.argv[sys.argv.index("--hang") + 1]).write_text("inside")
            time.sleep(600)
        time.sleep(0.5)  # hold the lock a moment so a concurrent import must wait for it

    Store._insert = slow_insert
    info = store.commit({FIGURES: rows(label, n)}, mode="merge", file_name=f"{label}.csv", data=label.encode())
    print(info.id)


if __name__ == "__main__":
    main()

"""Import benchmark: validating and importing an N-row figures CSV, against pandas.read_csv of the same file.

Prints two ratios, each measured in this run:
- time: (read + validate + store in a new SQLite database) / pandas.read_csv   (goal: at most 3)
- memory: peak resident memory of the import above the interpreter's own, / file size   (goal: at most 4)
Each measurement runs in its own process so their peaks do not mix.

Usage: .venv/bin/python benchmarks/bench_import.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_file(path: Path, rows: int) -> None:
    """Valid, distinct made-up rows in the template layout (the figures are not data)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    days = pd.date_range("2015-01-01", "2025-12-31", freq="D")
    countries = np.array(["BDI", "UGA", "RWA", "TZA", "ZMB", "AGO", "KEN", "SSD"])
    i = np.arange(rows)
    frame = pd.DataFrame({
        "as_of": days[i % len(days)].strftime("%Y-%m-%d"),
        "origin_country": "COD",
        "origin_admin1": np.where(i % 2 == 0, "North Kivu", "South Kivu"),
        "destination_country": countries[(i // len(days)) % len(countries)],
        "destination_admin1": "",
        "population_type": np.where(i % 3 == 0, "refugees", "asylum_seekers"),
        "figure": rng.integers(1, 500_000, rows),
        "measure": "stock",
        "period_start": "",
        "scope": "",
        "source_org": [f"Benchmark source {k}" for k in (i // (len(days) * len(countries)))],
        "source_title": "Benchmark rows (not data)",
        "source_url": "https://example.org/benchmark",
        "confidence": "standard",
        "notes": "",
    })
    frame.to_csv(path, index=False)


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from dashboards.ingest import read_csv
from dashboards.schema import FIGURES
from dashboards.store import Store
from dashboards.validate import validate
path, what, db = sys.argv[1], sys.argv[2], sys.argv[3]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if what == "read_csv":
    pd.read_csv(path)
else:
    data = open(path, "rb").read()
    result = validate(read_csv(data, FIGURES))
    assert result.ok, [str(p) for p in result.problems[:5]]
    store = Store("sqlite:///" + db)
    store.create()
    store.commit({{FIGURES: result.frame}}, mode="merge", data=data)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "peak_kb_above_start": peak - base}}))
"""


def run(path: Path, what: str, db: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path), what, str(db)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figures.csv"
        make_file(path, args.rows)
        size = path.stat().st_size
        base = run(path, "read_csv", Path(tmp) / "unused.sqlite")
        ours = run(path, "import", Path(tmp) / "bench.sqlite")
    ratio = ours["seconds"] / base["seconds"]
    memory = ours["peak_kb_above_start"] * 1024 / size
    print(f"rows {args.rows:,}   file {size / 1e6:.1f} MB")
    print(f"time     import {ours['seconds']:7.2f} s   pandas.read_csv {base['seconds']:6.2f} s   "
          f"ratio {ratio:5.2f}   goal <= 3: {'met' if ratio <= 3 else 'MISSED'}")
    print(f"memory   peak above start {ours['peak_kb_above_start'] / 1024:7.0f} MB   "
          f"ratio to file size {memory:5.2f}   goal <= 4: {'met' if memory <= 4 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""Import benchmark: validating and importing a large figures CSV, against pandas.read_csv.

Goal (from the issue): validating and importing a 1,000,000-row figures CSV takes at most
3 times as long as pandas.read_csv on the same file, measured in the same run, with peak
memory at most 4 times the file's size.

The file is generated into a temporary directory from a fixed seed: the project's
template layout (columns = FIGURES.names), valid rows with distinct keys, values like
those in seeds/figures.csv, figures that vary within a series as real ones do. Each measurement runs in its own fresh Python process so
that neither timings nor memory peaks mix:

  baseline  pandas.read_csv(path), default options.
  import    Path.read_bytes + ingest.read_csv + validate.validate + Store.commit(mode="merge")
            into a fresh SQLite file (the empty tables are created before the clock starts).
  memory    peak RSS (getrusage ru_maxrss) of the import process minus the peak RSS of a
            process that only imports the same modules; compared with the file's size.

Usage: .venv/bin/python benchmarks/bench_import.py [--rows N] [--runs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME_GOAL = 3.0  # import time / pandas.read_csv time
MEMORY_GOAL = 4.0  # peak memory of the import / file size
TODAY = "2026-01-01"  # validation's "today": every generated as_of is before it
SEED = 20250121

# --- The file -------------------------------------------------------------------

# Where people are: (destination_country, destination_admin1, the two population types used there).
PLACES = [
    ("COD", "North Kivu", ("idps", "returnees")),
    ("COD", "South Kivu", ("idps", "returnees")),
    ("COD", "Ituri", ("idps", "returnees")),
    ("COD", "Tanganyika", ("idps", "returnees")),
    ("COD", "North Kivu; South Kivu", ("idps", "returnees")),
    ("UGA", "", ("refugees", "asylum_seekers")),
    ("RWA", "", ("refugees", "asylum_seekers")),
    ("BDI", "", ("refugees", "asylum_seekers")),
    ("TZA", "", ("refugees", "asylum_seekers")),
    ("ZMB", "", ("refugees", "asylum_seekers")),
    ("XNB", "", ("new_arrivals", "refugees")),
]
SCOPES = ["", "", "M23 crisis displacement only", "Rutshuru territory only", "returns from Goma IDP sites only"]
ORGS = [
    "IOM DTM", "UNHCR", "OCHA", "DG ECHO", "IOM DRC", "UNHCR via AFP", "OCHA via Africanews", "UN via AP",
    "Government of Burundi via Africanews", "Uganda Office of the Prime Minister", "CCCM Cluster", "Protection Cluster",
    "UNHCR-led inter-agency RRRP", "UNICEF", "WFP", "MSF", "ACLED", "Radio Okapi", "Reuters", "Actualite.cd",
    "IOM DTM (M23 rapid crisis assessment) via Coulisses.net", "Government of Rwanda (MINEMA)", "UNHCR Burundi",
    "UNHCR Uganda", "UNHCR Tanzania", "Commission Mouvement de Populations (South Kivu)", "OCHA DRC Situation Report",
    "Norwegian Refugee Council", "IRC", "Caritas Goma",
]  # fmt: skip
ORIGIN_ADMIN1 = ["North Kivu", "South Kivu", "Ituri", "", "North Kivu; South Kivu"]
WORDS = (
    "displacement situation report round mobility tracking crisis assessment update eastern DRC North South Kivu "
    "Ituri Goma Bukavu Minova Sake Masisi Rutshuru Uvira refugees arrivals Burundi Uganda Rwanda Tanzania influx "
    "flash emergency response plan weekly monthly snapshot dashboard overview humanitarian"
).split()


def generate(path: Path, rows: int) -> None:
    """Write `rows` valid figure rows with distinct keys in the template layout."""
    import numpy as np
    import pandas as pd

    from dashboards.schema import FIGURES

    rng = np.random.default_rng(SEED)
    days = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    # Every key is one point of this grid; drawing without replacement keeps keys distinct.
    radix = [len(days), len(PLACES), 2, 2, len(SCOPES) - 1, len(ORGS)]
    space = int(np.prod(radix))
    if rows > space:
        raise SystemExit(f"at most {space} distinct keys; asked for {rows} rows")
    code = rng.choice(space, size=rows, replace=False)
    digits = []
    for r in reversed(radix):
        digits.append(code % r)
        code //= r
    org, scope, measure, pop, place, day = digits
    dest = np.array([p[0] for p in PLACES])[place]
    admin1 = np.array([p[1] for p in PLACES])[place]
    pops = np.array([p[2] for p in PLACES])  # (places, 2)
    population = pops[place, pop]
    as_of = days[day]
    measure_text = np.array(["stock", "flow"])[measure]
    # A flow counts from the first of the month (or of the year); a stock has no start.
    start = np.where(rng.random(rows) < 0.5, as_of.to_period("M").start_time, as_of.to_period("Y").start_time)
    period_start = np.where(measure == 1, pd.DatetimeIndex(start).strftime("%Y-%m-%d"), "")
    scope_text = np.array(SCOPES[1:])[scope]  # index 0 of SCOPES[1:] is "" (the usual case)
    titles = np.array([
        " ".join(rng.choice(WORDS, size=int(rng.integers(2, 7)))).capitalize() + f" ({i})" for i in range(3000)
    ])  # fmt: skip
    title_at = rng.integers(0, len(titles), rows)
    notes_pool = np.array([
        "Curation: " + " ".join(rng.choice(WORDS, size=int(rng.integers(3, 12)))) for _ in range(500)
    ])  # fmt: skip
    notes = np.where(rng.random(rows) < 0.25, notes_pool[rng.integers(0, len(notes_pool), rows)], "")
    # Figures as real series have them: each series about a level of its own; a stock varies by some 20% between
    # reports, a count since a start date grows with the days counted. (Independent random figures would put a
    # 'ten times the previous figure' warning on most rows, which no real file does.)
    series = ((place * 2 + pop) * 2 + measure) * (len(SCOPES) - 1) + scope
    level = rng.lognormal(9, 2, int(series.max()) + 1)[series]
    days_counted = (as_of - pd.DatetimeIndex(start)).days.to_numpy() + 1
    figure = np.where(measure == 0, level * np.exp(rng.normal(0, 0.2, rows)), level / 100 * days_counted)
    figure = np.maximum(figure, 1).astype("int64")
    frame = pd.DataFrame(
        {
            "as_of": as_of.strftime("%Y-%m-%d"),
            "origin_country": "COD",
            "origin_admin1": np.array(ORIGIN_ADMIN1)[rng.integers(0, len(ORIGIN_ADMIN1), rows)],
            "destination_country": dest,
            "destination_admin1": admin1,
            "population_type": population,
            "figure": figure,
            # Mostly as stated; some 'more than' or 'about', as in seeds/figures.csv.
            "figure_qualifier": np.array(["", "", "", "more_than", "about"])[rng.integers(0, 5, rows)],
            "measure": measure_text,
            "period_start": period_start,
            "scope": scope_text,
            "source_org": np.array(ORGS)[org],
            "source_title": titles[title_at],
            "source_url": np.char.add("https://reliefweb.int/node/", title_at.astype(str)),
            "confidence": np.where(rng.random(rows) < 0.8, "standard", "low"),
            "notes": notes,
        }
    )[FIGURES.names]
    frame.to_csv(path, index=False)


# --- The measurements (each in a child process) -----------------------------------

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
what, path, db = sys.argv[1:4]
if what == "baseline":
    import pandas as pd
    start = time.perf_counter()
    pd.read_csv(path)
    seconds = time.perf_counter() - start
else:
    from datetime import date
    from pathlib import Path
    from dashboards.ingest import read_csv
    from dashboards.schema import FIGURES
    from dashboards.store import Store
    from dashboards.validate import validate
    seconds = None
    if what == "import":
        store = Store("sqlite:///" + db)
        store.create()
        start = time.perf_counter()
        data = Path(path).read_bytes()
        parsed = read_csv(data, FIGURES)
        read = time.perf_counter()
        validated = validate(parsed, today=date.fromisoformat({today!r}))
        assert validated.ok, validated.problems[:5]  # warnings (jumps between random figures) do not block
        checked = time.perf_counter()
        info = store.commit({{FIGURES: validated.frame}}, mode="merge", data=data)
        seconds = time.perf_counter() - start
        stages = {{"read": read - start, "validate": checked - read, "store": start + seconds - checked}}
        assert info.added == len(validated.frame), info
    elif what == "floor":
        # The least any row-per-figure SQLite store can do: the file's cells as they are, no checking,
        # no types, no version bookkeeping, one executemany into a table without indexes, one commit.
        import sqlite3
        import pandas as pd
        cells = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = list(zip(*[cells[c].tolist() for c in cells.columns]))
        del cells
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("CREATE TABLE figures (" + ", ".join(FIGURES.names) + ")")
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO figures VALUES (" + ", ".join("?" * len(FIGURES.names)) + ")", rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "stages": locals().get("stages")}}))
"""


def _child(what: str, path: Path, db: Path) -> dict:
    script = CHILD.format(root=str(ROOT), today=TODAY)
    out = subprocess.run([sys.executable, "-c", script, what, str(path), str(db)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the generated file (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each measurement; the median is reported")
    parser.add_argument("--keep", type=Path, help="write the file here, or into this folder (reuse it if it exists), not in a temp dir")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows)
        return

    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        path = args.keep or Path(tmp) / "figures.csv"
        if path.is_dir():  # a folder to keep the file in
            path = path / f"figures-{args.rows}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            print(f"generating {args.rows:,} rows (seed {SEED})...", flush=True)
            # In a child: on Linux a forked child inherits its parent's peak RSS as its own
            # ru_maxrss, so this process must stay small for the measurements below.
            subprocess.run([sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)], check=True)
        size = path.stat().st_size
        with path.open("rb") as f:  # counted in slices: this process must stay small (see above)
            rows = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1
        print(f"file           {size / 1e6:8.1f} MB   {rows:,} rows, project template, distinct keys")
        base_times, import_times, stage_times, floor_times, peaks = [], [], [], [], []
        floor = _child("modules", path, Path(tmp) / "unused.sqlite")["maxrss"]
        for run in range(args.runs):
            base_times.append(_child("baseline", path, Path(tmp) / "unused.sqlite")["seconds"])
            db = Path(tmp) / f"import-{run}.sqlite"
            result = _child("import", path, db)
            import_times.append(result["seconds"])
            stage_times.append(result["stages"])
            peaks.append(result["maxrss"] - floor)
            db.unlink()
            floor_times.append(_child("floor", path, db)["seconds"])
            db.unlink()
    base, ours, peak = statistics.median(base_times), statistics.median(import_times), statistics.median(peaks)
    runs = f", median of {args.runs} runs" if args.runs > 1 else ""
    print(f"read_csv       {base:8.2f} s    pandas.read_csv(path), fresh process{runs}")
    print(f"import         {ours:8.2f} s    read bytes + ingest.read_csv + validate + Store.commit (new SQLite file)")
    for stage in ("read", "validate", "store"):
        t = statistics.median(s[stage] for s in stage_times)
        print(f"  {stage:<12} {t:8.2f} s    {t / base:5.1f} x read_csv")
    ratio = ours / base
    print(f"time ratio     {ratio:8.2f}      goal <= {TIME_GOAL:g}: {'met' if ratio <= TIME_GOAL else 'MISSED'}")
    low = statistics.median(floor_times)
    print(f"SQLite floor   {low:8.2f} s    {low / base:5.1f} x read_csv: the file's cells as text in one executemany, "
          "no checks, no indexes (any row-per-figure store takes at least this)")
    mem = peak / size
    print(f"peak memory    {peak / 1e6:8.1f} MB   ru_maxrss of the import process minus ru_maxrss of a process "
          f"that only imports the modules ({floor / 1e6:.0f} MB)")
    print(f"memory ratio   {mem:8.2f}      goal <= {MEMORY_GOAL:g} x file size: "
          f"{'met' if mem <= MEMORY_GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()

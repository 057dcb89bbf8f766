"""The benchmark scripts run end to end on a small file and print every ratio they promise."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_benchmark_prints_time_stages_floor_and_memory_ratios(tmp_path):
    out = subprocess.run([sys.executable, "benchmarks/bench_import.py", "--rows", "2000", "--keep", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "figures-2000.csv").stat().st_size > 0  # --keep names a folder: the file is kept in it
    lines = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    assert {"read_csv", "import", "read", "validate", "store", "time", "SQLite", "peak", "memory"} <= lines
    assert "2,000 rows" in out.stdout and "goal <= 3" in out.stdout and "goal <= 4 x file size" in out.stdout

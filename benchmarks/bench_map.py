"""Map benchmarks, each printed as a ratio against a baseline measured in the same run.

1. payload: bytes handed to the map component for the default view, against the same
   layers drawn from full-resolution boundaries (goal: at most 300 KB).
2. warm rerun: server-side time of a rerun of the map page, against a bare st_folium map
   with one marker (goal: at most 100 ms and at most 3 times the baseline).
3. time to map: opening the page until the map's markers are visible in Chromium, against
   a minimal Streamlit page until its title is visible.
Also printed: the size of the standalone HTML export of the default view.

Usage: .venv/bin/python benchmarks/bench_map.py [--runs N] [--skip-browser]
The full-resolution baseline is built once with scripts/build_boundaries.py --full-resolution
(needs the npm registry) and cached under benchmarks/.cache/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
FULL_RES = CACHE / "boundaries-full"


def _map_payload(boundaries: Path | None) -> int:
    """Size in bytes of the JSON arguments the map page sends to st_folium."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    if boundaries:
        os.environ["DASHBOARD_BOUNDARIES"] = str(boundaries)
    else:
        os.environ.pop("DASHBOARD_BOUNDARIES", None)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_function(_dashboard, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    [component] = [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    return len(component.proto.json_args.encode())


def _ensure_full_resolution() -> Path:
    if not (FULL_RES / "countries.geojson").exists():
        print("building full-resolution boundaries (once; needs the npm registry)...", flush=True)
        subprocess.run(
            [sys.executable, "scripts/build_boundaries.py", "--full-resolution", "--out", str(FULL_RES)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
    return FULL_RES


def bench_payload() -> None:
    full = _map_payload(_ensure_full_resolution())
    ours = _map_payload(None)
    from dashboards.pages.map_page import LAYERS, standalone_map
    from dashboards.config import database_url
    from dashboards import viewmodel as vm
    from dashboards.pages.state import tables

    figures, control = tables(database_url(), None)
    on = vm.date_range(figures, control)[1]
    html = standalone_map(database_url(), None, on, tuple(LAYERS), False).encode()
    print(f"standalone map {len(html) / 1024:8.1f} KB   (one HTML file with Leaflet and jQuery inlined)")
    print(f"payload        {ours / 1024:8.1f} KB   full resolution {full / 1024:8.1f} KB   "
          f"ratio {ours / full:5.3f}   goal <= 300 KB: {'met' if ours <= 300 * 1024 else 'MISSED'}")


def _rerun_times(script, runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(script, default_timeout=120)
    at.run()  # cold: caches fill here
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return times


def _dashboard():
    from dashboards.pages import map_page

    map_page.render()


def _bare_map():
    import folium
    from streamlit_folium import st_folium

    m = folium.Map(location=(-1.9, 29.4), zoom_start=6, tiles=None)
    folium.CircleMarker((-1.674, 29.228), radius=6).add_to(m)
    st_folium(m, key="map", returned_objects=[], height=640)


def _date_change_times(runs: int) -> list[float]:
    """Reruns that each move the date slider between two dates (both seen once before: warm)."""
    from datetime import date

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_dashboard, default_timeout=120)
    at.run()
    dates = [date(2025, 1, 28), date(2025, 6, 30)]
    for d in dates:
        at.slider(key="date").set_value(d).run()
    times = []
    for i in range(runs):
        slider = at.slider(key="date").set_value(dates[i % 2])
        start = time.perf_counter()
        slider.run()
        times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return times


def bench_rerun(runs: int) -> None:
    ours = statistics.median(_rerun_times(_dashboard, runs))
    base = statistics.median(_rerun_times(_bare_map, runs))
    goal = ours <= 0.100 and ours <= 3 * base
    print(f"warm rerun     {ours * 1000:8.1f} ms   bare map       {base * 1000:8.1f} ms   "
          f"ratio {ours / base:5.2f}   goal <= 100 ms and <= 3x: {'met' if goal else 'MISSED'}")
    moved = statistics.median(_date_change_times(runs))
    goal = moved <= 0.100
    print(f"date change    {moved * 1000:8.1f} ms   bare map       {base * 1000:8.1f} ms   "
          f"ratio {moved / base:5.2f}   goal <= 100 ms: {'met' if goal else 'MISSED'}")


def _serve(script: Path, env: dict):
    sys.path.insert(0, str(ROOT))
    from tests.browser.conftest import _free_port  # the same launcher the browser tests use

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{script} did not start")


def bench_browser(env: dict, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text("import streamlit as st\nst.title('Minimal page')\n")
        app, app_url = _serve(ROOT / "app.py", env)
        bare, bare_url = _serve(minimal, env)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

                def timed(url, wait) -> float:
                    context = browser.new_context()
                    page = context.new_page()
                    start = time.perf_counter()
                    page.goto(url)
                    wait(page)
                    elapsed = time.perf_counter() - start
                    context.close()
                    return elapsed

                def map_visible(page):
                    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
                    frame.locator("path.control-marker").first.wait_for(state="visible", timeout=60_000)

                def title_visible(page):
                    page.get_by_role("heading", name="Minimal page").wait_for(timeout=60_000)

                timed(app_url, map_visible)  # warm the server's caches once
                ours = statistics.median(timed(app_url, map_visible) for _ in range(runs))
                base = statistics.median(timed(bare_url, title_visible) for _ in range(runs))
                browser.close()
        finally:
            app.terminate()
            bare.terminate()
    print(f"time to map    {ours * 1000:8.0f} ms   minimal page   {base * 1000:8.0f} ms   ratio {ours / base:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.sqlite"
    env = {**os.environ, "DASHBOARD_DB": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    os.environ.update({"DASHBOARD_DB": str(db)})
    bench_payload()
    bench_rerun(args.runs)
    if not args.skip_browser:
        bench_browser(env, max(3, args.runs // 3))


if __name__ == "__main__":
    main()

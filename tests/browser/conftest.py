"""Run the real app in a subprocess and drive it with Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium phones home at start-up.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(message)  # in CI a missing browser is a failure, never a skip
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, seeds: Path, env_extra: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DASHBOARD_DB": str(tmp / "browser.sqlite"),
        "DASHBOARD_SEEDS": str(seeds),
        **(env_extra or {}),
    }
    env.pop("DATABASE_URL", None)
    log = open(tmp / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {(tmp / 'streamlit.log').read_text()}")


@pytest.fixture(scope="session")
def app_seeds(tmp_path_factory) -> Path:
    """The real seeds plus a hostile row in each table."""
    from ..conftest import write_hostile_seeds

    return write_hostile_seeds(tmp_path_factory.mktemp("seeds") / "seeds")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, chromium_path, app_seeds):
    """The app on a free port, seeded with app_seeds."""
    proc, url = start_app(tmp_path_factory.mktemp("app"), app_seeds)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


# Opened at a page's own address (/upload), Streamlit's front end first probes its
# server endpoints under that path and gets 404 before finding them at the root.
_STREAMLIT_PROBE = re.compile(r"/[^/]+/_stcore/(host-config|health)$")


class Watched:
    """A page plus everything it asked the network for and every error it logged."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if not (message.text.startswith("Failed to load resource") and _STREAMLIT_PROBE.search(url)):
            self.errors.append(f"{message.text} {url}")

    def _response(self, response):
        if response.status >= 400 and not _STREAMLIT_PROBE.search(response.url):
            self.errors.append(f"HTTP {response.status} {response.url}")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    yield Watched(page)
    context.close()

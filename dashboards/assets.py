"""Leaflet (and the jQuery that folium's popups call) served by the app itself.

The files come from the `xstatic-leaflet` and `xstatic-jquery` packages
(installed from PyPI, never committed) and are copied under static/ where
Streamlit's static serving finds them, so the map works with no internet.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from .config import STATIC_DIR

VENDOR_DIR = STATIC_DIR / "vendor"
# The map component runs in an iframe at <app>/component/<name>/index.html; a
# relative path keeps working when the app is served under a base URL path.
STATIC_URL_FROM_COMPONENT = "../../app/static/vendor"

# (name, file inside the package, path under static/vendor) in the order the page loads them.
SCRIPTS = (("jquery", "jquery.min.js", "jquery/jquery.min.js"), ("leaflet", "leaflet.js", "leaflet/leaflet.js"))
STYLESHEETS = (("leaflet_css", "leaflet.css", "leaflet/leaflet.css"),)


def _package_dir(name: str) -> Path:
    if name.startswith("jquery"):
        import xstatic.pkg.jquery as package
    else:
        import xstatic.pkg.leaflet as package
    return Path(package.BASE_DIR)


def install_assets(target: Path = VENDOR_DIR) -> Path:
    """Copy the scripts, stylesheets and Leaflet's marker images under static/vendor (only what changed)."""
    for name, file, path in SCRIPTS + STYLESHEETS:
        src, dst = _package_dir(name) / file, target / path
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or not filecmp.cmp(src, dst, shallow=False):
            shutil.copyfile(src, dst)
    shutil.copytree(_package_dir("leaflet") / "images", target / "leaflet" / "images", dirs_exist_ok=True)
    return target


def asset_urls(base: str = STATIC_URL_FROM_COMPONENT) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(default_js, default_css) for a folium map, pointing at the app's own copies."""
    return (
        [(name, f"{base}/{path}") for name, _, path in SCRIPTS],
        [(name, f"{base}/{path}") for name, _, path in STYLESHEETS],
    )


def inline_assets() -> tuple[list[str], list[str]]:
    """The scripts and stylesheets as text, for a standalone HTML file that needs no server."""
    scripts = [(_package_dir(n) / f).read_text(encoding="utf-8") for n, f, _ in SCRIPTS]
    styles = [(_package_dir(n) / f).read_text(encoding="utf-8") for n, f, _ in STYLESHEETS]
    return scripts, styles

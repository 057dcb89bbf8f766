"""An editor uploads a file through the page and the map shows it; a viewer never sees upload controls."""

from __future__ import annotations

import pytest

from dashboards.config import SEEDS_DIR
from dashboards.schema import FIGURES

from .conftest import start_app

SECRET = "correct horse battery staple"
NEW = "2025-12-30,COD,South Kivu,BDI,,refugees,91234,flow,2025-12-01,,UNHCR,Browser test,https://example.org/t,standard,"


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory, chromium_path):
    tmp = tmp_path_factory.mktemp("editor_app")
    proc, url = start_app(tmp, SEEDS_DIR, {"DASHBOARD_EDITOR_SECRET": SECRET})
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_a_viewer_sees_no_upload_control(watched, editor_app):
    page = watched.page
    page.goto(f"{editor_app}/upload")
    page.get_by_text("Editor secret").wait_for(timeout=30_000)
    assert page.locator('input[type="file"]').count() == 0
    assert page.get_by_role("button", name="Import as a new version").count() == 0


def test_an_editor_uploads_a_file_confirms_and_the_map_shows_the_new_figure(watched, editor_app, tmp_path):
    page = watched.page
    page.goto(f"{editor_app}/upload")
    page.get_by_label("Editor secret").fill(SECRET)
    page.get_by_role("button", name="Sign in as editor").click()
    upload = tmp_path / "burundi.csv"
    upload.write_text(",".join(FIGURES.names) + "\n" + NEW + "\n")
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("What was understood").wait_for(timeout=30_000)
    page.get_by_text("No problems found.").wait_for()
    page.get_by_role("button", name="Import as a new version").click()
    page.get_by_text("Version 2 created").wait_for(timeout=30_000)

    page.goto(editor_app)
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator(".flow-label").first.wait_for(timeout=30_000)
    labels = frame.locator(".flow-label").all_inner_texts()
    assert any(label.startswith("Burundi: 91,234") and "30 Dec 2025" in label for label in labels), labels
    assert watched.errors == []

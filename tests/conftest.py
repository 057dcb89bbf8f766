"""Shared fixtures: a fresh database per test, the real seeds, small frames."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboards.config import SEEDS_DIR
from dashboards.ingest import read_csv
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import ensure_seeded
from dashboards.store import Store
from dashboards.validate import validate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'test.sqlite'}")
    s.create()
    return s


@pytest.fixture
def seeded(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'seeded.sqlite'}")
    ensure_seeded(s, SEEDS_DIR)
    return s


def write_hostile_seeds(target: Path) -> Path:
    """The real seeds plus rows whose text is HTML and JavaScript, as an attacker would upload."""
    import csv

    shutil.copytree(SEEDS_DIR, target)
    for name in ("figures.csv", "control.csv"):
        with open(target / name, encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        with open(FIXTURES / f"hostile_{name}", encoding="utf-8", newline="") as f:
            extra = list(csv.DictReader(f))
        with open(target / name, "a", encoding="utf-8", newline="") as f:  # in the seeds' column order
            csv.DictWriter(f, header, restval="", lineterminator="\n").writerows(extra)
    return target


def frame(table, csv_text: str) -> pd.DataFrame:
    """Typed rows from CSV text in the project's layout; the test fails on any validation error."""
    result = validate(read_csv(csv_text.encode("utf-8"), table))
    assert result.ok, [str(p) for p in result.problems]
    return result.frame


def own_row_from_template(kind: str) -> bytes:
    """The template with its example row made an editor's own: its placeholder source address and note replaced."""
    from dashboards.imports import template
    from dashboards.schema import TEMPLATE_EXAMPLES

    example = TEMPLATE_EXAMPLES[kind]
    own = template(kind).replace(example["source_url"].encode(), b"https://example.org/test/own")
    return own.replace(example["notes"].encode(), b"Made-up row for tests")


# Most files have no figure_qualifier column (it is optional): the tests' rows are written without it.
FIGURES_HEADER = ",".join(n for n in FIGURES.names if n != "figure_qualifier")
CONTROL_HEADER = ",".join(CONTROL.names)


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """A fresh database for an AppTest run, seeded from the real seeds on first use."""
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "app.sqlite"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DASHBOARD_SEEDS", raising=False)
    return tmp_path


def page_apptest(module: str):
    """One page's render() under AppTest, as the navigation in app.py would run it; not yet run, so that a test
    can set query parameters first."""
    from streamlit.testing.v1 import AppTest

    def script(module_name):
        import importlib

        from dashboards.pages.address import finish_run

        importlib.import_module(module_name).render()
        finish_run()

    return AppTest.from_function(script, args=(module,), default_timeout=60)


def run_page(module: str):
    """Run one page's render() under AppTest, as the navigation in app.py would."""
    at = page_apptest(module)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def component_args(at) -> dict:
    """The arguments the page passed to the map component (AppTest cannot render its iframe)."""
    import json

    [component] = [e for e in at.main if getattr(e, "type", None) == "component_instance"]
    return json.loads(component.proto.json_args)


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request, tmp_path):
    """A database URL with nothing in it, for SQLite and for PostgreSQL; worker processes can open it too.

    PostgreSQL is the server at TEST_DATABASE_URL (.ci/run starts one), and each test gets a schema
    of its own through the URL's search_path, dropped afterwards: tests never see each other's tables,
    even when two test runs share the server. Without the variable the PostgreSQL case is skipped,
    except under CI, where it fails: CI must never skip it.
    """
    import os
    import uuid

    import sqlalchemy as sa

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        message = "TEST_DATABASE_URL is not set: no PostgreSQL server to test against (.ci/run starts one)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"pytest_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def db(sql_url):
    """A store with empty tables at sql_url (SQLite and PostgreSQL)."""
    s = Store(sql_url)
    s.create()
    yield s
    s.engine.dispose()

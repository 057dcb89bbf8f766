import json

from ..conftest import own_row_from_template, run_page

PAGE = "dashboards.pages.history_page"


def test_the_heading_is_the_pages_name_in_the_navigation(app_env):
    at = run_page(PAGE)
    assert [t.value for t in at.title] == ["History"]


def test_versions_are_listed_and_a_viewer_cannot_revert(app_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    versions = at.dataframe[0].value
    assert list(versions["mode"]) == ["seed"]
    # Who stored what, when, and what it changed, before the file's 64-character fingerprint.
    assert list(versions.columns)[:5] == ["id", "created_at", "editor", "file_name", "added"]
    assert list(versions.columns)[-1] == "sha256"
    labels = {c: json.loads(at.dataframe[0].proto.columns)[c]["label"] for c in ("created_at", "sha256")}
    assert labels == {"created_at": "Time", "sha256": "File fingerprint (SHA-256)"}
    assert not [b for b in at.button if b.key.startswith("revert")]


def test_an_editor_can_revert_to_an_earlier_version(app_env, monkeypatch):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    store = Store(database_url())
    imports.apply(imports.check(own_row_from_template("figures"), "figures", store=store), store)
    at.run()
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    at.selectbox(key="revert_to_2").select(1).run()  # versions are listed newest first: 1 after the current 2
    # Before anything happens: what the revert does to each table, and a box to tick before the button works.
    [said] = [w.value for w in at.warning]
    assert "Displacement figures: 1 row removed." in said and "Territorial control events: no change." in said
    [revert] = [b for b in at.button if b.key == "revert_2"]
    assert revert.disabled
    at.checkbox(key="revert_confirm_2_1").check().run()
    assert at.checkbox(key="revert_confirm_2_1").label == "I understand 1 row(s) will be removed"
    [revert] = [b for b in at.button if b.key == "revert_2"]
    assert not revert.disabled
    revert.click().run()
    assert not at.exception
    assert store.current_version() == 3 and store.version(3)["mode"] == "revert"
    # The message survives the rerun that lists the new version, and the choosers move to it.
    assert [s.value for s in at.success] == ["Version 3 created: the data is now as in version 1."]
    # New choosers, for the new list of versions: none shows a choice made before the revert.
    assert at.selectbox(key="diff_after_3").value == 3 and at.selectbox(key="download_version_3").value == 3
    assert at.selectbox(key="revert_to_3").value == 2
    assert not [w for w in at.selectbox if w.key.endswith("_2")]
    assert "None" not in at.dataframe[0].value.to_string()  # empty cells are blank
    # Versions 2 and 3: the one imported row is gone again.
    assert any(c.value.startswith("1 row(s) differ: 1 removed.") for c in at.caption), [c.value for c in at.caption]


def test_a_revert_to_the_same_data_as_now_is_not_offered_and_makes_no_version(app_env, monkeypatch):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    store = Store(database_url())
    imports.apply(imports.check(own_row_from_template("figures"), "figures", store=store), store)
    store.revert(1)  # version 3 holds what version 1 holds
    at.run()
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    at.selectbox(key="revert_to_3").select(1).run()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Version 1 holds the same data as the current version 3: there is nothing to revert."]
    assert not [b for b in at.button if b.key.startswith("revert")]
    assert store.current_version() == 3


def test_reruns_reuse_the_diff_and_the_downloads_of_immutable_versions(app_env, monkeypatch):
    # At 300,000 rows each of these takes seconds; a rerun (any click on the page) must not redo them.
    from dashboards import imports
    from dashboards.store import Store

    calls = {"changes": 0, "export": 0}
    real_changes, real_export = Store.changes, imports.to_csv_bytes

    def counted_changes(self, *args):
        calls["changes"] += 1
        return real_changes(self, *args)

    def counted_export(*args, **kwargs):
        calls["export"] += 1
        return real_export(*args, **kwargs)

    monkeypatch.setattr(Store, "changes", counted_changes)
    monkeypatch.setattr(imports, "to_csv_bytes", counted_export)
    at = run_page(PAGE)
    at.run()
    at.run()
    assert calls == {"changes": 1, "export": 2}  # one diff, one CSV and one HXL CSV, for three runs

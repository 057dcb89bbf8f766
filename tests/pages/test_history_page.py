from ..conftest import run_page

PAGE = "dashboards.pages.history_page"


def test_versions_are_listed_and_a_viewer_cannot_revert(app_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    versions = at.dataframe[0].value
    assert list(versions["mode"]) == ["seed"]
    assert not [b for b in at.button if b.key == "revert"]


def test_an_editor_can_revert_to_an_earlier_version(app_env, monkeypatch):
    from dashboards import imports
    from dashboards.config import database_url
    from dashboards.store import Store

    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    store = Store(database_url())
    imports.apply(imports.check(imports.template("figures"), "figures", store=store), store)
    at.run()
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    [revert] = [b for b in at.button if b.key == "revert"]
    revert.click().run()
    assert not at.exception
    assert store.current_version() == 3 and store.version(3)["mode"] == "revert"
    # The message survives the rerun that lists the new version, and the choosers move to it.
    assert [s.value for s in at.success] == ["Version 3 created: the data is now as in version 1."]
    assert at.selectbox(key="diff_after").value == 3 and at.selectbox(key="download_version").value == 3
    assert "None" not in at.dataframe[0].value.to_string()  # empty cells are blank

from ..conftest import run_page

PAGE = "dashboards.pages.upload_page"


def test_without_a_configured_secret_the_page_explains_how_and_shows_no_upload_control(app_env, monkeypatch):
    monkeypatch.delenv("DASHBOARD_EDITOR_SECRET", raising=False)
    at = run_page(PAGE)
    assert "DASHBOARD_EDITOR_SECRET" in at.info[0].value
    assert not at.get("file_uploader") and not at.text_input


def test_a_viewer_sees_only_the_sign_in_and_a_wrong_secret_is_refused(app_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    assert not at.get("file_uploader")
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert "not the editor secret" in at.error[0].value
    assert not at.get("file_uploader")


def test_an_editor_gets_the_upload_controls_and_the_template(app_env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_EDITOR_SECRET", "correct horse")
    at = run_page(PAGE)
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert at.get("file_uploader")
    assert at.radio(key="kind").value == "figures"

from dashboards.access import ENV_VAR, configured_secret, is_editor


def test_no_secret_configured_means_nobody_is_an_editor(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert configured_secret({}) is None
    assert not is_editor("", None) and not is_editor("anything", None)


def test_the_secret_comes_from_the_environment_or_streamlit_secrets(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert configured_secret({"editor_secret": " s3cret "}) == "s3cret"
    monkeypatch.setenv(ENV_VAR, "from-env")
    assert configured_secret({"editor_secret": "other"}) == "from-env"


def test_only_the_exact_secret_signs_in():
    assert is_editor("correct horse", "correct horse")
    assert not is_editor("correct hors", "correct horse") and not is_editor("", "correct horse")

from streamlit.testing.v1 import AppTest


def test_the_app_opens_on_the_map_page_and_builds_its_database(app_env):
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Eastern DR Congo")
    assert (app_env / "app.sqlite").exists()


def test_a_broken_seed_file_gives_a_message_not_a_traceback(app_env, tmp_path, monkeypatch):
    seeds = tmp_path / "bad_seeds"
    seeds.mkdir()
    (seeds / "figures.csv").write_text("as_of,figure\n2025-01-01,5\n")
    (seeds / "control.csv").write_text("date\n")
    monkeypatch.setenv("DASHBOARD_SEEDS", str(seeds))
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception
    assert "seed data could not be loaded" in at.error[0].value
    assert "Required column 'destination_country'" in at.error[0].value

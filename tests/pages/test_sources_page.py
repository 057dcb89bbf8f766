from dashboards.schema import CONTROL, FIGURES

from ..conftest import run_page


def test_sources_licences_caveats_and_the_schema_are_documented(app_env):
    at = run_page("dashboards.pages.sources_page")
    text = " ".join(m.value for m in at.markdown)
    for words in ("Natural Earth", "public domain", "Stocks and flows", "Conflicting sources", "Unmapped localities"):
        assert words in text
    cited, figures_schema, control_schema = (d.value for d in at.dataframe)
    assert "UNHCR" in set(cited["Source"])
    assert list(figures_schema["Column"]) == FIGURES.names
    assert list(control_schema["HXL hashtag"]) == [c.hxl for c in CONTROL.columns]


def test_the_embed_snippet_is_documented(app_env):
    at = run_page("dashboards.pages.sources_page")
    snippet = next(c.value for c in at.code if "<iframe" in c.value)
    assert "embed=true" in snippet and 'title="' in snippet


def test_the_curation_log_is_readable_on_the_page(app_env):
    at = run_page("dashboards.pages.sources_page")
    [log] = [e for e in at.expander if e.label.startswith("Curation log")]
    assert "Kanyabayonga" in " ".join(m.value for m in log.markdown)

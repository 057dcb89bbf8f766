import pandas as pd

from dashboards.schema import CONTROL, FIGURES

from .conftest import CONTROL_HEADER, FIGURES_HEADER, frame

ROWS = "\n".join(
    [
        FIGURES_HEADER,
        "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,T,https://example.org/a,standard,",
        "2025-02-21,COD,,UGA,,refugees,13000,flow,2025-01-01,,UNHCR,T,https://example.org/b,standard,",
    ]
)

CONTROL_ROWS = "\n".join(
    [
        CONTROL_HEADER,
        "2025-01-27,Goma,Goma,North Kivu,-1.67,29.22,T,M23/AFC,captured,Reuters,T,https://example.org/g,standard,",
        "2025-02-16,Bukavu,Bukavu,South Kivu,-2.49,28.84,T,M23/AFC,captured,Reuters,T,https://example.org/b,standard,",
    ]
)


def test_a_new_database_has_no_version_and_empty_tables(store):
    assert store.current_version() is None
    assert store.read(FIGURES).empty and store.read(CONTROL).empty


def test_committed_rows_read_back_with_their_types(store):
    info = store.commit({FIGURES: frame(FIGURES, ROWS)}, mode="seed", data=b"file")
    assert (info.id, info.added) == (1, 2)
    back = store.read(FIGURES)
    assert list(back["figure"]) == [42000, 13000]
    assert back.loc[1, "period_start"] == pd.Timestamp("2025-01-01")


def test_a_merge_replaces_rows_with_the_same_key_and_keeps_the_others(store):
    store.commit({FIGURES: frame(FIGURES, ROWS)}, mode="seed")
    update = frame(FIGURES, ROWS.replace("42000", "45000"))
    info = store.commit({FIGURES: update.iloc[:1]}, mode="merge")
    assert (info.added, info.changed, info.unchanged) == (0, 1, 0)
    assert sorted(store.read(FIGURES)["figure"]) == [13000, 45000]


def test_every_version_stays_retrievable(store):
    store.commit({FIGURES: frame(FIGURES, ROWS)}, mode="seed")
    store.commit({FIGURES: frame(FIGURES, ROWS.replace("42000", "45000"))}, mode="merge")
    assert sorted(store.read(FIGURES, version=1)["figure"]) == [13000, 42000]
    assert sorted(store.read(FIGURES, version=2)["figure"]) == [13000, 45000]


def test_replace_makes_the_table_exactly_the_new_rows(store):
    rows = frame(FIGURES, ROWS)
    store.commit({FIGURES: rows}, mode="seed")
    info = store.commit({FIGURES: rows.iloc[1:]}, mode="replace")
    assert (info.removed, info.unchanged) == (1, 1)
    assert list(store.read(FIGURES)["destination_country"]) == ["UGA"]
    assert len(store.read(FIGURES, version=1)) == 2


def test_a_version_records_who_what_and_the_file_fingerprint(store):
    import hashlib

    store.commit({FIGURES: frame(FIGURES, ROWS)}, mode="merge", editor="ed", file_name="a.csv", data=b"abc", note="n")
    v = store.version_list().iloc[0]
    assert (v["editor"], v["file_name"], v["note"], v["rows_in_file"]) == ("ed", "a.csv", "n", 2)
    assert v["sha256"] == hashlib.sha256(b"abc").hexdigest()


def test_a_failed_commit_leaves_nothing_behind(store, monkeypatch):
    store.commit({FIGURES: frame(FIGURES, ROWS)}, mode="seed")
    import dashboards.store as module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_python_values", broken)
    try:
        store.commit({FIGURES: frame(FIGURES, ROWS.replace("42000", "1"))}, mode="merge")
    except RuntimeError:
        pass
    assert store.current_version() == 1
    assert sorted(store.read(FIGURES)["figure"]) == [13000, 42000]


def test_a_big_commit_reports_its_rows_as_they_are_stored(store, monkeypatch):
    import dashboards.store

    monkeypatch.setattr(dashboards.store, "CHUNK", 1)  # a batch per row, as 20,000-row batches go in a big file
    heard = []
    store.commit({FIGURES: frame(FIGURES, ROWS), CONTROL: frame(CONTROL, CONTROL_ROWS)}, mode="seed",
                 progress=lambda done, what: heard.append((round(done, 3), what)))
    assert [what for _, what in heard] == [
        "Waiting for other imports to finish", "Comparing with the stored rows",
        "Stored 1 of 4 rows", "Stored 3 of 4 rows", "Writing the new version to disk"]
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)

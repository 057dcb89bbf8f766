"""The store behaves the same on SQLite and PostgreSQL: types, versions, merge/replace/revert, atomicity."""

import pandas as pd
import pytest

from dashboards.schema import CONTROL, FIGURES

from .conftest import CONTROL_HEADER, FIGURES_HEADER, frame

FIGS = frame(FIGURES, "\n".join([
    FIGURES_HEADER,
    "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,,,UNHCR,T,https://example.org/a,standard,",
    "2025-01-11,COD,North Kivu,COD,North Kivu,idps,2800000,stock,,,UN,T,https://example.org/b,low,note",
]))
CTRL = frame(CONTROL, "\n".join([
    CONTROL_HEADER,
    "2025-01-27,Goma,Goma (city),North Kivu,-1.67409,29.22845,GeoNames,M23/AFC,captured,R,T,https://example.org/g,,",
    "2025-02-09,Kiliba,Uvira,South Kivu,,,,M23/AFC,captured,R,T,https://example.org/k,,",
]))


def test_typed_values_read_back_unchanged(sql_store):
    sql_store.commit({FIGURES: FIGS, CONTROL: CTRL}, mode="seed")
    figures, control = sql_store.read(FIGURES), sql_store.read(CONTROL)
    assert list(figures["figure"]) == [42000, 2800000] and str(figures["figure"].dtype) == "Int64"
    assert figures.loc[0, "as_of"] == pd.Timestamp("2025-02-21") and pd.isna(figures.loc[0, "destination_admin1"])
    assert control.loc[0, "lat"] == -1.67409 and pd.isna(control.loc[1, "lat"])


def test_merge_replace_and_revert_make_new_versions_and_keep_old_ones(sql_store):
    sql_store.commit({FIGURES: FIGS, CONTROL: CTRL}, mode="seed")
    changed = FIGS.copy()
    changed.loc[changed.index[0], "figure"] = 45000
    merge = sql_store.commit({FIGURES: changed.iloc[:1]}, mode="merge")
    assert (merge.id, merge.added, merge.changed, merge.unchanged) == (2, 0, 1, 0)
    replace = sql_store.commit({FIGURES: changed.iloc[1:]}, mode="replace")
    assert (replace.id, replace.removed) == (3, 1)
    revert = sql_store.revert(1)
    assert revert.id == 4
    assert sorted(sql_store.read(FIGURES)["figure"]) == [42000, 2800000]
    assert sorted(sql_store.read(FIGURES, 2)["figure"]) == [45000, 2800000]
    assert list(sql_store.read(FIGURES, 3)["figure"]) == [2800000]
    assert list(sql_store.version_list()["id"]) == [4, 3, 2, 1]


def test_changes_between_versions_name_added_removed_and_changed_rows(sql_store):
    sql_store.commit({FIGURES: FIGS}, mode="seed")
    changed = FIGS.copy()
    changed.loc[changed.index[0], "figure"] = 45000
    sql_store.commit({FIGURES: changed.iloc[:1]}, mode="replace")
    diff = sql_store.changes(FIGURES, 1, 2)
    assert sorted(diff["change"]) == ["changed", "removed"]
    row = diff[diff["change"] == "changed"].iloc[0]
    assert (row["figure (before)"], row["figure"]) == (42000, 45000)


def test_a_failed_commit_leaves_no_version_and_no_rows(sql_store, monkeypatch):
    sql_store.commit({FIGURES: FIGS}, mode="seed")
    import dashboards.store as module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_python_values", broken)
    with pytest.raises(RuntimeError):
        sql_store.commit({FIGURES: FIGS.assign(figure=1)}, mode="replace")
    assert sql_store.current_version() == 1
    assert sorted(sql_store.read(FIGURES)["figure"]) == [42000, 2800000]

"""The store behaves the same on SQLite and PostgreSQL: types, versions, merge/replace/revert, changes, atomicity."""

import hashlib

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboards.schema import CONTROL, FIGURES
from dashboards.store import Store

from .conftest import CONTROL_HEADER, FIGURES_HEADER, frame


# Every kind of value the tables hold: dates and missing dates, integers past 2**32 and zero,
# missing and non-ASCII text, a comma and quotes inside a cell, coordinates to 12 decimals and missing.
FIGS = frame(FIGURES, "\n".join([
    FIGURES_HEADER,
    "2025-02-21,COD,,BDI,,asylum_seekers,42000,flow,2025-01-01,,UNHCR,T,https://example.org/a,standard,",
    '2025-01-11,COD,North Kivu,COD,North Kivu,idps,9000000000,stock,,,UN,"Title, with ""quotes""",'
    "https://example.org/b,low,Ünïcødé ✓ — note",
    "1999-12-31,COD,,RWA,,refugees,0,stock,,,UNHCR,T,https://example.org/c,standard,",
]))
CTRL = frame(CONTROL, "\n".join([
    CONTROL_HEADER,
    "2025-01-27,Goma,Goma (city),North Kivu,-1.674091234567,29.228451234567,GeoNames,M23/AFC,captured,R,T,"
    "https://example.org/g,,",
    "2025-02-09,Kiliba,Uvira,South Kivu,,,,M23/AFC,captured,R,T,https://example.org/k,,",
]))


def figs(*lines: str) -> pd.DataFrame:
    """Figure rows from short specs 'as_of,destination,figure' (other columns fixed)."""
    rows = []
    for line in lines:
        as_of, destination, figure = line.split(",")
        rows.append(f"{as_of},COD,,{destination},,refugees,{figure},stock,,,UNHCR,T,https://example.org/x,standard,")
    return frame(FIGURES, "\n".join([FIGURES_HEADER, *rows]))


def same_rows(actual: pd.DataFrame, expected: pd.DataFrame, table=FIGURES) -> None:
    """Equal rows, values and dtypes, whatever their order."""
    key = list(table.key)

    def order(f):
        return f.sort_values(key, na_position="first").reset_index(drop=True)

    pd.testing.assert_frame_equal(order(actual), order(expected.reset_index(drop=True)))


def physical(store: Store, table, where=None) -> int:
    """Rows in the SQL table, retired ones included."""
    sql_table = store.tables[table.name]
    query = sa.select(sa.func.count()).select_from(sql_table)
    if where is not None:
        query = query.where(where(sql_table))
    with store.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def counts(info) -> tuple[int, int, int, int]:
    return (info.added, info.changed, info.unchanged, info.removed)


def test_an_empty_store_reads_empty_tables_with_the_right_dtypes(db):
    assert db.current_version() is None and db.version_list().empty
    for table, rows in ((FIGURES, FIGS), (CONTROL, CTRL)):
        empty = db.read(table)
        assert empty.empty and list(empty.columns) == table.names
        assert empty.dtypes.to_dict() == rows.dtypes.to_dict()


def test_typed_values_read_back_exactly(db):
    info = db.commit({FIGURES: FIGS, CONTROL: CTRL}, mode="seed")
    assert (info.id, info.mode, info.tables, counts(info)) == (1, "seed", "figures,control", (5, 0, 0, 0))
    for version in (None, 1):
        pd.testing.assert_frame_equal(db.read(FIGURES, version), FIGS.reset_index(drop=True))
        pd.testing.assert_frame_equal(db.read(CONTROL, version), CTRL.reset_index(drop=True))
    back = db.read(FIGURES)
    assert str(back["figure"].dtype) == "Int64" and back["figure"].tolist() == [42000, 9_000_000_000, 0]
    assert back.loc[0, "period_start"] == pd.Timestamp("2025-01-01") and pd.isna(back.loc[1, "period_start"])
    assert pd.isna(back.loc[0, "notes"]) and back.loc[1, "notes"] == "Ünïcødé ✓ — note"
    control = db.read(CONTROL)
    assert str(control["lat"].dtype) == "Float64" and control.loc[0, "lat"] == -1.674091234567
    assert pd.isna(control.loc[1, "lat"]) and pd.isna(control.loc[1, "coord_source"])


def test_merge_replaces_rows_with_the_same_key_adds_new_ones_and_keeps_the_rest(db):
    db.commit({FIGURES: figs("2025-01-01,BDI,100", "2025-01-01,RWA,200", "2025-01-01,UGA,300")}, mode="seed")
    info = db.commit({FIGURES: figs("2025-01-01,BDI,150", "2025-01-01,RWA,200", "2025-02-01,BDI,400")}, mode="merge")
    assert (info.id, info.mode, counts(info)) == (2, "merge", (1, 1, 1, 0))
    same_rows(db.read(FIGURES), figs("2025-01-01,BDI,150", "2025-01-01,RWA,200", "2025-01-01,UGA,300",
                                     "2025-02-01,BDI,400"))
    # The changed row's old value is retired, not overwritten; the unchanged one is not written again.
    assert physical(db, FIGURES) == 5
    assert physical(db, FIGURES, lambda t: t.c.valid_to == 2) == 1


def test_replace_makes_the_table_exactly_the_new_rows_and_leaves_the_other_table_alone(db):
    db.commit({FIGURES: figs("2025-01-01,BDI,100", "2025-01-01,RWA,200", "2025-01-01,UGA,300"),
               CONTROL: CTRL}, mode="seed")
    info = db.commit({FIGURES: figs("2025-01-01,BDI,150", "2025-01-01,RWA,200", "2025-03-01,TZA,1")}, mode="replace")
    assert (info.tables, counts(info)) == ("figures", (1, 1, 1, 1))
    same_rows(db.read(FIGURES), figs("2025-01-01,BDI,150", "2025-01-01,RWA,200", "2025-03-01,TZA,1"))
    same_rows(db.read(CONTROL), CTRL, CONTROL)
    empty = db.commit({FIGURES: figs("2025-01-01,BDI,1").iloc[:0]}, mode="replace")
    assert counts(empty) == (0, 0, 0, 3) and db.read(FIGURES).empty


def test_revert_makes_a_new_version_equal_to_the_old_one(db):
    v1 = figs("2025-01-01,BDI,100", "2025-01-01,RWA,200")
    db.commit({FIGURES: v1, CONTROL: CTRL}, mode="seed")
    db.commit({FIGURES: figs("2025-01-01,BDI,150", "2025-02-01,UGA,1")}, mode="merge")
    db.commit({CONTROL: CTRL.iloc[:1]}, mode="replace")
    info = db.revert(1, editor="ed")
    # figures: BDI changed back, UGA removed, RWA unchanged; control: Kiliba added back, Goma unchanged.
    assert (info.id, info.mode, info.tables, counts(info)) == (4, "revert", "figures,control", (1, 1, 2, 1))
    assert (db.version(4)["editor"], db.version(4)["note"]) == ("ed", "Revert to version 1")
    same_rows(db.read(FIGURES), v1)
    same_rows(db.read(CONTROL), CTRL, CONTROL)
    with pytest.raises(ValueError):
        db.revert(99)
    assert db.current_version() == 4


def test_every_version_stays_retrievable_with_its_record(db):
    steps = [
        ({FIGURES: figs("2025-01-01,BDI,100"), CONTROL: CTRL}, "seed"),
        ({FIGURES: figs("2025-01-01,BDI,110", "2025-01-02,BDI,120")}, "merge"),
        ({FIGURES: figs("2025-01-02,BDI,120")}, "replace"),
        ({CONTROL: CTRL.iloc[1:]}, "replace"),
        ({FIGURES: figs("2025-01-03,RWA,7")}, "merge"),
    ]
    expected, infos = {}, []
    for n, (changes, mode) in enumerate(steps, start=1):
        data = f"file {n}".encode()
        infos.append(db.commit(changes, mode=mode, editor=f"editor{n}", file_name=f"f{n}.csv", data=data, note=f"n{n}"))
        expected[n] = {table: db.read(table) for table in (FIGURES, CONTROL)}
    assert [i.id for i in infos] == [1, 2, 3, 4, 5] and db.current_version() == 5
    same_rows(expected[1][FIGURES], figs("2025-01-01,BDI,100"))
    same_rows(expected[2][FIGURES], figs("2025-01-01,BDI,110", "2025-01-02,BDI,120"))
    same_rows(expected[5][FIGURES], figs("2025-01-02,BDI,120", "2025-01-03,RWA,7"))
    same_rows(expected[3][CONTROL], CTRL, CONTROL)
    same_rows(expected[4][CONTROL], CTRL.iloc[1:], CONTROL)
    for version, tables in expected.items():
        for table, rows in tables.items():
            same_rows(db.read(table, version), rows, table)
    listed = db.version_list()
    assert listed["id"].tolist() == [5, 4, 3, 2, 1]
    assert listed["mode"].tolist() == ["merge", "replace", "replace", "merge", "seed"]
    for info, (_, row) in zip(reversed(infos), listed.iterrows()):
        assert (row["added"], row["changed"], row["unchanged"], row["removed"]) == counts(info)
        assert row["created_at"] == info.created_at and row["tables"] == info.tables
        n = info.id
        assert (row["editor"], row["file_name"], row["note"]) == (f"editor{n}", f"f{n}.csv", f"n{n}")
        assert row["sha256"] == hashlib.sha256(f"file {n}".encode()).hexdigest()


def test_changes_between_versions_name_added_removed_and_changed_rows(db):
    db.commit({FIGURES: figs("2025-01-01,BDI,100", "2025-01-01,RWA,200")}, mode="seed")
    db.commit({FIGURES: figs("2025-01-01,BDI,150", "2025-02-01,UGA,5")}, mode="replace")
    db.commit({FIGURES: figs("2025-01-01,BDI,175")}, mode="merge")
    diff = db.changes(FIGURES, 1, 2).set_index("destination_country")
    assert diff["change"].to_dict() == {"BDI": "changed", "RWA": "removed", "UGA": "added"}
    assert (diff.loc["BDI", "figure (before)"], diff.loc["BDI", "figure"]) == (100, 150)
    assert pd.isna(diff.loc["UGA", "figure (before)"]) and pd.isna(diff.loc["RWA", "figure"])
    # Across versions, and backwards.
    across = db.changes(FIGURES, 1, 3).set_index("destination_country")
    assert (across.loc["BDI", "figure (before)"], across.loc["BDI", "figure"]) == (100, 175)
    back = db.changes(FIGURES, 3, 1).set_index("destination_country")
    assert back["change"].to_dict() == {"BDI": "changed", "RWA": "added", "UGA": "removed"}


def test_changes_leave_out_rows_that_did_not_change_even_with_empty_cells(db):
    # Unchanged rows with empty cells (notes, scope, period_start...) are not changes.
    db.commit({FIGURES: FIGS, CONTROL: CTRL}, mode="seed")
    db.commit({FIGURES: FIGS.assign(figure=FIGS["figure"].where(FIGS["destination_country"] != "BDI", 45000))},
              mode="replace")
    diff = db.changes(FIGURES, 1, 2)
    assert diff["destination_country"].tolist() == ["BDI"], diff[["change", "destination_country"]]
    assert db.changes(CONTROL, 1, 2).empty
    assert db.changes(FIGURES, 2, 2).empty


def test_preview_counts_what_commit_would_do_and_writes_nothing(db):
    db.commit({FIGURES: figs("2025-01-01,BDI,100", "2025-01-01,RWA,200", "2025-01-01,UGA,300")}, mode="seed")
    incoming = figs("2025-01-01,BDI,150", "2025-01-01,RWA,200", "2025-02-01,BDI,400")
    for mode in ("merge", "replace"):
        preview = db.preview(FIGURES, incoming, mode=mode)
        assert db.current_version() == 1 and physical(db, FIGURES) == 3
        expected = (1, 1, 1, 0) if mode == "merge" else (1, 1, 1, 1)
        assert (preview.added, preview.changed, preview.unchanged, preview.removed) == expected
    info = db.commit({FIGURES: incoming}, mode="replace")
    assert counts(info) == (preview.added, preview.changed, preview.unchanged, preview.removed)


@pytest.mark.parametrize("failure", ["python", "database"])
def test_a_commit_that_fails_inside_its_transaction_leaves_nothing(db, monkeypatch, failure):
    db.commit({FIGURES: figs("2025-01-01,BDI,100", "2025-01-01,RWA,200"), CONTROL: CTRL}, mode="seed")
    before = {table: db.read(table) for table in (FIGURES, CONTROL)}
    insert = Store._insert

    def insert_then_fail(self, conn, table, rows, version_id, **kw):
        # Fails after the version row, the retired rows and all the figures are written.
        insert(self, conn, table, rows, version_id, **kw)
        if table is CONTROL:
            if failure == "python":
                raise RuntimeError("disk full")
            conn.exec_driver_sql("SELECT * FROM no_such_table")

    monkeypatch.setattr(Store, "_insert", insert_then_fail)
    with pytest.raises((RuntimeError, sa.exc.DBAPIError)):
        db.commit({FIGURES: figs("2025-01-01,BDI,150", "2025-03-01,UGA,9"), CONTROL: CTRL.iloc[:1]}, mode="replace")
    assert db.current_version() == 1 and db.version_list()["id"].tolist() == [1]
    for table, rows in before.items():
        same_rows(db.read(table), rows, table)
    assert physical(db, FIGURES) == 2 and physical(db, CONTROL) == 2
    assert physical(db, FIGURES, lambda t: t.c.valid_to.is_not(None)) == 0
    monkeypatch.undo()
    after = db.commit({FIGURES: figs("2025-01-01,BDI,150")}, mode="merge")
    # A PostgreSQL sequence is not rolled back: the failed commit may leave a gap in the ids.
    assert after.id > 1 and counts(after) == (0, 1, 0, 0)
    assert db.version_list()["id"].tolist() == [after.id, 1]


def test_integers_past_2_53_are_stored_and_compared_exactly(db):
    # A float carries 53 bits: 2**53 + 1 and 2**63 - 1 must not pass through one on the way in or out.
    big = FIGS.assign(figure=pd.array([2**53 + 1, 2**63 - 1, 2**53 - 1], dtype="Int64"))
    db.commit({FIGURES: big}, mode="seed")
    assert db.read(FIGURES)["figure"].tolist() == [2**53 + 1, 2**63 - 1, 2**53 - 1]
    # The same rows again change nothing; one more than 2**53 + 1 is a change.
    assert counts(db.commit({FIGURES: big}, mode="merge")) == (0, 0, 3, 0)
    bumped = big.assign(figure=pd.array([2**53 + 2, 2**63 - 1, 2**53 - 1], dtype="Int64"))
    assert counts(db.commit({FIGURES: bumped}, mode="merge")) == (0, 1, 2, 0)
    assert sorted(db.read(FIGURES)["figure"].tolist()) == [2**53 - 1, 2**53 + 2, 2**63 - 1]


def test_current_rows_read_for_a_commit_keep_every_value_exactly(db):
    # On SQLite a commit reads the current rows as JSON lines parsed by Arrow: values that JSON
    # escapes or that a float would round must come back as they went in, and as read() gives them.
    texts = ['"quoted", comma', "back\\slash / slash", "new\nline\ttab\x01", "Ünïcødé ✓ 😀", "", None]
    tricky = pd.concat([FIGS] * 2, ignore_index=True).iloc[: len(texts)].copy()
    tricky["as_of"] = pd.date_range("2025-01-01", periods=len(texts)).astype("datetime64[ns]")  # distinct keys
    tricky["notes"] = pd.array(texts, dtype="str")
    tricky["scope"] = pd.array(texts[::-1], dtype="str")
    tricky["figure"] = pd.array([2**53 + 1, 2**63 - 1, 0, 12, 7, 2**53], dtype="Int64")
    db.commit({FIGURES: tricky, CONTROL: CTRL}, mode="seed")
    with db.engine.connect() as conn:
        current = db._current_with_ids(conn, FIGURES)
    assert current["row_id"].dtype == "int64" and sorted(current["row_id"]) == list(range(1, len(texts) + 1))
    pd.testing.assert_frame_equal(current.sort_values("row_id")[FIGURES.names].reset_index(drop=True), db.read(FIGURES))
    same_rows(db.read(FIGURES), tricky)
    # Committing the same rows again changes nothing; one character more is a change.
    assert counts(db.commit({FIGURES: tricky, CONTROL: CTRL}, mode="replace")) == (0, 0, len(texts) + 2, 0)
    edited = tricky.assign(notes=tricky["notes"].where(tricky.index != 3, "Ünïcødé ✓ 😀!"))
    assert counts(db.commit({FIGURES: edited}, mode="merge")) == (0, 1, len(texts) - 1, 0)
    same_rows(db.read(FIGURES), edited)


def test_reading_current_rows_for_a_commit_handles_an_empty_table_and_many_slices(db, monkeypatch):
    import dashboards.store as store_module

    with db.engine.connect() as conn:
        empty = db._current_with_ids(conn, FIGURES)
    assert empty.empty and list(empty.columns) == ["row_id", *FIGURES.names]
    monkeypatch.setattr(store_module, "READ_CHUNK", 2)  # five rows: slices of 2, 2 and 1
    rows = figs(*[f"2025-01-0{d},BDI,{d}" for d in range(1, 6)])
    db.commit({FIGURES: rows}, mode="seed")
    assert counts(db.commit({FIGURES: rows}, mode="replace")) == (0, 0, 5, 0)
    with db.engine.connect() as conn:
        assert sorted(db._current_with_ids(conn, FIGURES)["figure"]) == [1, 2, 3, 4, 5]


def test_a_database_with_our_table_names_but_other_columns_is_refused_before_anything_is_created(sql_url):
    from dashboards.store import SchemaMismatch

    # An earlier layout of this dashboard named the versions' tables in a 'table_name' column.
    engine = sa.create_engine(sql_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE versions (id INTEGER PRIMARY KEY, created_at TEXT, table_name TEXT)")
        conn.exec_driver_sql("INSERT INTO versions VALUES (1, '2025-01-01', 'figures')")
    store = Store(sql_url)
    with pytest.raises(SchemaMismatch, match=r"table 'versions' without the column\(s\) mode, tables, editor"):
        store.create()
    assert sa.inspect(engine).get_table_names() == ["versions"]  # no empty figures table beside the old data
    engine.dispose()
    store.engine.dispose()


def test_a_database_with_all_tables_is_opened_without_taking_the_write_lock(db, monkeypatch):
    # Opening the dashboard while an import holds the write lock must not wait for the import.
    monkeypatch.setattr(db, "_lock", lambda conn: pytest.fail("create() took the write lock"))
    db.create()


def test_a_database_made_before_figure_qualifier_existed_gets_the_column_and_keeps_every_row(sql_url):
    first = Store(sql_url)
    first.create()
    first.commit({FIGURES: FIGS, CONTROL: CTRL}, mode="merge")
    with first.engine.begin() as conn:  # the layout before the column was added
        conn.exec_driver_sql("ALTER TABLE figures DROP COLUMN figure_qualifier")
    first.engine.dispose()
    store = Store(sql_url)
    store.create()  # adds the column under the write lock; nothing else changes
    assert "figure_qualifier" in {c["name"] for c in sa.inspect(store.engine).get_columns("figures")}
    same_rows(store.read(FIGURES), FIGS)  # every old figure, with an empty qualifier: given as it stands
    assert store.read(FIGURES)["figure_qualifier"].isna().all()
    qualified = FIGS.copy()
    qualified["figure_qualifier"] = qualified["figure_qualifier"].mask(qualified["destination_country"] == "BDI", "about")
    assert counts(store.commit({FIGURES: qualified}, mode="merge")) == (0, 1, 2, 0)
    assert list(store.read(FIGURES).sort_values("figure")["figure_qualifier"].fillna("")) == ["", "about", ""]
    store.create()  # a second start finds nothing to add
    store.engine.dispose()


def test_a_database_missing_another_column_as_well_is_still_refused(sql_url):
    from dashboards.store import SchemaMismatch

    first = Store(sql_url)
    first.create()
    with first.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE figures DROP COLUMN figure_qualifier")
        conn.exec_driver_sql("ALTER TABLE figures DROP COLUMN scope")
    first.engine.dispose()
    store = Store(sql_url)
    with pytest.raises(SchemaMismatch, match=r"table 'figures' without the column\(s\) figure_qualifier, scope"):
        store.create()
    assert "figure_qualifier" not in {c["name"] for c in sa.inspect(store.engine).get_columns("figures")}
    store.engine.dispose()

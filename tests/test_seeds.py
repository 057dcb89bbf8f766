import shutil

import pytest

from dashboards.config import SEEDS_DIR
from dashboards.schema import CONTROL, FIGURES
from dashboards.seeds import SeedError, ensure_seeded, read_seed


def test_the_shipped_seeds_are_valid():
    assert len(read_seed(SEEDS_DIR / "figures.csv", FIGURES)) > 40
    assert len(read_seed(SEEDS_DIR / "control.csv", CONTROL)) > 40


def test_every_seed_row_cites_a_source_with_a_web_address():
    for path, table in ((SEEDS_DIR / "figures.csv", FIGURES), (SEEDS_DIR / "control.csv", CONTROL)):
        rows = read_seed(path, table)
        assert rows["source_org"].notna().all() and rows["source_title"].notna().all()
        assert rows["source_url"].str.match(r"^https?://").all()


def test_the_seed_fact_of_21_february_2025_is_in_the_data():
    rows = read_seed(SEEDS_DIR / "figures.csv", FIGURES)
    fact = rows[(rows["as_of"] == "2025-02-21") & (rows["destination_country"] == "XNB")]
    assert list(fact["figure"]) == [50000]
    assert fact["source_url"].iloc[0].startswith("https://press.un.org/")


def test_seed_coordinates_lie_in_the_kivus_and_carry_their_source():
    rows = read_seed(SEEDS_DIR / "control.csv", CONTROL)
    mapped = rows.dropna(subset=["lat"])
    assert mapped["lat"].between(-4, 0).all() and mapped["lon"].between(27.5, 30).all()
    assert mapped["coord_source"].notna().all()


def test_a_new_database_is_loaded_from_the_seeds_once(tmp_path):
    from dashboards.store import Store

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    first = ensure_seeded(store, SEEDS_DIR)
    assert (first.id, first.tables) == (1, "figures,control")
    assert ensure_seeded(store, SEEDS_DIR) is None
    assert store.current_version() == 1
    assert len(store.read(FIGURES)) == len(read_seed(SEEDS_DIR / "figures.csv", FIGURES))


def test_a_malformed_seed_names_the_file_row_and_column_and_creates_nothing(tmp_path):
    from dashboards.store import Store

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    lines = (seeds / "control.csv").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",M23/AFC,", ",the rebels,", 1)
    (seeds / "control.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(SeedError) as exc:
        ensure_seeded(store, seeds)
    assert "control.csv: error: row 5, column controlled_by (value 'the rebels')" in str(exc.value)
    assert store.current_version() is None

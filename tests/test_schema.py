from dashboards.schema import CONTROL, FIGURE_SERIES, FIGURES, POPULATION_TYPES, TABLES


def test_figures_table_has_every_column_the_dashboard_promises():
    for name in ("as_of", "origin_country", "origin_admin1", "destination_country", "destination_admin1",
                 "population_type", "figure", "measure", "source_org", "source_title", "source_url", "notes"):
        assert name in FIGURES.names


def test_control_table_has_every_column_the_dashboard_promises():
    for name in ("date", "locality", "territory", "province", "lat", "lon", "controlled_by", "event",
                 "source_org", "source_title", "source_url", "notes"):
        assert name in CONTROL.names


def test_every_column_has_a_distinct_hxl_hashtag():
    for table in TABLES.values():
        tags = [c.hxl for c in table.columns]
        assert all(tag.startswith("#") for tag in tags)
        assert len(set(tags)) == len(tags), table.name


def test_population_types_are_the_five_the_sources_use():
    assert set(POPULATION_TYPES) == {"refugees", "asylum_seekers", "idps", "returnees", "new_arrivals"}


def test_a_series_key_leaves_out_date_and_source():
    assert "as_of" not in FIGURE_SERIES and "source_org" not in FIGURE_SERIES
    assert set(FIGURE_SERIES) < set(FIGURES.key)


def test_keys_and_required_columns_exist_in_their_tables():
    for table in TABLES.values():
        assert set(table.key) <= set(table.names)
        assert set(table.required) <= set(table.names)


def test_the_region_box_holds_dr_congo_and_its_eastern_and_southern_neighbours_and_a_swap_never_stays_inside():
    from dashboards.geo import load_boundaries
    from dashboards.schema import REGION_BOX

    countries = load_boundaries().countries.set_index("iso3").geometry
    for iso3 in ("COD", "UGA", "RWA", "BDI", "TZA", "ZMB"):
        west, south, east, north = countries[iso3].bounds
        assert REGION_BOX.contains(south, west) and REGION_BOX.contains(north, east), iso3
    # No latitude inside is also a longitude inside: a swapped point always lands outside.
    assert REGION_BOX.north < REGION_BOX.west

import json

from dashboards.config import BOUNDARIES_DIR
from dashboards.geo import load_boundaries

B = load_boundaries()


def test_the_map_has_drc_and_the_neighbours_people_flee_to():
    assert {"COD", "RWA", "BDI", "UGA", "TZA", "ZMB"} <= set(B.countries["iso3"])


def test_the_kivus_and_their_neighbouring_provinces_are_shipped():
    assert {"North Kivu", "South Kivu", "Ituri", "Maniema", "Tanganyika"} <= set(B.provinces["name"])


def test_provinces_do_not_overlap_and_ituri_borders_north_kivu():
    p = B.provinces.set_index("name").geometry
    assert p["Ituri"].touches(p["North Kivu"])
    names = list(p.index)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert p[a].intersection(p[b]).area < 1e-6, (a, b)


def test_every_boundary_is_a_valid_wgs84_polygon():
    for frame in (B.countries, B.provinces):
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.is_valid.all()
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}


def test_boundary_files_are_small_and_rounded():
    total = sum((BOUNDARIES_DIR / f).stat().st_size for f in ("countries.geojson", "provinces.geojson"))
    assert total < 200_000
    text = (BOUNDARIES_DIR / "countries.geojson").read_text()
    coords = json.loads(text)["features"][0]["geometry"]["coordinates"]
    first = coords[0][0] if isinstance(coords[0][0][0], float) else coords[0][0][0]
    assert all(len(repr(v).split(".")[-1]) <= 4 for v in first)


def test_anchors_fall_inside_their_area():
    from shapely.geometry import Point

    for iso3 in ("BDI", "UGA", "RWA"):
        lat, lon = B.country_anchor(iso3)
        assert B.countries.set_index("iso3").geometry[iso3].contains(Point(lon, lat))
    lat, lon = B.province_anchor("North Kivu")
    assert -2.5 < lat < 1 and 27 < lon < 30
    assert B.country_anchor("XNB") is None


def test_a_flow_starts_in_its_kivu_province_or_in_the_kivus_together():
    south = B.origin_anchor("South Kivu")
    both = B.origin_anchor(None)
    assert south == B.province_anchor("South Kivu")
    assert both not in (south, B.province_anchor("North Kivu"))
    assert -4 < both[0] < 1

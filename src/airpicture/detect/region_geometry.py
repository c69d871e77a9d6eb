"""The geometry a region's detectors share, built once per run: country grid, borders, airfields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
import shapely

from airpicture.geo.edges import BoundaryEdges
from airpicture.geo.grid import LabelGrid
from airpicture.model.region import Region


@dataclass(frozen=True, slots=True)
class RegionGeometry:
    """Countries of the region as a fast label grid, their polygons, the watched border segments, and the
    watched country's boundary edges indexed for segment crossings."""

    region: Region
    grid: LabelGrid
    countries: dict[str, shapely.Geometry]
    borders: dict[tuple[str, str], shapely.Geometry]
    watched_edges: BoundaryEdges

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """ISO 3166-1 alpha-2 code per point among the region's countries; ``None`` elsewhere."""
        table = np.array([*self.grid.labels, None], dtype=object)
        index = self.country_indices(lats, lons)
        return np.asarray(table[np.where(index < 0, len(self.grid.labels), index)], dtype=object)

    def count_in_frame(self, lats: Any, lons: Any) -> int:
        """How many of the points (Arrow or NumPy; nulls are outside) lie inside the grid's frame: the region
        and its margin."""
        lat, lon = (np.asarray(pc.fill_null(c, np.nan) if not isinstance(c, np.ndarray) else c) for c in (lats, lons))
        return int(np.count_nonzero(self.grid.in_frame(lat, lon)))

    def country_indices(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.int16]:
        """Index into ``grid.labels`` per point, -1 elsewhere. The polygons are clipped to the grid's frame,
        so points outside it are nowhere without a polygon test."""
        return self.grid.label_indices(lats, lons, outside_is_unlabelled=True)


def build_region_geometry(
    region: Region, reference: Any, cell_deg: float = 0.02, margin_deg: float = 3.0
) -> RegionGeometry:
    """Build from ``reference`` (``airpicture.reference.ReferenceData``).

    The area of interest is the region's ``area_bbox`` (e.g. Kaliningrad inside Russia) or the watched
    country's extent, padded by ``margin_deg`` so approaches from outside are labelled too. Every country
    polygon is clipped to it (Russia as a neighbour of Belarus is its western part, not a polygon that
    wraps the antimeridian); the watched country is clipped to ``area_bbox`` itself when one is given.
    """
    if region.area_bbox is not None:
        south, west, north, east = region.area_bbox
    else:
        west, south, east, north = reference.country(region.watched_country).bounds
    frame = (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    clip = shapely.box(*frame)
    codes = list(region.countries)
    polygons = []
    for code in codes:
        polygon = shapely.intersection(reference.country(code), clip)
        if code == region.watched_country and region.area_bbox is not None:
            polygon = shapely.intersection(polygon, shapely.box(west, south, east, north))
        polygons.append(polygon)
    grid = LabelGrid.build(codes, polygons, bounds=frame, cell_deg=cell_deg)
    borders = {(a, b): shapely.intersection(reference.border(a, b), clip) for a, b in region.border_segments}
    countries = dict(zip(codes, polygons, strict=True))
    watched_edges = BoundaryEdges.of(countries[region.watched_country])
    return RegionGeometry(region, grid, countries, borders, watched_edges)

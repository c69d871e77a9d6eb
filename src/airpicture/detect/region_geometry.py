"""The geometry a region's detectors share, built once per run: country grid, borders, airfields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from airpicture.geo.edges import BoundaryEdges
from airpicture.geo.grid import LabelGrid
from airpicture.model.region import Region
from airpicture.reference.regions import FRAME_MARGIN_DEG, region_frame


@dataclass(frozen=True, slots=True)
class RegionGeometry:
    """Countries of the region as a fast label grid, their polygons, the watched border segments, and the
    watched country's boundary edges indexed for segment crossings."""

    region: Region
    grid: LabelGrid
    countries: dict[str, shapely.Geometry]
    borders: dict[tuple[str, str], shapely.Geometry]
    watched_edges: BoundaryEdges
    frame: tuple[float, float, float, float] = (-90.0, -180.0, 90.0, 180.0)
    """``(south, west, north, east)`` degrees (:func:`airpicture.reference.regions.region_frame`)."""

    def in_frame(self, lats: Any, lons: Any) -> npt.NDArray[np.bool_]:
        """Which points (Arrow or NumPy; nulls and NaN are outside) lie inside the region's frame."""
        lat, lon = (
            np.asarray(pc.fill_null(c, np.nan) if not isinstance(c, np.ndarray) else c, dtype=np.float64)
            for c in (lats, lons)
        )
        south, west, north, east = self.frame
        inside: npt.NDArray[np.bool_] = (lat >= south) & (lat < north) & (lon >= west) & (lon < east)
        return inside

    def frame_filter(self, positions: pa.Table) -> pa.Table:
        """The rows a detector run for this region sees: positions inside the frame, and rows without a position
        (Mode S replies, identity messages) from recordings that hold a position inside the frame that day (a
        receiver that hears the region). Positions of other regions never reach its detectors."""
        if positions.num_rows == 0:
            return positions
        inside = self.in_frame(positions["lat_deg"], positions["lon_deg"])
        if bool(inside.all()):
            return positions
        unplaced = np.asarray(pc.or_(pc.is_null(positions["lat_deg"]), pc.is_null(positions["lon_deg"])))
        keep = inside
        if unplaced.any() and inside.any():
            heard = pc.unique(positions["source_file"].filter(pa.array(inside)))
            keep = inside | (unplaced & np.asarray(pc.is_in(positions["source_file"], value_set=heard)))
        return positions.filter(pa.array(keep))

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """ISO 3166-1 alpha-2 code per point among the region's countries; ``None`` elsewhere."""
        table = np.array([*self.grid.labels, None], dtype=object)
        index = self.country_indices(lats, lons)
        return np.asarray(table[np.where(index < 0, len(self.grid.labels), index)], dtype=object)

    def count_in_frame(self, lats: Any, lons: Any) -> int:
        """How many of the points (Arrow or NumPy; nulls are outside) lie inside the region's frame: the region
        and its margin."""
        return int(np.count_nonzero(self.in_frame(lats, lons)))

    def country_indices(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.int16]:
        """Index into ``grid.labels`` per point, -1 elsewhere. The polygons are clipped to the grid's frame,
        so points outside it are nowhere without a polygon test."""
        return self.grid.label_indices(lats, lons, outside_is_unlabelled=True)


def build_region_geometry(
    region: Region, reference: Any, cell_deg: float = 0.02, margin_deg: float = FRAME_MARGIN_DEG
) -> RegionGeometry:
    """Build from ``reference`` (``airpicture.reference.ReferenceData``).

    The area of interest is the region's ``area_bbox`` (e.g. Kaliningrad inside Russia) or the watched
    country's extent, padded by ``margin_deg`` so approaches from outside are labelled too. Every country
    polygon is clipped to it (Russia as a neighbour of Belarus is its western part, not a polygon that
    wraps the antimeridian); the watched country is clipped to ``area_bbox`` itself when one is given.
    """
    bounds = region_frame(region, reference.country(region.watched_country).bounds, margin_deg)
    frame = (bounds[1], bounds[0], bounds[3], bounds[2])  # west, south, east, north
    clip = shapely.box(*frame)
    codes = list(region.countries)
    polygons = []
    for code in codes:
        polygon = shapely.intersection(reference.country(code), clip)
        if code == region.watched_country and region.area_bbox is not None:
            south, west, north, east = region.area_bbox
            polygon = shapely.intersection(polygon, shapely.box(west, south, east, north))
        polygons.append(polygon)
    grid = LabelGrid.build(codes, polygons, bounds=frame, cell_deg=cell_deg)
    borders = {(a, b): shapely.intersection(reference.border(a, b), clip) for a, b in region.border_segments}
    countries = dict(zip(codes, polygons, strict=True))
    watched_edges = BoundaryEdges.of(countries[region.watched_country])
    return RegionGeometry(region, grid, countries, borders, watched_edges, bounds)

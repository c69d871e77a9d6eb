"""The geometry a region's detectors share, built once per run: country grid, borders, airfields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from airpicture.geo.grid import LabelGrid
from airpicture.model.region import Region


@dataclass(frozen=True, slots=True)
class RegionGeometry:
    """Countries of the region as a fast label grid, their polygons, and the watched border segments."""

    region: Region
    grid: LabelGrid
    countries: dict[str, shapely.Geometry]
    borders: dict[tuple[str, str], shapely.Geometry]

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """ISO 3166-1 alpha-2 code per point among the region's countries; ``None`` elsewhere."""
        return self.grid.labels_at(lats, lons)


def build_region_geometry(region: Region, reference: Any, cell_deg: float = 0.05) -> RegionGeometry:
    """Build from ``reference`` (``airpicture.reference.ReferenceData``): the watched country and its
    neighbours, padded by 2° so approaches from outside are labelled too."""
    codes = list(region.countries)
    polygons = [reference.country(code) for code in codes]
    west, south, east, north = shapely.total_bounds(np.array(polygons, dtype=object))
    grid = LabelGrid.build(codes, polygons, bounds=(west - 2, south - 2, east + 2, north + 2), cell_deg=cell_deg)
    borders = {(a, b): reference.border(a, b) for a, b in region.border_segments}
    return RegionGeometry(region, grid, dict(zip(codes, polygons, strict=True)), borders)

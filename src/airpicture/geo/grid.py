"""Point-in-polygon at millions of points per second: a label grid with exact tests only near edges.

:class:`LabelGrid` covers a bounding box with square cells (``cell_deg``). Each cell whose centre lies
in exactly one labelled polygon and that no polygon edge passes through answers by table look-up; the
few cells that an edge touches fall back to an exact ``shapely.contains_xy`` test against the candidate
polygons. Results are therefore exact (identical to testing every point with shapely), at the cost of
one build per set of polygons.

Edge cells are found by densifying every boundary to less than half a cell and marking the cell of
each vertex and its 8 neighbours, so an edge can never cross an unmarked cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

NO_LABEL = -1


@dataclass(frozen=True, slots=True)
class LabelGrid:
    """Vectorised exact point-in-polygon labelling over a fixed set of polygons."""

    labels: tuple[str, ...]
    polygons: tuple[shapely.Geometry, ...]
    west_deg: float
    south_deg: float
    cell_deg: float
    shape: tuple[int, int]
    cells: npt.NDArray[np.int16]  # label index per cell; NO_LABEL outside; EDGE for cells needing a test

    EDGE = -2

    @classmethod
    def build(
        cls,
        labels: Sequence[str],
        polygons: Sequence[shapely.Geometry],
        bounds: tuple[float, float, float, float] | None = None,
        cell_deg: float = 0.05,
    ) -> LabelGrid:
        """Build a grid over ``bounds`` (west, south, east, north; default: the polygons' extent)."""
        if len(labels) != len(polygons):
            raise ValueError("one label per polygon")
        polys = tuple(polygons)
        for p in polys:
            shapely.prepare(p)
        if bounds is None:
            bounds = tuple(shapely.total_bounds(np.array(polys, dtype=object)))  # type: ignore[assignment]
        assert bounds is not None
        west, south, east, north = bounds
        nx = max(1, int(np.ceil((east - west) / cell_deg)))
        ny = max(1, int(np.ceil((north - south) / cell_deg)))
        cx = west + (np.arange(nx) + 0.5) * cell_deg
        cy = south + (np.arange(ny) + 0.5) * cell_deg
        gx, gy = np.meshgrid(cx, cy)
        cells = np.full((ny, nx), NO_LABEL, dtype=np.int16)
        for index, poly in enumerate(polys):
            inside = shapely.contains_xy(poly, gx, gy)
            cells[inside] = index
        edge = np.zeros((ny, nx), dtype=bool)
        for poly in polys:
            boundary = shapely.segmentize(shapely.boundary(poly), cell_deg / 2.5)
            coords = shapely.get_coordinates(boundary)
            ix = np.floor((coords[:, 0] - west) / cell_deg).astype(np.int64)
            iy = np.floor((coords[:, 1] - south) / cell_deg).astype(np.int64)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    jx, jy = ix + dx, iy + dy
                    ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny)
                    edge[jy[ok], jx[ok]] = True
        cells[edge] = cls.EDGE
        return cls(tuple(labels), polys, west, south, cell_deg, (ny, nx), cells)

    def label_indices(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.int16]:
        """Index into ``labels`` per point, ``NO_LABEL`` (-1) for none. NaN coordinates give ``NO_LABEL``."""
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        ny, nx = self.shape
        ix = np.floor((lon - self.west_deg) / self.cell_deg)
        iy = np.floor((lat - self.south_deg) / self.cell_deg)
        valid = np.isfinite(ix) & np.isfinite(iy)
        inside = valid & (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        result = np.full(lat.shape, NO_LABEL, dtype=np.int16)
        flat = iy[inside].astype(np.int64) * nx + ix[inside].astype(np.int64)
        result[inside] = self.cells.ravel()[flat]
        # Points outside the grid and points in edge cells get the exact test.
        exact = (result == self.EDGE) | (valid & ~inside)
        if exact.any():
            result[exact] = NO_LABEL
            ex_lon, ex_lat = lon[exact], lat[exact]
            sub = np.full(ex_lat.shape, NO_LABEL, dtype=np.int16)
            for index, poly in enumerate(self.polygons):
                open_ = sub == NO_LABEL
                if not open_.any():
                    break
                hit = np.zeros_like(open_)
                hit[open_] = shapely.contains_xy(poly, ex_lon[open_], ex_lat[open_])
                sub[hit] = index
            result[exact] = sub
        return result

    def labels_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """The label per point (``None`` for none)."""
        index = self.label_indices(lats, lons)
        table = np.array([*self.labels, None], dtype=object)
        return np.asarray(table[np.where(index == NO_LABEL, len(self.labels), index)], dtype=object)

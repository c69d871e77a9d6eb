"""Point-in-polygon at millions of points per second: a label grid with exact tests only near edges.

:class:`LabelGrid` covers a bounding box with square cells (``cell_deg``). Each cell whose centre lies
in exactly one labelled polygon and that no polygon edge passes through answers by table look-up; the
few cells that an edge touches fall back to an exact ``shapely.contains_xy`` test against the candidate
polygons. Results are therefore exact (identical to testing every point with shapely), at the cost of
one build per set of polygons.

Edge cells are found by densifying every boundary to less than half a cell and marking the cell of
each vertex and its 8 neighbours, so an edge can never cross an unmarked cell. Each edge cell also keeps its
*candidates*: the (at most two) polygons that touch it, the one covering more of the cell first. A point in
such a cell is tested against its first candidate and, only when outside it, against the second; cells
touched by three or more polygons test them all in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    candidates: npt.NDArray[np.int16]  # per cell (ny, nx, 2): polygons an edge cell's points may lie in

    EDGE = -2
    ANY = -3  # candidate marker: more than two polygons touch the cell, test them all

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
        for index, poly in reversed(list(enumerate(polys))):  # where polygons overlap, the first one's label
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
        candidates = _edge_candidates(polys, edge, west, south, cell_deg, cls.ANY)
        return cls(tuple(labels), polys, west, south, cell_deg, (ny, nx), cells, candidates)

    def in_frame(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which points lie inside the grid's frame (NaN: outside)."""
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        ny, nx = self.shape
        east, north = self.west_deg + nx * self.cell_deg, self.south_deg + ny * self.cell_deg
        inside: npt.NDArray[np.bool_] = (lon >= self.west_deg) & (lon < east) & (lat >= self.south_deg) & (lat < north)
        return inside

    def label_indices(
        self, lats: npt.ArrayLike, lons: npt.ArrayLike, *, outside_is_unlabelled: bool = False
    ) -> npt.NDArray[np.int16]:
        """Index into ``labels`` per point, ``NO_LABEL`` (-1) for none. NaN coordinates give ``NO_LABEL``.

        Points outside the grid's frame get an exact test against every polygon, unless
        ``outside_is_unlabelled`` (the caller knows the polygons lie within the frame)."""
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        ny, nx = self.shape
        fx = (lon - self.west_deg) / self.cell_deg
        fy = (lat - self.south_deg) / self.cell_deg
        if lat.size and fx.min() >= 0 and fx.max() < nx and fy.min() >= 0 and fy.max() < ny:
            # every point finite and inside the frame (min/max are NaN otherwise): no masks needed
            inside: Any = slice(None)
            valid_outside = np.zeros(0, dtype=np.int64)
            flat = fy.astype(np.int64) * nx + fx.astype(np.int64)  # truncation is floor for non-negatives
            result = np.asarray(self.cells.ravel()[flat], dtype=np.int16)
        else:
            ix, iy = np.floor(fx), np.floor(fy)
            valid = np.isfinite(ix) & np.isfinite(iy)
            inside = valid & (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
            valid_outside = np.zeros(0, dtype=np.int64) if outside_is_unlabelled else np.flatnonzero(valid & ~inside)
            result = np.full(lat.shape, NO_LABEL, dtype=np.int16)
            flat = iy[inside].astype(np.int64) * nx + ix[inside].astype(np.int64)
            result[inside] = self.cells.ravel()[flat]
        # Points in edge cells: their cell's candidate polygons (one or two tests each).
        on_edge = np.flatnonzero(result == self.EDGE)
        if len(on_edge):
            cell = np.full(lat.shape, -1, dtype=np.int64)
            cell[inside] = flat
            pairs = self.candidates.reshape(-1, 2)[cell[on_edge]]
            result[on_edge] = NO_LABEL
            listed = pairs[:, 0] != self.ANY
            for slot in (0, 1):
                for index in np.unique(pairs[listed, slot]).tolist():
                    if index < 0:
                        continue
                    ask = listed & (pairs[:, slot] == index) & (result[on_edge] == NO_LABEL)
                    rows = on_edge[ask]
                    hit = shapely.contains_xy(self.polygons[index], lon[rows], lat[rows])
                    result[rows[hit]] = index
            generic = on_edge[~listed]
        else:
            generic = on_edge
        # Points outside the grid, and points in cells that three or more polygons touch: every polygon.
        exact = np.r_[generic, valid_outside]
        if len(exact):
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


def _edge_candidates(
    polygons: tuple[shapely.Geometry, ...],
    edge: npt.NDArray[np.bool_],
    west: float,
    south: float,
    cell_deg: float,
    any_marker: int,
) -> npt.NDArray[np.int16]:
    """Per cell, the polygons an edge cell's points may lie in: ``[a, b]`` (``b`` = -1 when only one polygon
    touches the cell; ``a`` covers more of the cell than ``b``), or ``[any_marker, -1]`` when more than two do."""
    ny, nx = edge.shape
    candidates = np.full((ny, nx, 2), NO_LABEL, dtype=np.int16)
    ey, ex = np.nonzero(edge)
    if len(ey) == 0:
        return candidates
    boxes = shapely.box(
        west + ex * cell_deg, south + ey * cell_deg, west + (ex + 1) * cell_deg, south + (ey + 1) * cell_deg
    )
    box, polygon = shapely.STRtree(np.array(polygons, dtype=object)).query(boxes, predicate="intersects")
    count = np.bincount(box, minlength=len(boxes))
    area = shapely.area(shapely.intersection(boxes[box], np.array(polygons, dtype=object)[polygon]))
    # Per box, the polygon covering more of it first — unless the two overlap somewhere (then the lower index
    # first, as the full loop would answer, so a point in both keeps the same label).
    overlapping = {
        (a, b)
        for a in range(len(polygons))
        for b in range(a + 1, len(polygons))
        if shapely.area(shapely.intersection(polygons[a], polygons[b])) > 0
    }
    order = np.lexsort((-area, box))
    box, polygon = box[order], polygon[order]
    starts = np.r_[0, np.flatnonzero(box[1:] != box[:-1]) + 1]
    rank = np.arange(len(box)) - np.repeat(starts, np.diff(np.r_[starts, len(box)]))
    first, second = rank == 0, rank == 1
    a, b = polygon[first], np.full(len(starts), NO_LABEL, dtype=np.int64)
    has_second = count[box[first]] >= 2
    b[has_second] = polygon[second]
    swap = np.array([(min(x, y), max(x, y)) in overlapping and x > y for x, y in zip(a, b, strict=True)], dtype=bool)
    a[swap], b[swap] = b[swap], a[swap]
    candidates[ey[box[first]], ex[box[first]], 0] = a
    candidates[ey[box[first]], ex[box[first]], 1] = b
    crowded = count > 2
    candidates[ey[crowded], ex[crowded], 0] = any_marker
    candidates[ey[crowded], ex[crowded], 1] = NO_LABEL
    return candidates

"""Where straight segments first cross a polygon's boundary: a spatial index over the boundary's edges.

:class:`BoundaryEdges` splits a (multi)polygon's boundary into its straight edges, indexes them once in a
shapely ``STRtree``, and answers, for many query segments at once, the fraction along each segment at which
it first meets the boundary — the closed-form intersection of two segments, in the same planar lon/lat
space as point-in-polygon tests, so the answer agrees with them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely


@dataclass(frozen=True, slots=True)
class BoundaryEdges:
    """The straight edges of a polygon's boundary, indexed for segment queries."""

    x0: npt.NDArray[np.float64]
    y0: npt.NDArray[np.float64]
    x1: npt.NDArray[np.float64]
    y1: npt.NDArray[np.float64]
    tree: shapely.STRtree

    @classmethod
    def of(cls, polygon: shapely.Geometry) -> BoundaryEdges:
        """Index the edges of ``polygon``'s boundary (every ring of every part)."""
        rings = shapely.get_parts(shapely.boundary(polygon))
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same_ring = ring_of[1:] == ring_of[:-1]
        start, end = coords[:-1][same_ring], coords[1:][same_ring]
        points = np.stack([start, end], axis=1)  # (n, 2, 2)
        lines = shapely.linestrings(points)
        return cls(start[:, 0], start[:, 1], end[:, 0], end[:, 1], shapely.STRtree(lines))

    def first_crossing(
        self,
        ax: npt.NDArray[np.float64],
        ay: npt.NDArray[np.float64],
        bx: npt.NDArray[np.float64],
        by: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """For each segment a→b, the fraction (0–1) along it of its first point on the boundary; NaN where it
        does not meet the boundary (or only runs along an edge)."""
        n = len(ax)
        result = np.full(n, np.nan)
        if n == 0:
            return result
        queries = shapely.linestrings(np.stack([np.c_[ax, ay], np.c_[bx, by]], axis=1))
        query, edge = self.tree.query(queries, predicate="intersects")
        if len(query) == 0:
            return result
        # a + t·(b − a) = p + u·(q − p): solve for t (along the query) and u (along the edge)
        rx, ry = bx[query] - ax[query], by[query] - ay[query]
        sx, sy = self.x1[edge] - self.x0[edge], self.y1[edge] - self.y0[edge]
        qx, qy = self.x0[edge] - ax[query], self.y0[edge] - ay[query]
        denominator = rx * sy - ry * sx
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qx * sy - qy * sx) / denominator
        t = np.where(denominator == 0, np.nan, np.clip(t, 0.0, 1.0))
        np.fmin.at(result, query, t)
        return result

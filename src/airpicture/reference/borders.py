"""Country borders: Natural Earth 1:10m, Germany point-of-view edition (Crimea in Ukraine), whole world.

Shipped as ``data/borders/countries.npz``: the unsimplified polygons, coordinates rounded to 1e-5 degrees
(≤ 0.8 m) and delta-encoded as integers. Neighbouring countries share their border vertices exactly,
so a border is the intersection of two boundaries and there are no slivers or gaps between countries.

Codes are ISO 3166-1 alpha-2 (Natural Earth's ``ISO_A2_EH``: France FR, Norway NO, Kosovo XK); the few
territories without one (e.g. the Akrotiri base area) keep Natural Earth's 3-letter ``ADM0_A3``.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from airpicture.model.errors import ReferenceDataError
from airpicture.reference._files import data_file

BORDERS_FILE = ("borders", "countries.npz")


@dataclass(frozen=True, slots=True)
class Borders:
    """Country polygons with point-in-country look-ups (single and vectorised) and shared borders."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    polygons: npt.NDArray[np.object_]
    _index: dict[str, int] = field(repr=False)
    _parts: npt.NDArray[np.object_] = field(repr=False)
    _part_country: npt.NDArray[np.int64] = field(repr=False)
    _tree: shapely.STRtree = field(repr=False)
    _borders: dict[tuple[str, str], shapely.Geometry] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> Borders:
        """Read the shipped polygons (≈ 0.1 s) and build the spatial index."""
        raw = data_file(*BORDERS_FILE).read_bytes()
        with np.load(io.BytesIO(raw)) as npz:
            quantum = float(npz["quantum_deg"])
            coords = np.cumsum(npz["coord_delta"].astype(np.int64), axis=0) * quantum
            offsets = (npz["ring_offsets"], npz["polygon_offsets"], npz["geometry_offsets"])
            codes = tuple(str(c) for c in npz["code"])
            names = tuple(str(n) for n in npz["name"])
        polygons = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
        invalid = ~shapely.is_valid(polygons)
        if invalid.any():  # two Natural Earth features self-touch; repair once so predicates are exact
            polygons[invalid] = shapely.make_valid(polygons[invalid])
        parts, part_country = shapely.get_parts(polygons, return_index=True)
        tree = shapely.STRtree(parts)
        shapely.prepare(parts)
        return cls(
            codes=codes,
            names=names,
            polygons=polygons,
            _index={c: i for i, c in enumerate(codes)},
            _parts=parts,
            _part_country=part_country.astype(np.int64),
            _tree=tree,
        )

    def _position(self, code: str) -> int:
        key = code.strip().upper()
        if key not in self._index:
            close = difflib.get_close_matches(key, self.codes, n=5)
            hint = f"close: {', '.join(close)}; " if close else ""
            raise ReferenceDataError(
                "unknown country code",
                where="country",
                found=code,
                expected=f"an ISO 3166-1 alpha-2 code ({hint}valid: {', '.join(self.codes)})",
            )
        return self._index[key]

    def name(self, code: str) -> str:
        """The English name of a country code."""
        return self.names[self._position(code)]

    def country(self, code: str) -> shapely.MultiPolygon:
        """The (multi)polygon of a country, lon/lat degrees. Unknown code: ``ReferenceDataError``."""
        geom: shapely.MultiPolygon = self.polygons[self._position(code)]
        return geom

    def country_at(self, lat: float, lon: float) -> str | None:
        """ISO code of the country containing the point, ``None`` over the sea or outside every country."""
        found = self.countries_at(np.array([lat], dtype=np.float64), np.array([lon], dtype=np.float64))[0]
        return str(found) or None

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Vectorised ``country_at``: an array of ISO codes, ``""`` where no country contains the point.

        Points exactly on a border get the country that comes first in code order. NaN positions get ``""``.
        """
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
        if lat.shape != lon.shape:
            raise ValueError(f"lats and lons differ in shape: {lat.shape} vs {lon.shape}")
        flat_lat, flat_lon = lat.ravel(), lon.ravel()
        result = np.full(flat_lat.shape, "", dtype="<U3")
        ok = np.isfinite(flat_lat) & np.isfinite(flat_lon)
        if ok.any():
            x, y = flat_lon[ok], flat_lat[ok]
            # bounding-box candidates from the tree, then an exact test per polygon part against its
            # prepared geometry (indexed point-in-polygon, far faster than per-pair predicates)
            point_idx, part_idx = self._tree.query(shapely.points(x, y))
            order = np.argsort(part_idx, kind="stable")
            point_idx, part_idx = point_idx[order], part_idx[order]
            starts = np.flatnonzero(np.r_[True, part_idx[1:] != part_idx[:-1]])[: part_idx.size]
            ends = np.r_[starts[1:], part_idx.size][: starts.size]
            hit = np.zeros(point_idx.shape, dtype=bool)
            for start, end in zip(starts, ends, strict=True):
                pts = point_idx[start:end]
                hit[start:end] = shapely.contains_xy(self._parts[part_idx[start]], x[pts], y[pts])
            point_idx, country_idx = point_idx[hit], self._part_country[part_idx[hit]]
            # several hits (a point on a border): keep the lowest country index, deterministically
            order = np.lexsort((country_idx, point_idx))
            point_idx, country_idx = point_idx[order], country_idx[order]
            first = np.ones(point_idx.shape, dtype=bool)
            first[1:] = point_idx[1:] != point_idx[:-1]
            codes = np.array(self.codes, dtype="<U3")
            ok_positions = np.flatnonzero(ok)
            result[ok_positions[point_idx[first]]] = codes[country_idx[first]]
        return result.reshape(lat.shape)

    def border(self, a: str, b: str) -> shapely.Geometry:
        """The border shared by countries ``a`` and ``b`` as a (Multi)LineString in lon/lat degrees.

        Raises ``ReferenceDataError`` for an unknown code or for two countries that share no land border.
        """
        ia, ib = self._position(a), self._position(b)
        key = (self.codes[min(ia, ib)], self.codes[max(ia, ib)])
        if key not in self._borders:
            ga, gb = self.polygons[ia], self.polygons[ib]
            window = shapely.box(*shapely.bounds(gb)).buffer(0.01)
            near_a = shapely.intersection(shapely.boundary(ga), window)
            shared = shapely.intersection(near_a, shapely.boundary(gb))
            lines = shapely.line_merge(_only_lines(shared))
            if lines.is_empty:
                raise ReferenceDataError(
                    "the two countries share no land border", where="border", found=f"{key[0]}–{key[1]}"
                )
            self._borders[key] = lines
        return self._borders[key]

    def neighbours(self, code: str) -> tuple[str, ...]:
        """Codes of the countries that share a land border with ``code``."""
        geom = self.polygons[self._position(code)]
        hits = self._tree.query(geom, predicate="touches")
        found = {self.codes[int(i)] for i in self._part_country[hits]}
        found.discard(code.strip().upper())
        return tuple(sorted(found))


def _only_lines(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop the isolated points an intersection of boundaries may contain (countries touching at a corner)."""
    parts = shapely.get_parts(geom)
    lines = [p for p in parts if p.geom_type == "LineString" and not p.is_empty]
    return shapely.MultiLineString(lines) if lines else shapely.from_wkt("MULTILINESTRING EMPTY")

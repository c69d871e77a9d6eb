"""H3 hexagons for detectors, vectorised through ``polars-h3`` (Uber H3 v4; resolution 5 ≈ 250 km², 4 ≈ 1,770 km²)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl
import polars_h3 as plh3


def cells(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, resolution: int) -> npt.NDArray[np.uint64]:
    """The H3 cell (64-bit id) of each point; ``lat``/``lon`` in degrees, finite."""
    frame = pl.DataFrame({"lat": np.asarray(lat_deg, dtype=np.float64), "lon": np.asarray(lon_deg, dtype=np.float64)})
    out = frame.select(plh3.latlng_to_cell("lat", "lon", resolution).alias("c"))["c"]
    return np.asarray(out.to_numpy(), dtype=np.uint64)


def names(ids: Iterable[int]) -> list[str]:
    """Hex strings of cell ids (``85…fffffff``), the form in aggregates, events and exports."""
    return [f"{int(c):x}" for c in ids]


def disks(ids: Sequence[int], k: int = 1) -> list[list[int]]:
    """Each cell with its neighbours up to ``k`` rings."""
    if not ids:
        return []
    frame = pl.DataFrame({"c": pl.Series(list(ids), dtype=pl.UInt64)})
    return [list(map(int, d)) for d in frame.select(plh3.grid_disk("c", k))["c"].to_list()]


def boundaries(ids: Sequence[int]) -> list[list[list[float]]]:
    """Closed GeoJSON rings (lon, lat) of cells."""
    if not ids:
        return []
    frame = pl.DataFrame({"c": pl.Series(list(ids), dtype=pl.UInt64)})
    out = []
    for ring in frame.select(plh3.cell_to_boundary("c"))["c"].to_list():
        coords = [[round(lon, 5), round(lat, 5)] for lat, lon in ring]
        out.append([*coords, coords[0]])
    return out


def from_name(name: str) -> int:
    return int(name, 16)

"""The dashboard's basemap: the shipped Natural Earth country polygons, simplified for the client.

Built on the first request from the same reference data the detectors use (``reference.borders``), simplified
to ``TOLERANCE_DEG`` with topology kept and snapped to a ``GRID_DEG`` grid (≈ 1.5 MB of GeoJSON for the world
instead of ≈ 17 MB), then kept for the life of the server. No tile server, no outside request.
"""

from __future__ import annotations

import json
from typing import Any

TOLERANCE_DEG = 0.03
GRID_DEG = 0.001


def basemap_geojson(borders: Any) -> bytes:
    """A GeoJSON FeatureCollection, one feature per country (``code``, ``name``), as UTF-8 bytes."""
    import shapely

    simple = shapely.set_precision(shapely.simplify(borders.polygons, TOLERANCE_DEG, preserve_topology=True), GRID_DEG)
    features = [
        f'{{"type":"Feature","properties":{json.dumps({"code": code, "name": name})},'
        f'"geometry":{shapely.to_geojson(geom)}}}'
        for code, name, geom in zip(borders.codes, borders.names, simple, strict=True)
        if not shapely.is_empty(geom)
    ]
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()

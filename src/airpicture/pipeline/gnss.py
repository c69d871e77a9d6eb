"""The ``gnss`` export kind: the daily GNSS-interference map layer (comparable to gpsjam.org).

One row per H3 cell and UTC day from the ``gnss_interference`` detector's aggregates: aircraft heard,
aircraft with degraded navigation, their share and a level (``low`` < 2 %, ``medium`` 2–10 %, ``high`` > 10 %),
with the hexagon as GeoJSON geometry (``--format geojson`` gives one polygon per cell).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pyarrow as pa

from airpicture.detect import hexes
from airpicture.pipeline.export import ExportFilter, ExportKind, register_export_kind
from airpicture.store import Workspace

_FIELDS: list[pa.Field[pa.DataType]] = [
    pa.field("day", pa.date32()),
    pa.field("region", pa.string()),
    pa.field("cell", pa.string()),
    pa.field("aircraft", pa.int64()),
    pa.field("degraded", pa.int64()),
    pa.field("share", pa.float64()),
    pa.field("level", pa.string()),
    pa.field("geometry", pa.string()),
]
SCHEMA = pa.schema(_FIELDS)


def _level(share: float) -> str:
    return "low" if share < 0.02 else "medium" if share <= 0.10 else "high"


def gnss_layer(workspace: Workspace, filters: ExportFilter) -> pa.Table:
    """The layer's rows under the day / since / until filters (days whose start lies in the window)."""
    start, end = filters.time_window()
    clauses, params = ["detector = 'gnss_interference'", "key LIKE 'gnss_%'"], []
    if start is not None:
        clauses.append("day >= CAST(? AS DATE)")
        params.append(start.date())
    if end is not None:
        clauses.append("day <= ?")
        params.append((end - timedelta(microseconds=1)).date())
    sql = (
        "SELECT day, region, split_part(key, '/', 2) AS cell, "
        "sum(value) FILTER (WHERE key LIKE 'gnss_aircraft/%') AS aircraft, "
        "sum(value) FILTER (WHERE key LIKE 'gnss_degraded/%') AS degraded "
        f"FROM day_aggregates WHERE {' AND '.join(clauses)} GROUP BY ALL ORDER BY day, region, cell"
    )
    with workspace.connect(read_only=True) as con:
        rows = con.execute(sql, params).fetchall()
    rings = hexes.boundaries([hexes.from_name(r[2]) for r in rows])
    data: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
    for (day, region, cell, aircraft, degraded), ring in zip(rows, rings, strict=True):
        n, bad = int(aircraft or 0), int(degraded or 0)
        share = bad / n if n else 0.0
        for name, value in (("day", day), ("region", region), ("cell", cell), ("aircraft", n), ("degraded", bad),
                            ("share", round(share, 4)), ("level", _level(share)),
                            ("geometry", json.dumps({"type": "Polygon", "coordinates": [ring]}))):  # fmt: skip
            data[name].append(value)
    return pa.table(data, schema=SCHEMA)


def _query(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    table = gnss_layer(workspace, filters)
    return pa.RecordBatchReader.from_batches(SCHEMA, table.to_batches())


register_export_kind(
    ExportKind(
        name="gnss",
        description="daily GNSS-interference map: aircraft and degraded aircraft per H3 cell (gpsjam-style hexes)",
        formats=("geojson", "json", "jsonl", "csv", "kml", "parquet"),
        query=_query,
    )
)

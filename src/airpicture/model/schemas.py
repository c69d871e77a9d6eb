"""Arrow schemas of the high-volume tables. Positions are columns, never one Python object per row.

A positions table holds one row per decoded fix or reply. Units are in the names; times are UTC
microseconds. ``source_file`` and ``source_offset`` point at the raw record (file id + byte offset or
row number) so any event can cite the bytes that prove it.
"""

from __future__ import annotations

import pyarrow as pa

UTC_MICROS = pa.timestamp("us", tz="UTC")

POSITIONS_FIELDS: list[pa.Field[pa.DataType]] = [
    pa.field("ts", UTC_MICROS, nullable=False),
    pa.field("icao24", pa.string(), nullable=False),
    pa.field("lat_deg", pa.float64()),
    pa.field("lon_deg", pa.float64()),
    pa.field("alt_ft", pa.float32()),
    pa.field("gs_kt", pa.float32()),
    pa.field("track_deg", pa.float32()),
    pa.field("vrate_fpm", pa.float32()),
    pa.field("callsign", pa.string()),
    pa.field("squawk", pa.string()),
    pa.field("on_ground", pa.bool_()),
    pa.field("nic", pa.int8()),
    pa.field("nacp", pa.int8()),
    pa.field("flags", pa.uint16(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_offset", pa.int64(), nullable=False),
]
POSITIONS_SCHEMA = pa.schema(
    POSITIONS_FIELDS,
    metadata={b"airpicture.table": b"positions", b"airpicture.schema_version": b"1"},
)
"""Columns of ``positions``. ``source_file`` is the content hash (SHA-256 hex prefix) of the ingested
file; ``source_offset`` its byte offset (binary formats) or row number (tabular formats)."""

"""NOTAMs as records: the decoded fields of a restriction for ``notam show``/``--format json``, GeoJSON
features (one per area), and the ``restrictions`` export kind. The reading, storing and querying of NOTAMs
is in :mod:`airpicture.pipeline.notam`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pyarrow as pa

from airpicture.decode.notam import active_at, by_id, chain_of, decode_qcode
from airpicture.model.notam import Restriction
from airpicture.model.settings import Settings
from airpicture.pipeline.export import ExportFilter, ExportKind, register_export_kind
from airpicture.pipeline.notam import load_restrictions, windows
from airpicture.store import Workspace

# -- presentation ----------------------------------------------------------------------------------


def restriction_properties(r: Restriction) -> dict[str, Any]:
    """The decoded fields of a NOTAM, for ``show``, JSON output and feature properties."""
    n = r.notam
    q = n.qline
    meaning = decode_qcode(q.subject, q.condition) if q else None
    chain = chain_of(r)
    return {
        "notam_id": r.id,
        "kind": n.kind.value if n.kind else None,
        "replaces": chain.replaces,
        "cancels": chain.cancels,
        "superseded_by": chain.superseded_by,
        "status": n.status.value,
        "fir": q.fir if q else None,
        "qcode": q.code if q else None,
        "meaning": meaning.text if meaning else None,
        "subject_group": meaning.subject_group if meaning else None,
        "traffic": q.traffic if q else None,
        "purpose": q.purpose if q else None,
        "scope": q.scope if q else None,
        "locations": list(n.locations),
        "valid_from": n.valid_from,
        "valid_to": n.valid_to,
        "valid_to_estimated": n.valid_to_estimated,
        "permanent": n.permanent,
        "schedule": n.schedule,
        "schedule_readable": r.schedule.readable if r.schedule else True,
        "lower_ft": r.lower_ft,
        "upper_ft": r.upper_ft,
        "lower": n.lower.raw if n.lower else None,
        "upper": n.upper.raw if n.upper else None,
        "text": n.text,
        "issues": [{"item": i.item, "offset": i.offset, "reason": i.reason} for i in n.issues],
    }


def restriction_record(r: Restriction) -> dict[str, Any]:
    """``restriction_properties`` plus where: the Q-line centre and radius, and every area with its
    geometry (GeoJSON object, ``None`` for a named area without a shape). For ``--format json``."""
    q = r.notam.qline
    centre = q.centre if q else None
    return {
        **restriction_properties(r),
        "q_centre": {"lat_deg": centre.lat_deg, "lon_deg": centre.lon_deg} if centre else None,
        "q_radius_nm": q.radius_nm if q else None,
        "areas": [
            {"area_index": a.index, "area_name": a.name, "source": a.source.value, "raw_fragment": a.raw,
             "geometry": json.loads(a.geometry) if a.geometry else None}
            for a in r.areas
        ],
    }  # fmt: skip


def restriction_features(restrictions: Iterable[Restriction]) -> list[dict[str, Any]]:
    """GeoJSON features, one per area (never merged), with validity, schedule, limits and raw fragment."""
    features = []
    for r in restrictions:
        props = restriction_properties(r)
        for a in r.areas:
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(a.geometry) if a.geometry else None,
                    "properties": {**props, "area_index": a.index, "area_name": a.name, "source": a.source.value,
                                   "raw_fragment": a.raw},
                }
            )  # fmt: skip
    return features


# -- export ----------------------------------------------------------------------------------------

RESTRICTIONS_SCHEMA = pa.schema(
    [  # type: ignore[arg-type]
        ("notam_id", pa.string()), ("name", pa.string()), ("area_index", pa.int32()), ("source", pa.string()),
        ("qcode", pa.string()), ("meaning", pa.string()), ("kind", pa.string()), ("superseded_by", pa.string()),
        ("valid_from", pa.timestamp("us", tz="UTC")), ("valid_to", pa.timestamp("us", tz="UTC")),
        ("valid_to_estimated", pa.bool_()), ("permanent", pa.bool_()), ("schedule", pa.string()),
        ("schedule_readable", pa.bool_()), ("lower_ft", pa.float64()), ("upper_ft", pa.float64()),
        ("lower", pa.string()), ("upper", pa.string()), ("raw_fragment", pa.string()), ("text", pa.string()),
        ("geometry", pa.string()),
    ],
    metadata={b"airpicture.table": b"restrictions"},
)  # fmt: skip


def restriction_table(restrictions: Iterable[Restriction]) -> pa.Table:
    rows = []
    for r in restrictions:
        p = restriction_properties(r)
        for a in r.areas:
            rows.append(
                {
                    "notam_id": r.id, "name": a.name or r.id, "area_index": a.index, "source": a.source.value,
                    "qcode": p["qcode"], "meaning": p["meaning"], "kind": p["kind"],
                    "superseded_by": p["superseded_by"], "valid_from": p["valid_from"], "valid_to": p["valid_to"],
                    "valid_to_estimated": p["valid_to_estimated"], "permanent": p["permanent"],
                    "schedule": p["schedule"], "schedule_readable": p["schedule_readable"],
                    "lower_ft": p["lower_ft"], "upper_ft": p["upper_ft"], "lower": p["lower"], "upper": p["upper"],
                    "raw_fragment": a.raw, "text": p["text"], "geometry": a.geometry,
                }
            )  # fmt: skip
    return pa.Table.from_pylist(rows, schema=RESTRICTIONS_SCHEMA)


def _query_restrictions(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    settings = Settings(workspace=workspace.root)
    every = load_restrictions(workspace, settings)
    index = by_id(every)
    if filters.at is not None:
        chosen = [r for r in every if active_at(r, filters.at, index)]
    else:
        start, end = filters.time_window()
        if start is None and end is None:
            chosen = [r for r in every if r.notam.kind is None or r.notam.kind.value != "C"]
        else:
            lo = start or datetime.min.replace(tzinfo=end.tzinfo if end else None)
            hi = end or datetime.max.replace(tzinfo=start.tzinfo if start else None)
            chosen = [w.restriction for w in windows(every, lo, hi)]
    table = restriction_table(chosen)
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


register_export_kind(
    ExportKind(
        name="restrictions",
        description="NOTAM areas, one row per area, with validity, schedule, limits (docs/formats/restrictions.md)",
        formats=("geojson", "kml", "json", "jsonl", "csv", "parquet"),
        query=_query_restrictions,
    )
)

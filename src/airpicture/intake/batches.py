"""Sealed batches as files, for an intake that is not reachable over HTTP (carried by hand or by rsync).

Server side: :func:`export_batch` writes ``intake-batch-<random>.json`` (the same body as
``/api/v1/pull/batch``: report id, day bucket, sealed box in base64) and keeps the rows; the analyst's
``airpicture intake pull --from DIR`` imports them and writes ``<batch>.ack.json`` next to it; back on the
server :func:`apply_acks` deletes the acknowledged rows (``secure_delete`` + ``VACUUM``) and removes both
files. A batch file holds only ciphertext, ids and days: what the database holds.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from airpicture.intake.db import IntakeDatabase, SealedRow
from airpicture.model.errors import SourceError

BATCH_GLOB = "intake-batch-*.json"
ACK_SUFFIX = ".ack.json"


def batch_body(rows: list[SealedRow]) -> dict[str, object]:
    return {
        "reports": [
            {"report_id": r.report_id, "received_day": r.received_day, "sealed": base64.b64encode(r.sealed).decode()}
            for r in rows
        ]
    }


def read_batch(body: object, where: str) -> list[SealedRow]:
    """Sealed rows of a batch body (HTTP or file); ``SourceError`` naming ``where`` when it is malformed."""
    try:
        assert isinstance(body, dict)
        return [
            SealedRow(
                str(item["report_id"]), str(item["received_day"]), base64.b64decode(item["sealed"], validate=True)
            )
            for item in body["reports"]
        ]
    except (AssertionError, KeyError, TypeError, ValueError):
        raise SourceError(
            "not an intake batch", where=where, expected="{'reports': [{report_id, received_day, sealed}]}"
        ) from None


def export_batch(database: IntakeDatabase, folder: Path, limit: int) -> Path | None:
    """Write one batch file of up to ``limit`` pending rows not already in a batch file there; None if none."""
    exported = {r for path in folder.glob(BATCH_GLOB) for r in _ids(path)}
    rows = [r for r in database.batch(limit + len(exported)) if r.report_id not in exported][:limit]
    if not rows:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"intake-batch-{secrets.token_hex(8)}.json"
    path.write_text(json.dumps(batch_body(rows)), encoding="utf-8")
    return path


def _ids(path: Path) -> list[str]:
    return [r.report_id for r in read_batch(json.loads(path.read_text(encoding="utf-8")), str(path))]


def write_ack(batch_file: Path, report_ids: list[str]) -> Path:
    ack = batch_file.with_name(batch_file.name.removesuffix(".json") + ACK_SUFFIX)
    ack.write_text(json.dumps({"report_ids": report_ids}), encoding="utf-8")
    return ack


@dataclass(frozen=True, slots=True)
class AckResult:
    deleted: int
    files_removed: int


def apply_acks(database: IntakeDatabase, folder: Path) -> AckResult:
    """Delete the rows every ack file in ``folder`` names; remove the ack and its batch file."""
    deleted = removed = 0
    for ack in sorted(folder.glob("intake-batch-*" + ACK_SUFFIX)):
        try:
            ids = [str(i) for i in json.loads(ack.read_text(encoding="utf-8"))["report_ids"]]
        except (ValueError, KeyError, TypeError):
            raise SourceError("not an ack file", where=str(ack), expected="{'report_ids': [...]}") from None
        deleted += database.delete(ids)
        batch = ack.with_name(ack.name.removesuffix(ACK_SUFFIX) + ".json")
        for path in (ack, batch):
            if path.exists():
                path.unlink()
                removed += 1
    return AckResult(deleted, removed)


__all__ = ["BATCH_GLOB", "AckResult", "apply_acks", "batch_body", "export_batch", "read_batch", "write_ack"]

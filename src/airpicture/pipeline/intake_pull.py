"""``airpicture intake pull``: sealed reports from the intake server (HTTP) or a folder of batch files,
opened with the analyst's private key and stored through the existing report import.

Each opened report is one row for :func:`airpicture.pipeline.reports.intake` — the same vetting, place
look-up, redaction, media stripping and reporter hashing as ``airpicture reports import``; the claims
chain takes over from there (claims are refreshed once at the end). The batch id of a report is the
SHA-256 of its sealed box, so a report pulled twice (an acknowledgement lost on the way) is stored once.
Only after a batch is stored are its rows acknowledged and deleted on the server. A box that does not open
(damaged, or sealed to another key) is counted and left on the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airpicture.intake.batches import BATCH_GLOB, read_batch, write_ack
from airpicture.intake.db import SealedRow
from airpicture.intake.payload import read_payload
from airpicture.intake.sealing import Opener
from airpicture.model.clock import Clock
from airpicture.model.errors import SourceError
from airpicture.model.settings import Settings
from airpicture.store import Workspace

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PullResult:
    """What a pull did. ``opened`` holds the decrypted rows (for callers that check the round trip)."""

    pulled: int = 0
    imported: int = 0
    rejected: int = 0
    unopened: int = 0
    deleted: int = 0
    report_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    opened: list[tuple[dict[str, str], dict[str, bytes]]] = field(default_factory=list)


def open_report(opener: Opener, row: SealedRow) -> tuple[dict[str, str], dict[str, bytes]]:
    """The row and photos inside one sealed report; ``ValueError`` when it does not open."""
    return read_payload(opener.open(row.sealed))


def _store(
    rows: list[SealedRow],
    opener: Opener,
    store_report: Callable[[dict[str, str], dict[str, bytes], str], Any],
    result: PullResult,
) -> list[str]:
    """Open and store a batch; the ids that may be acknowledged (stored, or rejected by vetting)."""
    done = []
    for row in rows:
        result.pulled += 1
        try:
            fields, photos = open_report(opener, row)
        except ValueError:
            result.unopened += 1
            continue
        outcome = store_report(fields, photos, hashlib.sha256(row.sealed).hexdigest())
        result.opened.append((fields, photos))
        result.imported += outcome.imported
        result.rejected += outcome.rejected
        result.report_ids.extend(outcome.report_ids)
        result.errors.extend(outcome.errors)
        done.append(row.report_id)
    return done


def pull(
    workspace: Workspace,
    source: str,
    settings: Settings,
    clock: Clock,
    reporter_key: bytes,
    private_key: bytes,
    *,
    proxy: str | None = None,
    transport: Any = None,
) -> PullResult:
    """Pull everything pending from ``source`` (``http(s)://…`` or a folder) into the workspace."""
    from airpicture.pipeline.reports import intake

    opener = Opener(private_key)
    result = PullResult()

    def store_report(fields: dict[str, str], photos: dict[str, bytes], batch_id: str) -> Any:
        return intake(workspace, [fields], photos, settings, clock, reporter_key, file_sha256=batch_id)

    if source.startswith(("http://", "https://")):
        _pull_http(source, opener, store_report, result, settings.intake.pull_batch_size, proxy, transport)
    else:
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise SourceError("no such folder of intake batches", where=source, expected="a URL or a folder")
        for batch_file in sorted(folder.glob(BATCH_GLOB)):
            if batch_file.name.endswith(".ack.json"):
                continue
            try:
                rows = read_batch(json.loads(batch_file.read_text(encoding="utf-8")), str(batch_file))
            except (SourceError, ValueError, OSError):  # one bad file is counted, the others are pulled
                result.errors.append(f"{batch_file.name}: not an intake batch file, skipped (kept, not acknowledged)")
                continue
            write_ack(batch_file, _store(rows, opener, store_report, result))
    if result.imported:
        from airpicture.pipeline.claims import refresh

        refresh(workspace, settings, clock)
    log.info("intake pull: %d pulled, %d stored, %d unopened", result.pulled, result.imported, result.unopened)
    return result


def _pull_http(
    url: str,
    opener: Opener,
    store_report: Callable[[dict[str, str], dict[str, bytes], str], Any],
    result: PullResult,
    batch_size: int,
    proxy: str | None,
    transport: Any,
) -> None:
    import httpx

    with httpx.Client(base_url=url.rstrip("/"), proxy=proxy, transport=transport, timeout=120) as client:
        skipped: set[str] = set()
        proof_text = _prove(client, opener, url)
        while True:
            response = client.post("/api/v1/pull/batch", json={"proof": proof_text, "limit": batch_size})
            if response.status_code == 403:  # the proof expired (two minutes): prove again
                proof_text = _prove(client, opener, url)
                continue
            response.raise_for_status()
            rows = [r for r in read_batch(response.json(), url) if r.report_id not in skipped]
            if not rows:
                return
            done = _store(rows, opener, store_report, result)
            skipped.update(r.report_id for r in rows if r.report_id not in done)
            if done:
                ack = client.post("/api/v1/pull/ack", json={"proof": proof_text, "report_ids": done})
                if ack.status_code == 403:
                    proof_text = _prove(client, opener, url)
                    ack = client.post("/api/v1/pull/ack", json={"proof": proof_text, "report_ids": done})
                ack.raise_for_status()
                result.deleted += int(ack.json()["deleted"])
            elif len(rows) < batch_size:
                return


def _prove(client: Any, opener: Opener, url: str) -> str:
    """Open the server's challenge: the proof of holding the private key, valid two minutes."""
    response = client.post("/api/v1/pull/challenge")
    response.raise_for_status()
    try:
        proof = opener.open(base64.b64decode(response.json()["challenge"]))
    except ValueError:
        raise SourceError(
            "the intake's challenge does not open with this private key", where=url,
            expected="the intake whose public key pairs with intake.private_key_file",
        ) from None  # fmt: skip
    return base64.b64encode(proof).decode("ascii")


__all__ = ["PullResult", "open_report", "pull"]

"""Columnar Mode S / ADS-B decoder: whole Arrow batches of raw frames → POSITIONS_SCHEMA rows.

See ``docs/decoder.md`` for fields, validation rules, flags and thresholds.
"""

from __future__ import annotations

from airpicture.decode.modes._decoder import REJECTED_SCHEMA, DecodeResult, FrameDecoder, RejectReason

__all__ = ["REJECTED_SCHEMA", "DecodeResult", "FrameDecoder", "RejectReason"]

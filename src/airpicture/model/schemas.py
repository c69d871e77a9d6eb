"""Arrow schemas of the high-volume tables. Positions are columns, never one Python object per row.

``raw_frames`` is what a Mode S reader (Beast, raw hex, JSONL) hands the decoder: one row per frame.
``positions`` is what the decoder (or a reader of already-decoded data: state vectors, SBS, readsb,
traffic exports) stores: one row per decoded message or state vector, carrying whichever fields that
message has (a velocity message has no latitude). Units are in the names; times are UTC microseconds.
``source_file`` and ``source_offset`` point at the raw record (file id + byte offset or row number) so
any event can cite the bytes that prove it.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum

import pyarrow as pa

UTC_MICROS = pa.timestamp("us", tz="UTC")


class PositionFlag(IntFlag):
    """Bits of ``positions.flags``. Flagged rows are kept, never silently dropped: the GNSS-interference
    and going-dark detectors need them."""

    NONE = 0
    NO_POSITION = 1 << 0
    """Heard, no position in this row (Mode-S-only replies, velocity/identification messages)."""
    CPR_AMBIGUOUS = 1 << 1
    """CPR decoding was ambiguous or failed its reasonableness check; lat/lon are null."""
    IMPOSSIBLE_SPEED = 1 << 2
    """Moving faster than 1,200 km/h from the last accepted fix of this address."""
    POSITION_JUMP = 1 << 3
    """More than 500 km from the last accepted fix of this address."""
    FROZEN_POSITION = 1 << 4
    """The same position repeated while the aircraft reports speed (spoofing or stuck GNSS)."""
    INTEGRITY_LOW = 1 << 5
    """NIC or NACp below the usable threshold (jamming, spoofing, or a poor source)."""
    SURFACE = 1 << 6
    """A surface position message."""
    ADDRESS_RECOVERED = 1 << 7
    """The ICAO address was recovered from the parity field (DF0/4/5/16/20/21), not sent in clear."""
    SIMULATED = 1 << 8
    """Comes from the scenario simulator, not from a real receiver."""
    TIME_APPROXIMATE = 1 << 9
    """The row's time is approximate: its file's time basis is ``file_mtime`` or ``none`` (:class:`TimeBasis`)."""


class TimeBasis(StrEnum):
    """Where the times of an ingested file come from (``ingested_files.time_basis``, docs/ingest.md).

    Ordered from strongest to weakest; a file whose records differ takes the weakest of them."""

    ABSOLUTE = "absolute"
    """The data carries UTC times (state vectors, SBS, readsb, JSONL with timestamps)."""
    RECEIVER_CLOCK_ANCHORED = "receiver_clock_anchored"
    """A receiver clock (Beast 12 MHz counter, GPS time of day) anchored by ``--start`` or a ``.start`` sidecar."""
    FILE_MTIME = "file_mtime"
    """A receiver clock anchored on the file's modification time: approximate (a plain ``cp`` changes it)."""
    NONE = "none"
    """No time at all in the data (``*`` hex lines): every record gets the anchor time. Approximate."""

    @property
    def approximate(self) -> bool:
        """Times of this basis are not evidence of when something happened (``time_approximate``)."""
        return self in (TimeBasis.FILE_MTIME, TimeBasis.NONE)

    def weakest(self, other: TimeBasis) -> TimeBasis:
        order = list(TimeBasis)
        return self if order.index(self) >= order.index(other) else other


RAW_FRAMES_FIELDS: list[pa.Field[pa.DataType]] = [
    pa.field("ts", UTC_MICROS, nullable=False),
    pa.field("frame", pa.binary(), nullable=False),
    pa.field("source_offset", pa.int64(), nullable=False),
    pa.field("rssi_dbfs", pa.float32()),
    pa.field("receiver", pa.string()),
]
RAW_FRAMES_SCHEMA = pa.schema(RAW_FRAMES_FIELDS, metadata={b"airpicture.table": b"raw_frames"})
"""Columns of a batch of raw Mode S frames: ``frame`` is 7 bytes (56-bit) or 14 bytes (112-bit), or 2
bytes for Mode A/C; ``source_offset`` the byte offset (binary) or line number (text) of the record."""

POSITIONS_FIELDS: list[pa.Field[pa.DataType]] = [
    pa.field("ts", UTC_MICROS, nullable=False),
    pa.field("icao24", pa.string(), nullable=False),
    pa.field("lat_deg", pa.float64()),
    pa.field("lon_deg", pa.float64()),
    pa.field("alt_ft", pa.float32()),
    pa.field("alt_gnss_ft", pa.float32()),
    pa.field("gs_kt", pa.float32()),
    pa.field("track_deg", pa.float32()),
    pa.field("vrate_fpm", pa.float32()),
    pa.field("callsign", pa.string()),
    pa.field("squawk", pa.string()),
    pa.field("on_ground", pa.bool_()),
    pa.field("nic", pa.int8()),
    pa.field("nacp", pa.int8()),
    pa.field("sil", pa.int8()),
    pa.field("df", pa.int8()),
    pa.field("tc", pa.int8()),
    pa.field("flags", pa.uint16(), nullable=False),
    pa.field("source_file", pa.string(), nullable=False),
    pa.field("source_offset", pa.int64(), nullable=False),
]
POSITIONS_SCHEMA = pa.schema(
    POSITIONS_FIELDS,
    metadata={b"airpicture.table": b"positions", b"airpicture.schema_version": b"1"},
)
"""Columns of ``positions``. ``df``/``tc`` are the Mode S downlink format and ADS-B type code (null for
sources that are not frames). ``source_file`` is the content hash (SHA-256 hex) of the ingested file;
``source_offset`` its byte offset (binary formats) or row/line number (text and tabular formats)."""

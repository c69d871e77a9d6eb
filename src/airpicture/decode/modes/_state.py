"""The decoder's memory between batches, as small column sets (one row per address and kind).

Kinds and their columns (every kind has ``key`` and ``ts`` in UTC microseconds):

- ``trust``: addresses heard in clear (DF11 IID 0, DF17/18/19 with a zero syndrome) — address verification;
- ``cpr``: last even and last odd CPR frame per (address, surface) — ``lat``/``lon`` raw 17-bit values;
- ``fix``: last resolved position per (address, surface) — references for local CPR decoding;
- ``accepted``: last position that passed validation per address — reference for motion checks;
- ``opstat``: last TC31 per address — ``version``, ``nic_a``, ``nic_c``;
- ``accuracy``: last TC29/TC31 NACp and SIL per address.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.generic]

KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "trust": ("key", "ts"),
    "cpr": ("key", "ts", "lat", "lon"),
    "fix": ("key", "ts", "lat", "lon"),
    "accepted": ("key", "ts", "lat", "lon"),
    "opstat": ("key", "ts", "version", "nic_a", "nic_c"),
    "accuracy": ("key", "ts", "nacp", "sil"),
}
SNAPSHOT_VERSION = 1


def _empty(kind: str) -> dict[str, Array]:
    float_cols = {"lat", "lon"} if kind in ("fix", "accepted") else set()
    return {c: np.zeros(0, dtype=np.float64 if c in float_cols else np.int64) for c in KIND_COLUMNS[kind]}


@dataclass(slots=True)
class DecoderState:
    """Per-kind column dicts; ``merge`` keeps the newest row per key and forgets rows older than a TTL."""

    kinds: dict[str, dict[str, Array]] = field(default_factory=lambda: {k: _empty(k) for k in KIND_COLUMNS})

    def get(self, kind: str) -> dict[str, Array]:
        return self.kinds[kind]

    def merge(self, kind: str, new: dict[str, Array], *, now_us: int, ttl_s: float) -> None:
        old = self.kinds[kind]
        cols = {c: np.concatenate((old[c], np.asarray(new[c]).astype(old[c].dtype))) for c in KIND_COLUMNS[kind]}
        key, ts = cols["key"], cols["ts"]
        if key.size:
            order = np.lexsort((np.arange(key.size), ts, key))
            last = np.ones(order.size, dtype=bool)
            last[:-1] = key[order][1:] != key[order][:-1]
            keep = order[last]
            keep = keep[ts[keep] >= now_us - int(ttl_s * 1e6)]
            cols = {c: v[keep] for c, v in cols.items()}
        self.kinds[kind] = cols

    def to_bytes(self, params: dict[str, float | None]) -> bytes:
        buf = io.BytesIO()
        arrays = {f"{k}.{c}": v for k, cols in self.kinds.items() for c, v in cols.items()}
        meta = json.dumps({"version": SNAPSHOT_VERSION, "params": params}).encode()
        np.savez(buf, __meta__=np.frombuffer(meta, dtype=np.uint8), **arrays)  # type: ignore[arg-type]
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> tuple[DecoderState, dict[str, float | None]]:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["__meta__"]).decode())
            if meta.get("version") != SNAPSHOT_VERSION:
                raise ValueError(f"decoder snapshot version {meta.get('version')}, expected {SNAPSHOT_VERSION}")
            state = cls({k: {c: npz[f"{k}.{c}"] for c in cols} for k, cols in KIND_COLUMNS.items()})
        return state, meta["params"]

"""Frames this decoder does not decode natively, handed to pyModeS one by one so nothing is lost.

They are rare (extended squitter type codes 23-27, 30 and TC28 subtypes other than emergency status), so
a per-frame call is fine here. Only fields that have a ``positions`` column are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FallbackFields:
    rows: I64
    alt_ft: list[float | None]
    squawk: list[str | None]
    callsign: list[str | None]
    gs_kt: list[float | None]
    track_deg: list[float | None]
    vrate_fpm: list[float | None]


def decode_with_pymodes(hex_frames: list[str], rows: I64) -> FallbackFields:
    """Decode each frame with ``pyModeS.decode`` and keep altitude, squawk, callsign and velocity."""
    import pyModeS  # deferred: only needed for the rare frame types routed here

    out: dict[str, list[Any]] = {k: [] for k in ("altitude", "squawk", "callsign", "groundspeed", "track")}
    vrate: list[float | None] = []
    for msg in hex_frames:
        try:
            d = pyModeS.decode(msg)
        except ValueError:
            d = {}
        for key, values in out.items():
            values.append(d.get(key))
        vrate.append(d.get("vertical_rate"))
    return FallbackFields(
        rows=rows,
        alt_ft=out["altitude"],
        squawk=out["squawk"],
        callsign=out["callsign"],
        gs_kt=out["groundspeed"],
        track_deg=out["track"],
        vrate_fpm=vrate,
    )

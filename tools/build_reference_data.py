"""Rebuild the reference data shipped in ``src/airpicture/reference/data`` from the upstream source files.

Not run by tests or at run time: a maintainer runs it when refreshing a dataset, then commits the output.
Needs ``pyshp`` (``pip install -e '.[tools]'``) to read the Natural Earth shapefile. Usage::

    python tools/build_reference_data.py SOURCE_DIR

``SOURCE_DIR`` holds ``borders/ne_10m_admin_0_countries_deu.zip``, ``airfields/airports.csv.gz``,
``airfields/runways_eastern_europe.csv``, ``airfields/countries.csv.gz``, ``aircraft/plane-alert-db.csv`` and
``aircraft/icao24_country_ranges.csv`` (see docs/reference-data.md for where each comes from).
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import shapefile  # pyshp
import shapely

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "airpicture" / "reference" / "data"
TEST_BORDERS = REPO / "tests" / "data" / "borders"

#: Coordinates are stored as integers of this many degrees (1e-5 deg ≈ 1.1 m): the only loss of precision.
QUANTUM_DEG = 1e-5

#: Airfields: every country on the European continent in OurAirports, plus these neighbours.
AIRFIELD_EXTRA_COUNTRIES = ("RU", "KZ", "GE", "AM", "AZ", "TR", "CY")

#: ICAO Annex 10 state names (as in the dump1090 table) that differ from OurAirports' country names.
ICAO_NAME_TO_ISO2 = {
    "Brunei Darussalam": "BN",
    "Congo": "CG",
    "Cote d'Ivoire": "CI",
    "Democratic People's Republic of Korea": "KP",
    "Democratic Republic of the Congo": "CD",
    "Iran, Islamic Republic of": "IR",
    "Lao People's Democratic Republic": "LA",
    "Libyan Arab Jamahiriya": "LY",
    "Micronesia, Federated States of": "FM",
    "Myanmar": "MM",
    "Netherlands, Kingdom of the": "NL",
    "Republic of Korea": "KR",
    "Republic of Moldova": "MD",
    "Russian Federation": "RU",
    "Sao Tome and Principe": "ST",
    "Swaziland": "SZ",
    "Syrian Arab Republic": "SY",
    "The former Yugoslav Republic of Macedonia": "MK",
    "United Republic of Tanzania": "TZ",
    "Viet Nam": "VN",
}


def read_countries(zip_path: Path) -> list[tuple[str, str, shapely.Geometry]]:
    """(code, name, multipolygon) per Natural Earth feature; features with the same code are merged."""
    with zipfile.ZipFile(zip_path) as zf:
        stem = "ne_10m_admin_0_countries_deu"
        reader = shapefile.Reader(
            shp=io.BytesIO(zf.read(f"{stem}.shp")),
            shx=io.BytesIO(zf.read(f"{stem}.shx")),
            dbf=io.BytesIO(zf.read(f"{stem}.dbf")),
            encoding="utf-8",
        )
        merged: dict[str, tuple[str, list[shapely.Geometry]]] = {}
        for sr in reader.iterShapeRecords():
            rec = sr.record.as_dict()
            code = rec["ISO_A2_EH"] if rec["ISO_A2_EH"] != "-99" else rec["ADM0_A3"]
            geom = shapely.geometry.shape(sr.shape.__geo_interface__)
            parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
            name = rec["NAME_EN"] or rec["ADMIN"]
            if code in merged:
                merged[code][1].extend(parts)
            else:
                merged[code] = (name, parts)
    return [(code, name, shapely.MultiPolygon(parts)) for code, (name, parts) in sorted(merged.items())]


def quantize(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.set_precision(geom, QUANTUM_DEG, mode="pointwise")


def build_borders(src: Path) -> None:
    countries = read_countries(src / "borders" / "ne_10m_admin_0_countries_deu.zip")
    codes = np.array([c for c, _, _ in countries])
    names = np.array([n for _, n, _ in countries])
    geoms = np.array([g for _, _, g in countries], dtype=object)
    _, coords, offsets = shapely.to_ragged_array(geoms)
    ints = np.rint(coords / QUANTUM_DEG).astype(np.int64)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).astype(np.int32)
    out = DATA / "borders"
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "countries.npz",
        code=codes,
        name=names,
        coord_delta=deltas,
        ring_offsets=offsets[0].astype(np.int64),
        polygon_offsets=offsets[1].astype(np.int64),
        geometry_offsets=offsets[2].astype(np.int64),
        quantum_deg=np.array(QUANTUM_DEG),
    )
    # Unsimplified, unquantized fixtures for the error test (tests/reference/test_borders.py).
    TEST_BORDERS.mkdir(parents=True, exist_ok=True)
    for code, _, geom in countries:
        if code in ("BY", "UA", "LT"):
            (TEST_BORDERS / f"{code}.wkb.gz").write_bytes(gzip.compress(shapely.to_wkb(geom), mtime=0))
    print(f"borders: {len(codes)} countries, {len(coords)} vertices")


def build_airfields(src: Path) -> None:
    airports = pl.read_csv(src / "airfields" / "airports.csv.gz", infer_schema_length=0)
    keep = airports.filter(
        ((pl.col("continent") == "EU") | pl.col("iso_country").is_in(AIRFIELD_EXTRA_COUNTRIES))
        & (pl.col("type") != "balloonport")
    ).select(
        "ident",
        "type",
        "name",
        "latitude_deg",
        "longitude_deg",
        "elevation_ft",
        "iso_country",
        "iso_region",
        "municipality",
        "gps_code",
        "iata_code",
        "local_code",
        "keywords",
    )
    runways = pl.read_csv(src / "airfields" / "runways_eastern_europe.csv", infer_schema_length=0).select(
        "airport_ident",
        "length_ft",
        "width_ft",
        "surface",
        "closed",
        "le_ident",
        "le_latitude_deg",
        "le_longitude_deg",
        "le_heading_degT",
        "he_ident",
        "he_latitude_deg",
        "he_longitude_deg",
        "he_heading_degT",
    )
    out = DATA / "airfields"
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("airfields.csv.gz", keep), ("runways.csv.gz", runways)):
        buf = io.BytesIO()
        frame.write_csv(buf)
        (out / name).write_bytes(gzip.compress(buf.getvalue(), compresslevel=9, mtime=0))
    print(f"airfields: {keep.height} airfields, {runways.height} runways")


def build_icao(src: Path) -> None:
    names = pl.read_csv(src / "airfields" / "countries.csv.gz", infer_schema_length=0)
    to_iso = dict(zip(names["name"], names["code"], strict=True)) | ICAO_NAME_TO_ISO2
    ranges = pl.read_csv(src / "aircraft" / "icao24_country_ranges.csv", infer_schema_length=0)
    iso = [to_iso.get(n, "") if k == "state" else "" for n, k in zip(ranges["country"], ranges["kind"], strict=True)]
    missing = [n for n, k, i in zip(ranges["country"], ranges["kind"], iso, strict=True) if k == "state" and not i]
    if missing:
        sys.exit(f"no ISO code for ICAO state names: {missing}")
    out = DATA / "icao"
    out.mkdir(parents=True, exist_ok=True)
    ranges.with_columns(pl.Series("iso2", iso)).write_csv(out / "icao24_country_ranges.csv")
    print(f"icao: {ranges.height} blocks")


def build_aircraft(src: Path) -> None:
    out = DATA / "aircraft"
    out.mkdir(parents=True, exist_ok=True)
    raw = (src / "aircraft" / "plane-alert-db.csv").read_bytes()
    (out / "plane-alert-db.csv.gz").write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    shutil.copyfile(src / "aircraft" / "LICENSE", out / "LICENSE")
    rows = raw.count(b"\n") - 1
    print(f"aircraft: {rows} rows")


def main() -> None:
    src = Path(sys.argv[1])
    build_borders(src)
    build_airfields(src)
    build_icao(src)
    build_aircraft(src)
    print(json.dumps({p.name: p.stat().st_size for p in sorted(DATA.rglob("*")) if p.is_file()}, indent=1))


if __name__ == "__main__":
    main()

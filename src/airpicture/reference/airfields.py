"""Airfields (OurAirports, public domain) with runways and the names users actually type.

Shipped in ``data/airfields/``: ``airfields.csv.gz`` (Europe and neighbours), ``runways.csv.gz`` (runways of
the Eastern European countries: thresholds, headings, lengths), ``aliases.csv`` (curated names in Latin and
Cyrillic, e.g. Zyabrovka = Pribytki Air Base) and ``extra_airfields.csv`` (project-added fields missing from
OurAirports, flagged ``approximate``).

Look-up accepts a code (OurAirports ident, ICAO/GPS code, IATA, local code) or a name. Names are matched
case-, accent- and transliteration-insensitively: text is transliterated to ASCII (Unidecode), lower-cased,
generic words ("air base", "аэродром" ...) dropped, and spelling variants of romanised Cyrillic folded
(``Зябровка`` → ``ziabrovka``, ``Zyabrovka``, ``zjabrovka`` → the same key).
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from unidecode import unidecode

from airpicture.model.errors import ReferenceDataError
from airpicture.model.reference_types import Airfield, Runway
from airpicture.reference._files import data_file

EARTH_RADIUS_KM = 6371.0088

_GENERIC = re.compile(
    r"\b(naval air base|air force base|military air base|air base|airbase|airport|airfield|aerodrome|aerodrom|"
    r"aeroport|aerodromo|airstrip|international|heliport|ab|afb|lotnisko|аэродром|аэропорт|аэрадром|аэрапорт)\b"
)
_FOLDS = (
    ("shch", "s"), ("sch", "s"), ("sh", "s"), ("ch", "c"), ("zh", "z"), ("kh", "h"), ("ts", "c"), ("tz", "c"),
    ("ya", "a"), ("ia", "a"), ("ja", "a"), ("yu", "u"), ("iu", "u"), ("ju", "u"), ("yo", "o"), ("io", "o"),
    ("jo", "o"), ("ye", "e"), ("ie", "e"), ("je", "e"), ("y", "i"), ("j", "i"), ("w", "v"),
)  # fmt: skip
#: Which record wins when a name is ambiguous: stronger kinds of airfield first.
_KIND_RANK = {
    "large_airport": 0, "medium_airport": 1, "small_airport": 2, "unknown": 3, "closed": 4,
    "seaplane_base": 5, "heliport": 6,
}  # fmt: skip


def normalize_name(text: str) -> str:
    """Lower-case ASCII words: ``"Мачулішчы"`` → ``"machulishchy"``; punctuation becomes spaces."""
    ascii_text = unidecode(text).lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def fold_name(text: str) -> str:
    """A transliteration-insensitive key: generic words dropped, romanisation variants folded, no spaces."""
    base = normalize_name(text)
    stripped = _GENERIC.sub(" ", base)
    key = "".join((stripped if stripped.strip() else base).split())
    for old, new in _FOLDS:
        key = key.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", key)  # doubled letters: Россь / Ross


@dataclass(frozen=True, slots=True)
class Airfields:
    """The airfield table (Polars, one row per airfield) with code and name indexes."""

    table: pl.DataFrame
    runways: pl.DataFrame
    _codes: dict[str, int] = field(repr=False)
    _names: dict[str, list[tuple[int, int]]] = field(repr=False)  # key -> [(priority, row)]
    _aliases: dict[int, tuple[str, ...]] = field(repr=False)
    _tree: shapely.STRtree = field(repr=False)

    @classmethod
    def load(cls) -> Airfields:
        """Read the shipped tables and build the indexes (≈ 0.3 s for ~11,000 airfields)."""
        schema = {"latitude_deg": pl.Float64, "longitude_deg": pl.Float64, "elevation_ft": pl.Float64}
        main = pl.read_csv(
            io.BytesIO(data_file("airfields", "airfields.csv.gz").read_bytes()),
            schema_overrides=schema,
            infer_schema_length=0,
        ).with_columns(approximate=pl.lit(False))
        extra = pl.read_csv(
            io.BytesIO(data_file("airfields", "extra_airfields.csv").read_bytes()),
            schema_overrides=schema,
            infer_schema_length=0,
        ).with_columns(approximate=pl.col("approximate") == "true")
        table = pl.concat([main, extra.select(main.columns)], how="vertical")
        aliases = pl.read_csv(io.BytesIO(data_file("airfields", "aliases.csv").read_bytes()), infer_schema_length=0)
        runways = pl.read_csv(
            io.BytesIO(data_file("airfields", "runways.csv.gz").read_bytes()),
            infer_schema_length=0,
        ).with_columns(
            pl.col("length_ft", "width_ft", "le_latitude_deg", "le_longitude_deg", "le_heading_degT").cast(
                pl.Float64, strict=False
            ),
            pl.col("he_latitude_deg", "he_longitude_deg", "he_heading_degT").cast(pl.Float64, strict=False),
        )
        return cls.build(table, runways, aliases)

    @classmethod
    def build(cls, table: pl.DataFrame, runways: pl.DataFrame, aliases: pl.DataFrame) -> Airfields:
        """Index ``table``; every alias must name an ident in it (else ``ReferenceDataError``)."""
        idents = table["ident"].to_list()
        row_of = {ident: i for i, ident in enumerate(idents)}
        codes: dict[str, int] = {}
        # weaker codes first so stronger ones overwrite: local < IATA < GPS < ident
        for column in ("local_code", "iata_code", "gps_code", "ident"):
            for i, code in enumerate(table[column].to_list()):
                if code:
                    codes[code.upper()] = i
        names: dict[str, list[tuple[int, int]]] = {}
        kinds = table["type"].to_list()

        def add(text: str, row: int, priority: int) -> None:
            rank = priority * 10 + _KIND_RANK.get(kinds[row], 9)
            for key in {normalize_name(text), fold_name(text)}:
                if key:
                    names.setdefault(key, []).append((rank, row))

        alias_rows: dict[int, list[str]] = {}
        for ident, alias in zip(aliases["ident"].to_list(), aliases["alias"].to_list(), strict=True):
            if ident not in row_of:
                raise ReferenceDataError(
                    "alias names an unknown airfield", where="airfields/aliases.csv", found=ident,
                    expected="an ident of airfields.csv.gz or extra_airfields.csv",
                )  # fmt: skip
            add(alias, row_of[ident], 0)
            alias_rows.setdefault(row_of[ident], []).append(alias)
        for i, (name, keywords) in enumerate(zip(table["name"].to_list(), table["keywords"].to_list(), strict=True)):
            add(name, i, 1)
            for keyword in (keywords or "").split(","):
                if keyword.strip():
                    add(keyword, i, 2)
        for entries in names.values():
            entries.sort()
        points = shapely.points(table["longitude_deg"].to_numpy(), table["latitude_deg"].to_numpy())
        return cls(
            table=table,
            runways=runways,
            _codes=codes,
            _names=names,
            _aliases={row: tuple(a) for row, a in alias_rows.items()},
            _tree=shapely.STRtree(points),
        )

    def find_row(self, name_or_code: str) -> int | None:
        """Row of the airfield a user means, or ``None``.

        Curated aliases first (``Lida`` is the Belarusian air base, not the Italian field whose ident is LIDA),
        then codes, then names and keywords, each exact before transliteration-folded.
        """
        text = name_or_code.strip()
        keys = [k for k in (normalize_name(text), fold_name(text)) if k in self._names]
        for key in keys:
            rank, row = self._names[key][0]
            if rank < 10:
                return row
        if text.upper() in self._codes:
            return self._codes[text.upper()]
        return self._names[keys[0]][0][1] if keys else None

    def airfield(self, name_or_code: str) -> Airfield:
        """The airfield a user means by ``name_or_code``; unknown: ``ReferenceDataError`` with close matches."""
        row = self.find_row(name_or_code)
        if row is None:
            raise ReferenceDataError(
                "unknown airfield",
                where="airfield",
                found=name_or_code,
                expected=self._suggestion(name_or_code),
            )
        return self.record(row)

    def _suggestion(self, text: str) -> str:
        key = fold_name(text)
        close = difflib.get_close_matches(key, list(self._names), n=5, cutoff=0.75)
        labels = []
        for k in close:
            row = self._names[k][0][1]
            label = f"{self.table['name'][row]} ({self.table['ident'][row]})"
            if label not in labels:
                labels.append(label)
        hint = f"; close matches: {', '.join(labels)}" if labels else ""
        return f"an airfield name, alias or ICAO/GPS/IATA code{hint}"

    def record(self, row: int) -> Airfield:
        """The airfield in ``row`` as a frozen record, with its runways and aliases."""
        r = self.table.row(row, named=True)
        runway_rows = self.runways.filter(pl.col("airport_ident") == r["ident"]).iter_rows(named=True)
        return Airfield(
            ident=r["ident"],
            name=r["name"],
            kind=r["type"],
            lat=r["latitude_deg"],
            lon=r["longitude_deg"],
            elevation_ft=r["elevation_ft"],
            country=r["iso_country"],
            region=r["iso_region"] or "",
            municipality=r["municipality"] or "",
            gps_code=r["gps_code"] or "",
            iata_code=r["iata_code"] or "",
            aliases=self._aliases.get(row, ()),
            runways=tuple(_runway(w) for w in runway_rows),
            approximate=bool(r["approximate"]),
        )

    def nearest_rows(
        self, lats: npt.ArrayLike, lons: npt.ArrayLike, kinds: Collection[str] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Vectorised nearest airfield: (row, great-circle distance in km) per position; -1/NaN for NaN input.

        ``kinds`` restricts to OurAirports types (e.g. ``{"medium_airport", "small_airport"}``).
        Exact: the nearest in degree space bounds a search box in which the haversine minimum is taken.
        """
        lat = np.atleast_1d(np.asarray(lats, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lons, dtype=np.float64))
        rows = np.full(lat.shape, -1, dtype=np.int64)
        dist = np.full(lat.shape, np.nan)
        ok = np.isfinite(lat) & np.isfinite(lon)
        allowed = np.ones(self.table.height, dtype=bool)
        if kinds is not None:
            allowed = self.table["type"].is_in(list(kinds)).to_numpy()
        if not ok.any() or not allowed.any():
            return rows, dist
        a_lat = self.table["latitude_deg"].to_numpy()
        a_lon = self.table["longitude_deg"].to_numpy()
        tree = self._tree if kinds is None else shapely.STRtree(self._tree.geometries[allowed])
        index = np.arange(self.table.height) if kinds is None else np.flatnonzero(allowed)
        q_lat, q_lon = lat[ok], lon[ok]
        points = shapely.points(q_lon, q_lat)
        q_idx, t_idx = tree.query_nearest(points, all_matches=False)
        first_km = _haversine_km(q_lat[q_idx], q_lon[q_idx], a_lat[index[t_idx]], a_lon[index[t_idx]])
        reach_deg = np.degrees(first_km / EARTH_RADIUS_KM) * 1.000001 + 1e-9
        cos_lat = np.cos(np.radians(np.minimum(np.abs(q_lat[q_idx]) + reach_deg, 89.9)))
        boxes = shapely.box(
            q_lon[q_idx] - reach_deg / cos_lat, q_lat[q_idx] - reach_deg, q_lon[q_idx] + reach_deg / cos_lat,
            q_lat[q_idx] + reach_deg,
        )  # fmt: skip
        b_idx, c_idx = tree.query(boxes)
        cand_q = q_idx[b_idx]
        cand_row = index[c_idx]
        km = _haversine_km(q_lat[cand_q], q_lon[cand_q], a_lat[cand_row], a_lon[cand_row])
        order = np.lexsort((km, cand_q))
        cand_q, cand_row, km = cand_q[order], cand_row[order], km[order]
        first = np.r_[True, cand_q[1:] != cand_q[:-1]] if cand_q.size else np.zeros(0, dtype=bool)
        ok_positions = np.flatnonzero(ok)
        rows[ok_positions[cand_q[first]]] = cand_row[first]
        dist[ok_positions[cand_q[first]]] = km[first]
        return rows, dist

    def nearest(self, lat: float, lon: float, kinds: Collection[str] | None = None) -> tuple[Airfield, float]:
        """The airfield nearest to a position and its great-circle distance in km."""
        rows, dist = self.nearest_rows([lat], [lon], kinds)
        if rows[0] < 0:
            raise ReferenceDataError("no airfield for this position", where="nearest_airfield", found=f"{lat},{lon}")
        return self.record(int(rows[0])), float(dist[0])


def _haversine_km(
    lat1: npt.NDArray[np.float64], lon1: npt.NDArray[np.float64], lat2: npt.NDArray[np.float64],
    lon2: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:  # fmt: skip
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    km: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return km


def _runway(r: dict[str, object]) -> Runway:
    def num(key: str) -> float | None:
        value = r[key]
        return float(value) if isinstance(value, float | int) else None

    return Runway(
        le_ident=str(r["le_ident"] or ""),
        he_ident=str(r["he_ident"] or ""),
        length_ft=num("length_ft"),
        width_ft=num("width_ft"),
        surface=str(r["surface"] or ""),
        closed=r["closed"] == "1",
        le_lat=num("le_latitude_deg"),
        le_lon=num("le_longitude_deg"),
        le_heading_deg=num("le_heading_degT"),
        he_lat=num("he_latitude_deg"),
        he_lon=num("he_longitude_deg"),
        he_heading_deg=num("he_heading_degT"),
    )

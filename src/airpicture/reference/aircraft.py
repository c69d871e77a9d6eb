"""Aircraft of interest: the plane-alert-db watch-list (ODbL 1.0) with a derived role.

The shipped copy is ``data/aircraft/plane-alert-db.csv.gz`` (verbatim upstream CSV); a user copy written by
``airpicture reference update --plane-alert-db FILE`` (``<reference_path>/plane-alert-db.csv``) is preferred
when present. Both go through the same validation (:func:`parse_plane_alert`).

The role (AEW&C, tanker, ...) comes from ``data/aircraft/roles.csv``: an ordered list of rules, each matching
one field (``icao_type``, ``type``, ``tag``, ``category`` or ``cmpg``) against a regular expression; the first
rule that matches gives the role, none gives ``other``. ``type`` rules search the free-text type; the others
must match the whole field (case-insensitive). Tags are plane-alert-db's three tag columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from airpicture.model.errors import ReferenceDataError
from airpicture.model.reference_types import Aircraft, AircraftRole, OperatorClass
from airpicture.reference._files import data_file

PLANE_ALERT_FILE_NAME = "plane-alert-db.csv"

#: Our column name -> plane-alert-db's header with its ``$``/``#`` display markers removed.
COLUMNS = {
    "icao24": "ICAO",
    "registration": "Registration",
    "operator": "Operator",
    "type": "Type",
    "icao_type": "ICAO Type",
    "cmpg": "CMPG",
    "tag1": "Tag 1",
    "tag2": "Tag 2",
    "tag3": "Tag 3",
    "category": "Category",
    "link": "Link",
}
REQUIRED = ("icao24", "registration", "operator", "type", "icao_type", "category")
RULE_FIELDS = ("icao_type", "type", "tag", "category", "cmpg")
_HEX = re.compile(r"[0-9a-fA-F]{1,6}")


def parse_plane_alert(data: bytes, where: str) -> pl.DataFrame:
    """Validate a plane-alert-db CSV and return it as columns (all strings, ``icao24`` lowercase 6-hex).

    Raises ``ReferenceDataError`` naming ``where``, the line, the column and what was expected, for: bytes
    that are not UTF-8, a missing required column, a row with the wrong number of fields, an address that is
    not 1–6 hex digits, a repeated address. Addresses of fewer than 6 digits (a spreadsheet dropped the
    leading zeros, as in two upstream rows) are zero-padded.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(f"not UTF-8 text (byte offset {exc.start})", where=where) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ReferenceDataError("empty file", where=where, expected="a plane-alert-db CSV with a header line")
    plain = [h.strip().lstrip("$#").strip() for h in header]
    position: dict[str, int] = {}
    for ours, theirs in COLUMNS.items():
        if theirs in plain:
            position[ours] = plain.index(theirs)
    missing = [COLUMNS[c] for c in REQUIRED if c not in position]
    if missing:
        raise ReferenceDataError(
            f"missing column {missing[0]!r}",
            where=f"{where}: line 1",
            found=",".join(header),
            expected="plane-alert-db columns $ICAO,$Registration,$Operator,$Type,$ICAO Type,Category",
        )
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise ReferenceDataError(
                "wrong number of fields", where=f"{where}: line {line}", found=str(len(row)),
                expected=f"{len(header)} as in the header",
            )  # fmt: skip
        raw = row[position["icao24"]].strip()
        if not _HEX.fullmatch(raw):
            raise ReferenceDataError(
                "bad ICAO address", where=f"{where}: line {line}, column {header[position['icao24']]}", found=raw,
                expected="a 24-bit address as 6 hexadecimal digits, e.g. 14C5A9",
            )  # fmt: skip
        address = raw.lower().zfill(6)
        if address in seen:
            raise ReferenceDataError(
                f"address repeated (first on line {seen[address]})",
                where=f"{where}: line {line}, column {header[position['icao24']]}",
                found=raw,
                expected="each address once",
            )
        seen[address] = line
        for ours in COLUMNS:
            value = address if ours == "icao24" else (row[position[ours]].strip() if ours in position else "")
            columns[ours].append(value)
    if not seen:
        raise ReferenceDataError("no aircraft in file", where=where, expected="at least one data line")
    return pl.DataFrame(columns, schema={c: pl.String for c in COLUMNS})


def load_role_rules() -> pl.DataFrame:
    """The shipped role rules, validated (field names, roles, regular expressions)."""
    where = "reference/data/aircraft/roles.csv"
    rules = pl.read_csv(io.BytesIO(data_file("aircraft", "roles.csv").read_bytes()), infer_schema_length=0)
    roles = {r.value for r in AircraftRole}
    for line, (field, pattern, role) in enumerate(rules.select("field", "pattern", "role").iter_rows(), start=2):
        if field not in RULE_FIELDS:
            raise ReferenceDataError("unknown rule field", where=f"{where}: line {line}", found=field,
                                     expected=f"one of {', '.join(RULE_FIELDS)}")  # fmt: skip
        if role not in roles:
            raise ReferenceDataError("unknown role", where=f"{where}: line {line}", found=role,
                                     expected=f"one of {', '.join(sorted(roles))}")  # fmt: skip
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ReferenceDataError(f"bad pattern: {exc}", where=f"{where}: line {line}", found=pattern) from exc
    return rules


def derive_roles(table: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """``table`` with a ``role`` column: the first matching rule's role, else ``other``. Column-wise."""
    cases = []
    for field, pattern, role in rules.select("field", "pattern", "role").iter_rows():
        whole = f"(?i)^(?:{pattern})$"
        if field == "type":
            mask = pl.col("type").str.contains(f"(?i){pattern}")
        elif field == "tag":
            mask = pl.any_horizontal(pl.col(t).str.contains(whole) for t in ("tag1", "tag2", "tag3"))
        else:
            mask = pl.col(field).str.contains(whole)
        cases.append(pl.when(mask).then(pl.lit(role)))
    return table.with_columns(pl.coalesce(*cases, pl.lit(AircraftRole.OTHER.value)).alias("role"))


@dataclass(frozen=True, slots=True)
class Watchlist:
    """The aircraft of interest, one row per address, with roles. ``source`` says which file was read."""

    table: pl.DataFrame
    source: str

    @classmethod
    def load(cls, user_dir: Path | None = None) -> Watchlist:
        """The user copy in ``user_dir`` when there is one, else the shipped copy."""
        import gzip

        user_file = user_dir / PLANE_ALERT_FILE_NAME if user_dir is not None else None
        if user_file is not None and user_file.is_file():
            data, source = user_file.read_bytes(), str(user_file)
        else:
            packed = data_file("aircraft", f"{PLANE_ALERT_FILE_NAME}.gz").read_bytes()
            data, source = gzip.decompress(packed), f"shipped {PLANE_ALERT_FILE_NAME}"
        table = derive_roles(parse_plane_alert(data, source), load_role_rules())
        return cls(table=table.sort("icao24"), source=source)

    def aircraft(self, icao24: str) -> Aircraft | None:
        """The watch-list entry for a lowercase 6-hex address, ``None`` when it is not on the list."""
        rows = self.table.filter(pl.col("icao24") == icao24)
        if rows.height == 0:
            return None
        r = rows.row(0, named=True)
        cmpg = r["cmpg"]
        return Aircraft(
            icao24=r["icao24"],
            registration=r["registration"],
            operator=r["operator"],
            type=r["type"],
            icao_type=r["icao_type"],
            operator_class=OperatorClass(cmpg) if cmpg in {c.value for c in OperatorClass} else None,
            category=r["category"],
            role=AircraftRole(r["role"]),
            tags=tuple(t for t in (r["tag1"], r["tag2"], r["tag3"]) if t),
            link=r["link"],
        )

    def lookup(self, icao24: pl.Series) -> pl.DataFrame:
        """Vectorised look-up: one row per input address (same order), watch-list columns null when absent.

        ``icao24`` is a string Series of addresses (any case); the result has ``icao24`` (as given),
        ``on_watchlist`` and the watch-list columns.
        """
        keys = pl.DataFrame({"icao24": icao24.cast(pl.String)}).with_columns(
            pl.col("icao24").str.strip_chars().str.to_lowercase().alias("_key")
        )
        joined = keys.join(
            self.table.rename({"icao24": "_key"}).with_columns(on_watchlist=pl.lit(True)),
            on="_key",
            how="left",
            maintain_order="left",
        )
        return joined.drop("_key").with_columns(pl.col("on_watchlist").fill_null(False))

"""Aircraft of interest: real plane-alert-db rows, derived roles, vectorised look-up, validation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from airpicture.model.errors import ReferenceDataError
from airpicture.model.reference_types import AircraftRole, OperatorClass
from airpicture.reference import ReferenceData, parse_plane_alert
from airpicture.reference.aircraft import PLANE_ALERT_FILE_NAME

HEADER = "$ICAO,$Registration,$Operator,$Type,$ICAO Type,#CMPG,$Tag 1,$#Tag 2,$#Tag 3,Category,$#Link\n"
A50 = "14C5A9,RF-50601,Russian Air Force,Beriev A-50,A50,Mil,Airborne Early Warning,Analogue,Mainstay,Oxcart,https://w.wiki/8qzo\n"


def test_a50(ref: ReferenceData) -> None:
    a50 = ref.aircraft("14C5A9")
    assert a50 is not None
    assert (a50.icao24, a50.registration, a50.operator) == ("14c5a9", "RF-50601", "Russian Air Force")
    assert a50.type == "Beriev A-50" and a50.icao_type == "A50"
    assert a50.role is AircraftRole.AEW_C
    assert a50.operator_class is OperatorClass.MILITARY
    assert a50.tags == ("Airborne Early Warning", "Analogue", "Mainstay")


@pytest.mark.parametrize(
    ("icao24", "type_", "role"),
    [
        ("152b0c", "Ilyushin IL-78", AircraftRole.TANKER),
        ("3b7774", "Boeing KC-135R/T Stratotanker", AircraftRole.TANKER),
        ("ae56ea", "B-52H Stratofortress", AircraftRole.BOMBER),
        ("44f024", "F-16BM Fighting Falcon", AircraftRole.FIGHTER),
        ("06a21f", "Eurofighter Typhoon", AircraftRole.FIGHTER),
        ("15289b", "Ilyushin IL-20 M", AircraftRole.ISR),
        ("43c38c", "Boeing RC-135W Airseeker", AircraftRole.ISR),
        ("14fbff", "Tupolev Tu-214 R", AircraftRole.ISR),
        ("4d03c0", "Boeing E-3A Sentry", AircraftRole.AEW_C),
        ("3ea427", "Boeing P-8A Poseidon", AircraftRole.PATROL),
        ("44f8e0", "General Atomics MQ-9 Reaper", AircraftRole.UAV),
        ("33fd45", "RQ-4D Phoenix", AircraftRole.UAV),
        ("141145", "Mil Mi-8 MTPR-1", AircraftRole.HELICOPTER),
        ("1533d3", "Ilyushin IL-76MD", AircraftRole.TRANSPORT),
        ("06a248", "Boeing C-17A Globemaster III", AircraftRole.TRANSPORT),
        ("15770c", "Ilyushin IL-96-300", AircraftRole.GOVERNMENT),
        ("395140", "Grob G-120", AircraftRole.TRAINER),
    ],
)
def test_roles_of_real_rows(ref: ReferenceData, icao24: str, type_: str, role: AircraftRole) -> None:
    found = ref.aircraft(icao24)
    assert found is not None
    assert found.type == type_
    assert found.role is role


def test_every_a50_and_il78_of_the_russian_air_force_gets_its_role(ref: ReferenceData) -> None:
    table = ref.watchlist.table
    a50 = table.filter(pl.col("icao_type") == "A50")
    assert a50.height >= 5 and set(a50["role"]) == {"AEW&C"}
    il78 = table.filter(pl.col("type").str.contains("IL-78"))
    assert il78.height >= 5 and set(il78["role"]) == {"tanker"}


def test_military_rows_mostly_get_a_specific_role(ref: ReferenceData) -> None:
    mil = ref.watchlist.table.filter(pl.col("cmpg") == "Mil")
    other = mil.filter(pl.col("role") == "other").height
    assert mil.height > 9000
    assert other / mil.height < 0.05


def test_not_on_watchlist(ref: ReferenceData) -> None:
    assert ref.aircraft("000001") is None


def test_vectorised_lookup_keeps_order_and_marks_misses(ref: ReferenceData) -> None:
    addresses = pl.Series(["14C5A9", "000001", "152b0c", "14c5a9"])
    out = ref.aircraft_many(addresses)
    assert out["icao24"].to_list() == addresses.to_list()
    assert out["on_watchlist"].to_list() == [True, False, True, True]
    assert out["role"].to_list() == ["AEW&C", None, "tanker", "AEW&C"]


def test_upstream_leading_zero_loss_is_repaired(ref: ReferenceData) -> None:
    """Two upstream rows lost a leading zero (10166 for 010166); the loader pads them."""
    found = ref.aircraft("010166")
    assert found is not None and found.registration == "SU-BRR"


def test_parse_minimal_file() -> None:
    table = parse_plane_alert((HEADER + A50).encode(), "watch.csv")
    assert table.height == 1 and table["icao24"][0] == "14c5a9"


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (HEADER + A50 + A50.replace("14C5A9", "14C5AZ"), ["watch.csv: line 3, column $ICAO", "'14C5AZ'", "6 hex"]),
        (HEADER + A50 + "14C5AA,RF-1,x\n", ["watch.csv: line 3", "wrong number of fields", "11"]),
        (HEADER.replace("$Operator", "$Owner") + A50, ["watch.csv: line 1", "missing column 'Operator'"]),
        (HEADER + A50 + A50, ["watch.csv: line 3", "repeated (first on line 2)"]),
        ("", ["watch.csv", "empty file"]),
        (HEADER, ["watch.csv", "no aircraft"]),
    ],
)
def test_malformed_files(content: str, fragments: list[str]) -> None:
    with pytest.raises(ReferenceDataError) as err:
        parse_plane_alert(content.encode(), "watch.csv")
    text = str(err.value)
    assert "\n" not in text
    for fragment in fragments:
        assert fragment in text
    assert err.value.exit_code == 2


def test_not_utf8() -> None:
    with pytest.raises(ReferenceDataError, match="not UTF-8"):
        parse_plane_alert(HEADER.encode() + b"\xff\xfe\n", "watch.csv")


def test_user_copy_is_preferred(tmp_path: Path) -> None:
    (tmp_path / PLANE_ALERT_FILE_NAME).write_text(HEADER + A50.replace("Beriev A-50", "Beriev A-50U"))
    data = ReferenceData(user_dir=tmp_path)
    found = data.aircraft("14c5a9")
    assert found is not None and found.type == "Beriev A-50U"
    assert data.aircraft("152b0c") is None  # only what the user file lists
    assert data.watchlist.source == str(tmp_path / PLANE_ALERT_FILE_NAME)

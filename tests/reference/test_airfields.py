"""Airfields: names users type (Latin, Cyrillic, transliterations), codes, runways, nearest look-ups."""

from __future__ import annotations

import numpy as np
import pytest

from airpicture.model.errors import ReferenceDataError
from airpicture.reference import ReferenceData, fold_name
from airpicture.reference.airfields import _haversine_km


@pytest.mark.parametrize(
    "name", ["Zyabrovka", "Pribytki", "zyabrovka", "ZJABROVKA", "Ziabrovka", "Зябровка", "Зяброўка", "BY-4247",
             "Pribytki Air Base", "zyabrovka air base"],
)  # fmt: skip
def test_zyabrovka_and_pribytki_are_one_airfield(ref: ReferenceData, name: str) -> None:
    found = ref.airfield(name)
    assert found.ident == "BY-4247"
    assert found.name == "Pribytki Air Base"
    assert found.country == "BY"
    assert abs(found.lat - 52.305) < 0.01 and abs(found.lon - 31.163) < 0.01


@pytest.mark.parametrize(
    ("name", "ident"),
    [
        ("Machulishchy", "UMLI"),
        ("Мачулищи", "UMLI"),
        ("UMLI", "UMLI"),
        ("umli", "UMLI"),
        ("Baranavichy", "UMMA"),
        ("Baranovichi", "UMMA"),
        ("Барановичи", "UMMA"),
        ("Lida", "BY-0009"),  # the Belarusian air base, not the Italian field whose ident is LIDA
        ("UMDD", "BY-0009"),  # GPS code
        ("Babruisk", "UMNB"),
        ("Bobruisk", "UMNB"),
        ("Бобруйск", "UMNB"),
        ("Luninets", "BY-9934"),
        ("UMNL", "BY-9934"),
        ("Homiel", "UMGG"),
        ("Gomel", "UMGG"),
        ("Asipovichy", "BY-ASIP"),
        ("Osipovichi", "BY-ASIP"),
        ("Pruzhany", "UMNV"),
        ("Ross", "UMMR"),
        ("Shchuchyn", "UMDU"),
        ("Щучин", "UMDU"),
        ("Minsk-1", "UMMM"),
        ("Minsk-2", "UMMS"),
        ("MSQ", "UMMS"),  # IATA
        ("Chkalovsk", "RU-0028"),
        ("Kaliningrad Khrabrovo", "UMKK"),
        ("Babruysk Air Base", "UMNB"),  # an OurAirports keyword
        ("Balbasava", "BY-0001"),  # an OurAirports keyword
    ],
)
def test_names_users_type(ref: ReferenceData, name: str, ident: str) -> None:
    assert ref.airfield(name).ident == ident


def test_fold_name_merges_transliterations() -> None:
    assert fold_name("Зябровка") == fold_name("Zyabrovka") == fold_name("zjabrovka") == fold_name("Ziabrovka")
    assert fold_name("Щучин") == fold_name("Shchuchyn")
    assert fold_name("Machulishchy Air Base") == fold_name("Machulishchy")


def test_unknown_airfield_lists_close_matches(ref: ReferenceData) -> None:
    with pytest.raises(ReferenceDataError) as err:
        ref.airfield("Zyabrovska")
    text = str(err.value)
    assert "'Zyabrovska'" in text and "Pribytki Air Base (BY-4247)" in text
    assert err.value.exit_code == 2


def test_runways_with_thresholds_and_headings(ref: ReferenceData) -> None:
    khrabrovo = ref.airfield("UMKK")
    assert len(khrabrovo.runways) == 1
    rwy = khrabrovo.runways[0]
    assert (rwy.le_ident, rwy.he_ident) == ("06", "24")
    assert rwy.length_ft == 10991
    assert rwy.le_heading_deg == 66 and rwy.he_heading_deg == 246
    assert rwy.le_lat is not None and rwy.he_lon is not None
    # the thresholds are one runway length apart (within OurAirports' rounding)
    km = _haversine_km(np.array([rwy.le_lat]), np.array([rwy.le_lon]), np.array([rwy.he_lat]), np.array([rwy.he_lon]))
    assert abs(km[0] * 3280.84 - rwy.length_ft) < 300


def test_project_added_airfield_is_flagged_approximate(ref: ReferenceData) -> None:
    assert ref.airfield("Asipovichy").approximate
    assert not ref.airfield("Zyabrovka").approximate


def test_nearest_airfield(ref: ReferenceData) -> None:
    found, km = ref.nearest_airfield(52.306, 31.165)
    assert found.ident == "BY-4247"
    assert km < 0.5


def test_nearest_vectorised_matches_brute_force(ref: ReferenceData) -> None:
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(50, 57, 300), rng.uniform(20, 33, 300)
    lat[5] = np.nan
    idents, km = ref.nearest_airfields(lat, lon)
    table = ref.airfields.table
    a_lat, a_lon = table["latitude_deg"].to_numpy(), table["longitude_deg"].to_numpy()
    all_idents = table["ident"].to_numpy()
    for i in range(len(lat)):
        if i == 5:
            assert idents[i] == "" and np.isnan(km[i])
            continue
        d = _haversine_km(np.full(a_lat.shape, lat[i]), np.full(a_lon.shape, lon[i]), a_lat, a_lon)
        assert km[i] == pytest.approx(d.min(), abs=1e-9)
        assert idents[i] in set(all_idents[d <= d.min() + 1e-9])

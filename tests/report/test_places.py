"""Place names from the shipped gazetteer: "near Mazyr", "25 km SW of Mazyr", airfields by name."""

from __future__ import annotations

from airpicture.pipeline.places import place_namer


def test_points_get_town_and_airfield_names() -> None:
    namer = place_namer()
    assert namer.phrase(52.03, 29.27) == "near Mazyr"
    assert namer.phrase(51.91, 28.95) == "25 km SW of Mazyr"
    assert namer.phrase(53.77, 27.58) == "near Minsk Machulishchy Air Base"
    assert namer.phrase(52.30, 31.16) == "near Pribytki Air Base (Zyabrovka)"
    assert namer.phrase(0.0, 0.0) is None  # nothing named nearby: the report keeps coordinates

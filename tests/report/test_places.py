"""Place names from the shipped gazetteer: "near Mazyr", "25 km SW of Mazyr", airfields by name."""

from __future__ import annotations

from airpicture.pipeline.places import place_namer


def test_points_get_town_and_airfield_names() -> None:
    namer = place_namer()
    assert namer.phrase(52.03, 29.27) == "near Mazyr"
    assert namer.phrase(51.91, 28.95) == "25 km SW of Mazyr"
    # one romanisation throughout: BGN/PCGN Belarusian (docs/report.md), for towns and air bases alike
    assert namer.phrase(53.77, 27.58) == "near Machulishchy Air Base"
    assert namer.phrase(52.30, 31.16) == "near Prybytki Air Base"
    assert namer.phrase(53.10, 26.05) == "near Baranavichy Air Base"  # not "Baranavichi … (Baranavichy)"
    assert namer.phrase(51.90, 28.41) == "25 km S of Pyetrykaw"  # GeoNames' Russian-style "Petrikov"
    assert namer.phrase(0.0, 0.0) is None  # nothing named nearby: the report keeps coordinates


def test_belarusian_names_follow_bgn_pcgn() -> None:
    from airpicture.pipeline.places import belarusian_form, map_places, romanise_belarusian

    assert romanise_belarusian("Петрыкаў") == "Pyetrykaw"
    assert romanise_belarusian("Магілёў") == "Mahilyow"
    assert romanise_belarusian("Гомель") == "Homyel"
    assert belarusian_form(["Бобруйск", "Бабруйск", "Бобруйськ"]) == "Бабруйск"
    assert belarusian_form(["Брест", "Брэст", "Берестя"]) == "Брэст"
    names = [n for n, _, _ in map_places("BY", (23.0, 51.0, 33.0, 56.5))]
    assert {"Minsk", "Homyel", "Hrodna", "Brest", "Babruysk", "Mazyr", "Baranavichy"} <= set(names)
    assert not {"Gomel", "Bobruysk", "Baranovichi", "Petrikov"} & set(names)

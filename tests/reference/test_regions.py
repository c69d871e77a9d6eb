"""Regions are configuration: the shipped files, user files first, and every kind of bad file."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from airpicture.model.errors import ConfigError, ReferenceDataError
from airpicture.reference import ReferenceData

GOOD = """\
title = "Poland, eastern border"
watched_country = "PL"
neighbours = ["BY", "UA", "LT", "RU"]
timezone = "Europe/Warsaw"
night_start = 22:00:00
night_end = "05:30"
airfields = ["Rzeszow", "EPLB", "Deblin"]
border_segments = [["PL", "BY"], ["PL", "UA"]]
"""


def test_belarus(ref: ReferenceData) -> None:
    belarus = ref.region("belarus")
    assert belarus.watched_country == "BY"
    assert belarus.neighbours == ("UA", "RU", "PL", "LT", "LV")
    assert belarus.timezone == "Europe/Minsk"
    assert (belarus.night_start, belarus.night_end) == (time(21), time(6))
    for name in ("Machulishchy", "Baranavichy", "Lida", "Babruisk", "Zyabrovka", "Luninets", "Homiel",
                 "Asipovichy", "Pruzhany"):  # fmt: skip
        assert name in belarus.airfields
        ref.airfield(name)
    assert belarus.border_segments == (("BY", "UA"), ("BY", "RU"), ("BY", "PL"), ("BY", "LT"), ("BY", "LV"))
    assert belarus.area_bbox is None


def test_kaliningrad(ref: ReferenceData) -> None:
    region = ref.region("kaliningrad")
    assert region.watched_country == "RU" and region.timezone == "Europe/Kaliningrad"
    assert region.area_bbox is not None
    south, west, north, east = region.area_bbox
    # the oblast's land borders are exactly Russia's borders with Poland and Lithuania, all inside the box
    for a, b in region.border_segments:
        minx, miny, maxx, maxy = ref.border(a, b).bounds
        assert south <= miny and maxy <= north and west <= minx and maxx <= east
    for name in region.airfields:
        airfield = ref.airfield(name)
        assert airfield.country == "RU" and south <= airfield.lat <= north and west <= airfield.lon <= east


def test_region_names(ref: ReferenceData) -> None:
    assert ref.region_names() == ("belarus", "kaliningrad")


def test_user_region_and_shadowing(tmp_path: Path) -> None:
    (tmp_path / "poland-east.toml").write_text(GOOD)
    (tmp_path / "belarus.toml").write_text(GOOD.replace("Poland, eastern border", "My Belarus"))
    data = ReferenceData(region_dirs=(tmp_path,))
    assert data.region_names() == ("belarus", "kaliningrad", "poland-east")
    poland = data.region("poland-east")
    assert poland.name == "poland-east" and poland.night_start == time(22) and poland.night_end == time(5, 30)
    assert data.region("belarus").title == "My Belarus"


def test_unknown_region_lists_known_ones(ref: ReferenceData) -> None:
    with pytest.raises(ReferenceDataError) as err:
        ref.region("belarussia")
    assert "'belarussia'" in str(err.value) and "belarus, kaliningrad" in str(err.value)


@pytest.mark.parametrize(
    ("edit", "error", "fragments"),
    [
        (lambda s: s.replace('title = "', 'title = "x\n'), ConfigError, ["not valid TOML"]),
        (lambda s: s + 'colour = "red"\n', ConfigError, ["key colour", "unknown key"]),
        (lambda s: s.replace('timezone = "Europe/Warsaw"\n', ""), ConfigError, ["key timezone", "missing key"]),
        (lambda s: s.replace('"Europe/Warsaw"', '"Europe/Minks"'), ConfigError, ["key timezone", "'Europe/Minks'"]),
        (lambda s: s.replace('"LT", "RU"]', '"LT", "XX"]'), ReferenceDataError, ["key neighbours", "'XX'"]),
        (lambda s: s.replace('"Deblin"', '"Nowhere Air Base"'), ReferenceDataError,
         ["key airfields", "'Nowhere Air Base'"]),
        (lambda s: s.replace('["PL", "UA"]', '["PL", "FR"]'), ReferenceDataError,
         ["key border_segments", "PL–FR", "share no land border"]),
        (lambda s: s.replace('["PL", "UA"]', '["UA", "PL"]'), ConfigError, ["key border_segments", "PL–…"]),
        (lambda s: s.replace('night_end = "05:30"', 'night_end = "half past five"'), ConfigError,
         ["key night_end", "HH:MM"]),
        (lambda s: s.replace('neighbours = ["BY", "UA", "LT", "RU"]', 'neighbours = "BY"'), ConfigError,
         ["key neighbours", "a list of strings"]),
        (lambda s: s + "area_bbox = [55, 19, 54, 23]\n", ConfigError, ["key area_bbox", "bad bounding box"]),
    ],
)  # fmt: skip
def test_bad_region_files(tmp_path: Path, edit, error: type[Exception], fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(edit(GOOD))
    with pytest.raises(error) as err:
        ReferenceData(region_dirs=(tmp_path,)).region("bad")
    text = str(err.value)
    assert str(path) in text and "\n" not in text
    for fragment in fragments:
        assert fragment in text

"""NOTAM wiring in the pipeline: which borders are watched."""

from __future__ import annotations


def test_watched_borders_default_to_the_regions_border_segments() -> None:
    from airpicture.model.settings import NotamSettings, Settings
    from airpicture.pipeline.notam import watched_borders

    assert watched_borders(Settings()) == ("BY-UA", "BY-RU", "BY-PL", "BY-LT", "BY-LV")
    assert watched_borders(Settings(region="kaliningrad"))[0].startswith("RU-")
    assert watched_borders(Settings(notam=NotamSettings(watch_borders=("BY-UA",)))) == ("BY-UA",)

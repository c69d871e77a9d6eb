"""Settings: defaults < file < environment < flags; bad input names the file/key; docs cover every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airpicture.model.errors import ConfigError
from airpicture.model.settings import Settings, iter_settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_need_no_file() -> None:
    settings = load_settings(None, {})
    assert settings == Settings()
    assert settings.region == "belarus"
    assert settings.tracks.gap_min == 15.0
    assert settings.reference_path == Path("airpicture-workspace") / "reference"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "airpicture.toml"
    config.write_text('region = "kaliningrad"\nlog_level = "info"\n[tracks]\ngap_min = 20\n')
    from_file = load_settings(config, {})
    assert (from_file.region, from_file.log_level, from_file.tracks.gap_min) == ("kaliningrad", "info", 20.0)

    env = {"AIRPICTURE_TRACKS__GAP_MIN": "30", "AIRPICTURE_LOG_LEVEL": "debug", "HOME": "/x"}
    from_env = load_settings(config, env)
    assert (from_env.region, from_env.log_level, from_env.tracks.gap_min) == ("kaliningrad", "debug", 30.0)

    flagged = load_settings(config, env, {"workspace": tmp_path / "w", "region": None})
    assert flagged.workspace == tmp_path / "w"
    assert flagged.region == "kaliningrad"  # a flag left unset does not override


def test_list_setting_from_environment_and_file(tmp_path: Path) -> None:
    assert load_settings(None, {"AIRPICTURE_REGION_DIRS": "a,b"}).region_dirs == (Path("a"), Path("b"))
    config = tmp_path / "c.toml"
    config.write_text('region_dirs = ["x", "y"]\n')
    assert load_settings(config, {}).region_dirs == (Path("x"), Path("y"))


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})
    with pytest.raises(AttributeError):
        settings.region = "x"  # type: ignore[misc]


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "airpicture.toml"
    config.write_text("regoin = 'belarus'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    text = str(caught.value)
    assert str(config) in text and "regoin" in text and "region" in text
    assert caught.value.exit_code == 2


def test_bad_value_says_what_was_expected(tmp_path: Path) -> None:
    config = tmp_path / "airpicture.toml"
    config.write_text("[tracks]\ngap_min = 'soon'\n")
    with pytest.raises(ConfigError, match=r"tracks.gap_min.*'soon'.*expected number"):
        load_settings(config, {})
    with pytest.raises(ConfigError, match="AIRPICTURE_TRACKS__GAP_MIN"):
        load_settings(None, {"AIRPICTURE_TRACKS__GAP_MIN": "later"})


def test_unreadable_toml_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "airpicture.toml"
    config.write_text("region = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config, {})


def test_named_but_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", {}, required=True)
    assert load_settings(tmp_path / "nope.toml", {}) == Settings()


def test_every_setting_has_help_and_is_documented() -> None:
    docs = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^###\s+`([a-z0-9_.]+)`", docs, flags=re.MULTILINE))
    names = {name for name, _ in iter_settings()}
    for name, spec in iter_settings():
        assert spec.metadata.get("help"), f"setting {name} has no help text"
    assert names - documented == set(), f"settings missing from docs/settings.md: {sorted(names - documented)}"
    assert documented - names == set(), f"docs/settings.md documents unknown settings: {sorted(documented - names)}"


def test_the_test_suites_require_switches_are_not_settings() -> None:
    from airpicture.model.settings import load_settings

    settings = load_settings(env={"AIRPICTURE_REQUIRE_MQTT": "1", "AIRPICTURE_REQUIRE_TOR": "1"})
    assert settings == load_settings(env={})

"""The engine choice: flags over the ``[scale]`` settings, and clear errors for impossible combinations."""

from __future__ import annotations

import pytest

from airpicture.model.errors import UsageError
from airpicture.model.settings import ScaleSettings, Settings
from airpicture.scale.drivers import EngineChoice, day_runner, engine_options
from airpicture.scale.engine import EngineOptions


def test_flags_override_the_settings() -> None:
    settings = Settings(scale=ScaleSettings(engine="dask", workers=3, retries=5, worker_memory="2GiB"))
    assert engine_options(settings, EngineChoice()) == ("dask", EngineOptions(None, 3, 5, "2GiB"))
    chosen = engine_options(settings, EngineChoice(workers=1, scheduler="tcp://10.0.0.5:8786"))
    assert chosen == ("dask", EngineOptions("tcp://10.0.0.5:8786", 1, 5, "2GiB"))
    assert engine_options(Settings(), EngineChoice())[0] == "local"


def test_an_unknown_engine_and_cluster_flags_without_dask_are_refused() -> None:
    with pytest.raises(UsageError, match="unknown engine"):
        engine_options(Settings(), EngineChoice(engine="spark"))
    with pytest.raises(UsageError, match="go with --engine dask"):
        engine_options(Settings(), EngineChoice(workers=2))


def test_the_local_engine_runs_no_cluster() -> None:
    with day_runner(Settings(), EngineChoice(engine="local")) as runner:
        assert runner is None

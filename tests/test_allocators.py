"""The CLI's allocator settings (cli.app.tune_allocators): set before pyarrow/Polars load, the user's own win."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from airpicture.cli.app import ALLOCATOR_SETTINGS, tune_allocators


def test_defaults_set_and_user_values_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALLOCATOR_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    tune_allocators()
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "mimalloc"
    assert os.environ["_RJEM_MALLOC_CONF"] == ALLOCATOR_SETTINGS["_RJEM_MALLOC_CONF"]


def test_arrow_uses_the_system_pool_after_tuning() -> None:
    """In a fresh interpreter (pyarrow reads the variable once, when it loads)."""
    env = {k: v for k, v in os.environ.items() if k not in ALLOCATOR_SETTINGS}
    code = (
        "import sys; from airpicture.cli.app import tune_allocators; "
        "assert 'pyarrow' not in sys.modules and 'polars' not in sys.modules; tune_allocators(); "
        "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "system"

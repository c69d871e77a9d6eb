"""Report exports and media are read with a bound, never whole before a size check (#19, items 10 and 12).

A sparse file far over the limit, a FIFO (which would block a plain read forever), a device and a symbolic
link are refused without being read; a file under the limit is read whole. Each refusal is confined to its
row (media) or file (export)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from airpicture.model.errors import SourceError
from airpicture.model.settings import Settings
from airpicture.pipeline.reports import import_file, load_reporter_key
from airpicture.sources.bounded import read_bounded
from airpicture.sources.reports import MAX_FILE_BYTES, read_report_file
from airpicture.store import Workspace
from airpicture.testing import FixedClock
from tests.reports.conftest import jpeg_bytes, photo

_HEADER = "time,place,category,media\n"


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)  # no blocks written: reading it whole would allocate `size` bytes
    return path


def _fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs os.mkfifo (a POSIX system)")
    os.mkfifo(path)
    return path


def _with_timeout(call):  # type: ignore[no-untyped-def]
    """Run ``call`` in a thread; a read that blocks on a FIFO fails the test instead of hanging it."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the read blocked (a FIFO read without a bound)"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def test_read_bounded_refuses_what_it_must_not_read(tmp_path: Path) -> None:
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 100)
    assert read_bounded(small, 100, label="f") == b"x" * 100
    with pytest.raises(SourceError, match="too large, not read"):
        read_bounded(small, 99, label="f")
    with pytest.raises(SourceError, match="too large, not read"):
        read_bounded(_sparse(tmp_path / "sparse.bin", 1 << 40), 1000, label="f")
    fifo = _fifo(tmp_path / "pipe")
    with pytest.raises(SourceError, match="not a regular file"):
        _with_timeout(lambda: read_bounded(fifo, 1000, label="f"))
    if Path("/dev/zero").exists():  # a device that never ends
        with pytest.raises(SourceError, match="not a regular file"):
            read_bounded(Path("/dev/zero"), 1000, label="f")
    link = tmp_path / "link.bin"
    link.symlink_to(small)
    with pytest.raises(SourceError, match="symbolic link"):
        read_bounded(link, 1000, label="f")
    assert read_bounded(link, 1000, label="f", follow_links=True) == b"x" * 100
    with pytest.raises(SourceError, match=r"^f: ") as info:
        read_bounded(tmp_path / "from Ivan +375297770011", 10, label="f")
    assert "375297770011" not in str(info.value)  # named by its label, never its path


def test_a_report_export_fifo_or_sparse_giant_is_refused_unread(tmp_path: Path) -> None:
    giant = _sparse(tmp_path / "giant.csv", MAX_FILE_BYTES * 50)
    with pytest.raises(SourceError, match="report file too large, not read"):
        read_report_file(giant, "reports/report-000000000000.csv")
    fifo = _fifo(tmp_path / "pipe.csv")
    with pytest.raises(SourceError, match="report file is not a regular file"):
        _with_timeout(lambda: read_report_file(fifo, "reports/report-111111111111.csv"))


def test_oversized_fifo_and_device_media_refused_per_row(
    workspace: Workspace, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _sparse(folder / "huge.jpg", settings.reports.max_media_bytes * 1000)
    _fifo(folder / "pipe.jpg")
    (folder / "ok.jpg").write_bytes(jpeg_bytes(photo()))
    rows = [f"2022-07-11T21:0{i}Z,Mazyr,drone,{name}\n" for i, name in enumerate(("huge.jpg", "pipe.jpg", "ok.jpg"))]
    export = folder / "export.csv"
    export.write_text(_HEADER + "".join(rows), encoding="utf-8")
    key = load_reporter_key(settings.reports.reporter_key_file, workspace.root)
    result = _with_timeout(lambda: import_file(workspace, export, settings, clock, key))
    assert result.imported == 1 and result.media_stored == 1
    assert "row 1: field media: media file 1: media file too large, not read" in result.errors[0]
    assert "row 2: field media: media file 1: media file is not a regular file, not read" in result.errors[1]

"""The shipped data: provenance next to every dataset, nothing loaded at import, one default instance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from airpicture.reference import ReferenceData
from tests.conftest import REPO

DATA = REPO / "src" / "airpicture" / "reference" / "data"


def test_every_dataset_has_provenance() -> None:
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        assert (folder / "SOURCE.txt").is_file() or (folder / "README.md").is_file(), folder
    assert "Open Database License" in (DATA / "aircraft" / "LICENSE").read_text()


def test_shipped_data_stays_compact() -> None:
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 8 * 1024 * 1024


def test_nothing_is_read_until_asked() -> None:
    data = ReferenceData()
    assert not {"borders", "airfields", "watchlist", "address_blocks"} & set(vars(data))
    data.country_of_address("510123")
    assert set(vars(data)) & {"borders", "airfields", "watchlist", "address_blocks"} == {"address_blocks"}


def test_import_reads_no_data(tmp_path: Path) -> None:
    code = (
        "import sys, airpicture.reference as r\n"
        "assert r._default is None\n"
        "assert 'airpicture.reference.borders' in sys.modules\n"  # modules import, data does not load
        "import numpy as np\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False,
                          env={"PYTHONPATH": str(REPO / "src")})  # fmt: skip
    assert done.returncode == 0, done.stderr

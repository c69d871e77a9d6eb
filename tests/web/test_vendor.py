"""The vendored MapLibre files are the bytes VENDOR.md records (offline; ``tools/vendor_maplibre.py --check``
compares them with the npm registry's tarball) and ship inside the package, where the dashboard loads them."""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files

STATIC = files("airpicture.web") / "static"


def test_vendored_maplibre_matches_its_record_and_ships_in_the_package() -> None:
    vendor = STATIC / "vendor"
    (folder,) = [f for f in vendor.iterdir() if f.name.startswith("maplibre-gl-")]
    version = folder.name.removeprefix("maplibre-gl-")
    record = (folder / "VENDOR.md").read_text(encoding="utf-8")
    assert f"maplibre-gl@{version}" in record and re.search(r"integrity `sha512-[A-Za-z0-9+/=]{88}`", record)
    recorded = dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", record, flags=re.M))
    on_disk = {f.name for f in folder.iterdir()} - {"VENDOR.md"}
    assert set(recorded) == on_disk == {"maplibre-gl-csp.js", "maplibre-gl-csp-worker.js", "maplibre-gl.css",
                                        "LICENSE.txt"}  # fmt: skip
    for name, sha256 in recorded.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha256, f"{folder / name} changed"
    assert "Redistribution and use in source and binary forms" in (folder / "LICENSE.txt").read_text(encoding="utf-8")
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    assert f"/static/vendor/{folder.name}/maplibre-gl-csp.js" in page  # the page loads this very version
    assert f"/static/vendor/{folder.name}/" in script and "maplibre-gl-csp-worker.js" in script
    assert "<style" not in page and re.search(r"<script>|<script [^>]*>[^<]", page) is None  # nothing inline

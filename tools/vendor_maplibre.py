"""Vendor MapLibre GL JS for the dashboard, or check that the vendored files are the npm registry's bytes.

    python tools/vendor_maplibre.py --check             # re-download the tarball, compare (needs npm + network)
    python tools/vendor_maplibre.py --version 5.24.1    # (re)vendor a version and write its VENDOR.md

``npm pack maplibre-gl@VERSION`` in a temporary folder fetches the published tarball; npm verifies it against
the registry's ``dist.integrity`` (sha512), which is recorded in VENDOR.md with each file's sha256.
The files taken are the CSP build (no ``blob:`` workers, no ``eval``), its worker, the stylesheet and the
licence. The offline test ``tests/web/test_vendor.py`` checks the vendored files against VENDOR.md.
Version 5 is used because MapLibre 6 ships ES modules only (no CSP build).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "web" / "static" / "vendor"
VERSION = "5.24.1"
FILES = {  # vendored name: path in the npm tarball
    "maplibre-gl-csp.js": "package/dist/maplibre-gl-csp.js",
    "maplibre-gl-csp-worker.js": "package/dist/maplibre-gl-csp-worker.js",
    "maplibre-gl.css": "package/dist/maplibre-gl.css",
    "LICENSE.txt": "package/LICENSE.txt",
}


def fetch(version: str) -> tuple[dict[str, bytes], str]:
    """The files of ``maplibre-gl@version`` from the npm registry and the tarball's integrity string."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = f"maplibre-gl@{version}"
        name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True, capture_output=True,
                              text=True).stdout.strip().splitlines()[-1]  # fmt: skip
        integrity = subprocess.run(["npm", "view", spec, "dist.integrity"], check=True, capture_output=True,
                                   text=True).stdout.strip()  # fmt: skip
        tarball = Path(tmp) / name
        digest = "sha512-" + __import__("base64").b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != integrity:
            raise SystemExit(f"{name}: sha512 {digest} is not the registry's dist.integrity {integrity}")
        with tarfile.open(tarball) as tar:
            files = {}
            for vendored, member in FILES.items():
                handle = tar.extractfile(member)
                if handle is None:
                    raise SystemExit(f"{name}: no file {member}")
                files[vendored] = handle.read()
    return files, integrity


def vendor_md(version: str, integrity: str, files: dict[str, bytes]) -> str:
    rows = "\n".join(f"| `{n}` | `{hashlib.sha256(b).hexdigest()}` |" for n, b in sorted(files.items()))
    return (
        f"# MapLibre GL JS {version} (vendored)\n\n"
        f"From the npm registry: `npm pack maplibre-gl@{version}`, tarball integrity `{integrity}`.\n"
        "Licence: BSD-3-Clause (LICENSE.txt, with the licences of its bundled parts).\n"
        "Check: `python tools/vendor_maplibre.py --check` (network) and `tests/web/test_vendor.py` (offline).\n\n"
        f"| file | sha256 |\n|---|---|\n{rows}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    folder = VENDOR / f"maplibre-gl-{args.version}"
    files, integrity = fetch(args.version)
    if args.check:
        bad = [n for n, b in files.items() if not (folder / n).is_file() or (folder / n).read_bytes() != b]
        if (folder / "VENDOR.md").read_text(encoding="utf-8") != vendor_md(args.version, integrity, files):
            bad.append("VENDOR.md")
        for name in bad:
            print(f"{folder / name}: differs from maplibre-gl@{args.version} on the npm registry", file=sys.stderr)
        print(f"maplibre-gl@{args.version}: {len(files) - len(bad) + 1}/{len(files) + 1} files identical")
        return 1 if bad else 0
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "VENDOR.md").write_text(vendor_md(args.version, integrity, files), encoding="utf-8")
    print(f"vendored maplibre-gl@{args.version} into {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

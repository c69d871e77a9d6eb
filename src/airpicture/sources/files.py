"""Which files an ingest reads: folders walked without following links, and files that are plainly no recording.

Used by ``airpicture ingest`` and ``airpicture run`` (through ``pipeline.ingest``). Documented in
``docs/ingest.md`` ("Which files are read").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from airpicture.sources.adsb.sidecar import is_sidecar

STDIN = Path("-")
"""The path that means standard input (``airpicture ingest -``)."""


@dataclass(frozen=True, slots=True)
class Walk:
    """What :func:`walk_paths` found: the files to read (each with whether it was found in a folder), and the
    symbolic links met inside folders (refused: they could point anywhere, outside the workspace too)."""

    files: list[tuple[Path, bool]]
    links: list[Path]


def walk_paths(paths: Iterable[Path]) -> Walk:
    """Files as given, folders walked recursively (sorted; hidden files and ``.start`` sidecars skipped: a sidecar
    is read with its recording); missing paths kept (they fail).

    Inside a folder, a symbolic link (to a file or a folder) is never followed: it goes to ``links``. A path
    named on the command line is read as named, link or not."""
    files: list[tuple[Path, bool]] = []
    links: list[Path] = []
    for path in paths:
        if path != STDIN and path.is_dir():
            for p in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                if p.is_symlink():
                    links.append(p)
                elif p.is_file() and not is_sidecar(p):  # a .start sidecar is read with its recording
                    files.append((p, True))
        else:
            files.append((path, False))
    return Walk(files, links)


_NOT_RECORDING_NAMES = {
    "documentation": re.compile(
        r"^(readme|license|licence|copying|notice|authors|contributors|changelog|changes|history|news|todo)"
        r"(\.[a-z0-9]+)?$|\.(md|rst|adoc|pdf|html?|odt|docx?)$",
        re.IGNORECASE,
    ),
    "script": re.compile(r"^(makefile|dockerfile)$|\.(py|sh|bash|zsh|ps1|bat|cmd|js|rb|pl|r)$", re.IGNORECASE),
    "configuration": re.compile(r"\.(ya?ml|toml|ini|cfg|conf|env)$", re.IGNORECASE),
    "image": re.compile(r"\.(png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.IGNORECASE),
    "checksum or signature": re.compile(r"\.(sha1|sha256|sha512|md5|sig|asc)$|^(sha256|md5)sums?$", re.IGNORECASE),
}


def not_recording(path: Path) -> str | None:
    """Why a file found in a folder is plainly not a recording (its name says so), else None.

    Only names are looked at: a recording may be called anything (``.bin``, ``.txt``, ``.log``, no suffix), so
    only documentation, scripts, configuration, images and checksums are skipped; every other file is read
    and fails if it is no known format. ``.gz``/``.zst`` suffixes are looked through (``README.md.gz``)."""
    name = path.name
    for suffix in (".gz", ".zst"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    for kind, pattern in _NOT_RECORDING_NAMES.items():
        if pattern.search(name):
            return kind
    return None

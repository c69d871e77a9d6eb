"""Photos attached to intake reports: stripped and re-encoded before they are sealed.

This reuses :func:`airpicture.sources.report_media.clean_image` — the same stripping the workspace import
applies — rather than a second copy: it is a pure function of bytes (Pillow, NumPy and ``model`` only, no
workspace), so the import-linter contract lets ``intake.media`` import that one module and nothing else of
``sources``. A decompression bomb is refused by the pixel limit, read from the header before any pixel is
decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from airpicture.model.errors import SourceError
from airpicture.sources.report_media import clean_image


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    data: bytes
    extension: str


class PhotoRefused(Exception):
    """A photo was refused: ``reason`` is fixed text (type, size, damage), never the file's content."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def clean_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanPhoto:
    """Metadata-free re-encoding of one photo, or :class:`PhotoRefused`."""
    try:
        cleaned = clean_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except SourceError as exc:
        raise PhotoRefused(exc.message, too_large="too large" in exc.message) from None
    return CleanPhoto(cleaned.data, cleaned.extension)


__all__ = ["CleanPhoto", "PhotoRefused", "clean_photo"]

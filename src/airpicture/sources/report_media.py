"""Media attached to observer reports: stripped of every metadata block, re-encoded, hashed.

Accepted: JPEG, PNG and WebP still images. The image is decoded, turned upright by its EXIF orientation,
and its pixels only are copied into a new image that is encoded afresh (JPEG quality 90, PNG, WebP
lossless) — so EXIF (GPS, camera serial, owner name), XMP, IPTC, ICC profiles, PNG text chunks and
comments are gone. Anything else (video, HEIC, PDF, animated images, files over the size or pixel limits)
is refused with a ``SourceError``; a refusal never echoes the file's name or content.

Hashes: ``sha256`` of the stored bytes, and a 64-bit DCT perceptual hash (pHash: 32×32 grey, 2-D DCT,
8×8 low frequencies vs their median) as 16 hex digits, so a re-compressed or resized copy of the same
photo lands within a few bits (spec §3 treats Hamming distance ≤ 8 as the same artifact).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from airpicture.model.errors import SourceError

ACCEPTED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


@dataclass(frozen=True, slots=True)
class CleanMedia:
    """Metadata-free bytes ready to store, and what identifies them."""

    data: bytes
    media_type: str
    extension: str
    sha256: str
    phash: str
    width_px: int
    height_px: int


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    matrix[0, :] = np.sqrt(1.0 / n)
    result: np.ndarray = matrix
    return result


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT pHash of ``image`` as 16 hex digits."""
    grey = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    dct = _dct_matrix(32)
    low = (dct @ grey @ dct.T)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of the same length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def silence_image_library_logs() -> None:
    """Pillow's debug log prints metadata values (EXIF owner, serial, GPS, PNG text): never let it below
    WARNING, whatever the application's log level (DESIGN.md: logs never hold report content)."""
    logging.getLogger("PIL").setLevel(logging.WARNING)


def clean_image(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanMedia:
    """Strip, re-encode and hash one image. Raises ``SourceError`` when it is refused (type, size, damage)."""
    silence_image_library_logs()
    if len(data) > max_bytes:
        raise SourceError("media file too large", found=f"{len(data):,} bytes", expected=f"at most {max_bytes:,} bytes")
    Image.MAX_IMAGE_PIXELS = None  # we check the limit ourselves and refuse instead of warning
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if kind not in ACCEPTED:
                raise SourceError(
                    "media type cannot be stripped of metadata, refused",
                    found=kind or "unknown type",
                    expected="a JPEG, PNG or WebP still image",
                )
            if getattr(probe, "n_frames", 1) > 1:
                raise SourceError("animated images are refused", expected="a still image")
            if probe.width * probe.height > max_pixels:
                raise SourceError(
                    "image too large",
                    found=f"{probe.width}×{probe.height} pixels",
                    expected=f"at most {max_pixels:,} pixels",
                )
            upright = ImageOps.exif_transpose(probe)
            upright.load()
    except UnidentifiedImageError:
        raise SourceError(
            "media type cannot be stripped of metadata, refused",
            found="not an image",
            expected="a JPEG, PNG or WebP still image",
        ) from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SourceError(f"damaged image: {type(exc).__name__}", expected="a readable JPEG, PNG or WebP") from None
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
    if kind == "JPEG":
        mode = "L" if upright.mode == "L" else "RGB"
    pixels = upright.convert(mode)
    fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())  # pixels only: no info, no metadata
    media_type, extension = ACCEPTED[kind]
    out = io.BytesIO()
    if kind == "JPEG":
        fresh.save(out, format="JPEG", quality=90, optimize=True)
    elif kind == "PNG":
        fresh.save(out, format="PNG", optimize=True)
    else:
        fresh.save(out, format="WEBP", lossless=True)
    stored = out.getvalue()
    return CleanMedia(
        data=stored,
        media_type=media_type,
        extension=extension,
        sha256=hashlib.sha256(stored).hexdigest(),
        phash=perceptual_hash(fresh),
        width_px=fresh.width,
        height_px=fresh.height,
    )

"""A small PNG map of an alert (Pillow, no tile server): border lines given by the caller (the pipeline reads
them from reference data), the alert's point, a scale-free equirectangular view around it. The PNG carries no
metadata chunks (no text, no time)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw

BACKGROUND = (246, 244, 238)
BORDER = (90, 90, 90)
POINT = (200, 30, 30)


def render_map_png(
    lat_deg: float,
    lon_deg: float,
    borders: Sequence[Sequence[tuple[float, float]]],
    *,
    half_span_deg: float = 3.0,
    size_px: int = 320,
) -> bytes:
    """PNG bytes: ``borders`` (lines of (lon, lat) in degrees) and a marked point at (``lat_deg``, ``lon_deg``),
    in a window of ± ``half_span_deg`` latitude around it (longitude widened by 1/cos(lat))."""
    aspect = 1 / max(0.2, math.cos(math.radians(lat_deg)))
    lat0, lat1 = lat_deg - half_span_deg, lat_deg + half_span_deg
    lon0, lon1 = lon_deg - half_span_deg * aspect, lon_deg + half_span_deg * aspect

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return ((lon - lon0) / (lon1 - lon0) * size_px, (lat1 - lat) / (lat1 - lat0) * size_px)

    image = Image.new("RGB", (size_px, size_px), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for line in borders:
        points = [xy(lon, lat) for lon, lat in line]
        if len(points) >= 2:
            draw.line(points, fill=BORDER, width=2)
    x, y = xy(lon_deg, lat_deg)
    r = max(4, size_px // 48)
    draw.ellipse((x - r, y - r, x + r, y + r), fill=POINT, outline=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # Pillow writes no tEXt/tIME chunks unless asked
    return out.getvalue()

"""Draw the intake form's map (src/airpicture/intake/data/map.png and .svg) from the shipped Natural Earth borders.

The form shows it as an ``<input type="image">``: a click submits the pixel it hit, which the server maps
back to degrees with the same plate carrée frame (written into the SVG as ``data-bbox``). No tiles, no
JavaScript, no network. Run: ``python tools/build_intake_map.py``.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from airpicture.reference.borders import Borders

BBOX = (23.0, 51.0, 33.0, 56.5)  # lon_min, lat_min, lon_max, lat_max: Belarus and its border strip
WIDTH_PX, HEIGHT_PX = 800, 600
COUNTRIES = {"BY": "#f4f1e8", "UA": "#e8eef4", "RU": "#eeeeee", "PL": "#eeeeee", "LT": "#eeeeee", "LV": "#eeeeee"}
OUT = Path(__file__).resolve().parents[1] / "src" / "airpicture" / "intake" / "data" / "map.svg"
OUT_PNG = OUT.with_suffix(".png")  # what the form shows: Tor Browser's safer/safest levels disable SVG


def _xy(lon: float, lat: float) -> tuple[float, float]:
    lon_min, lat_min, lon_max, lat_max = BBOX
    return (lon - lon_min) / (lon_max - lon_min) * WIDTH_PX, (lat_max - lat) / (lat_max - lat_min) * HEIGHT_PX


def main() -> None:
    borders = Borders.load()
    frame = shapely.box(*BBOX)
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (WIDTH_PX, HEIGHT_PX), "#dde8f0")
    pen = ImageDraw.Draw(picture)
    paths = []
    for code, fill in COUNTRIES.items():
        shape = shapely.intersection(borders.country(code), frame).simplify(0.01)
        polygons = getattr(shape, "geoms", [shape])
        d = []
        for polygon in polygons:
            if polygon.is_empty or polygon.geom_type != "Polygon":
                continue
            for number, ring in enumerate((polygon.exterior, *polygon.interiors)):
                points = [_xy(x, y) for x, y in ring.coords]
                pen.polygon(points, fill=fill if number == 0 else "#dde8f0", outline="#555555")
                d.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z")
        paths.append(f'<path d="{" ".join(d)}" fill="{fill}" stroke="#555" stroke-width="1"/>')
    grid = []
    for lon in range(int(BBOX[0]), int(BBOX[2]) + 1):
        x, _ = _xy(lon, BBOX[1])
        grid.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{HEIGHT_PX}" stroke="#ccc" stroke-width="0.5"/>')
    for lat in range(int(BBOX[1]), int(BBOX[3]) + 1):
        _, y = _xy(BBOX[0], lat)
        grid.append(f'<line x1="0" y1="{y:.1f}" x2="{WIDTH_PX}" y2="{y:.1f}" stroke="#ccc" stroke-width="0.5"/>')
    bbox = ",".join(f"{v:g}" for v in BBOX)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" height="{HEIGHT_PX}" '
        f'viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" data-bbox="{bbox}">\n'
        f"<!-- Natural Earth 1:10m borders (public domain), plate carrée {bbox} -->\n"
        f'<rect width="{WIDTH_PX}" height="{HEIGHT_PX}" fill="#dde8f0"/>\n' + "\n".join(paths + grid) + "\n</svg>\n"
    )
    OUT.write_text(svg, encoding="utf-8")
    for lon in range(int(BBOX[0]), int(BBOX[2]) + 1):
        x, _ = _xy(lon, BBOX[1])
        pen.line([(x, 0), (x, HEIGHT_PX)], fill="#cccccc")
    for lat in range(int(BBOX[1]), int(BBOX[3]) + 1):
        _, y = _xy(BBOX[0], lat)
        pen.line([(0, y), (WIDTH_PX, y)], fill="#cccccc")
    picture.quantize(16).save(OUT_PNG, format="PNG", optimize=True)


if __name__ == "__main__":
    main()

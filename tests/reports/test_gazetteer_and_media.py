"""Place names in Latin, Cyrillic and transliterations; media stripping and perceptual hashes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from airpicture.model.errors import SourceError
from airpicture.pipeline.reports import gazetteer
from airpicture.sources.report_media import clean_image, hamming
from tests.reports.conftest import jpeg_bytes, photo


@pytest.mark.parametrize(
    ("names", "geonames_id"),
    [
        (("Мазыр", "Мозырь", "Mazyr", "Mozyr", "MOZYR'"), "geonames:625324"),
        (("Гомель", "Homiel", "Gomel", "Homyel'"), "geonames:627907"),
        (("Барановичи", "Баранавічы", "Baranavichy", "Baranovichi"), "geonames:630429"),
        (("Київ", "Киев", "Kyiv", "Kiev"), "geonames:703448"),
        (("Brest, BY", "Брэст"), "geonames:629634"),
    ],
)
def test_settlement_names_resolve(names: tuple[str, ...], geonames_id: str) -> None:
    for name in names:
        place = gazetteer().resolve(name, prefer_countries=("BY", "UA"))
        assert place is not None and place.ref == geonames_id, name


def test_airfields_and_unknowns() -> None:
    g = gazetteer()
    assert g.resolve("Machulishchy air base").ref == "airfield:UMLI"  # type: ignore[union-attr]
    assert g.resolve("аэродром Зябровка").kind == "airfield"  # type: ignore[union-attr]
    assert g.resolve("Lida").kind == "settlement"  # type: ignore[union-attr]
    assert g.resolve("Xyzzyville") is None


def test_exif_gps_serial_owner_are_gone() -> None:
    exif = Image.Exif()
    exif[0x013B] = "Owner Ivan Planted"  # Artist
    exif[0xA431] = "SERIAL-PLANTED-991"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (52.0, 2.0, 30.0), 3: "E", 4: (29.0, 13.0, 0.0)}  # GPS IFD
    original = jpeg_bytes(photo(), exif=exif.tobytes())
    assert b"SERIAL-PLANTED-991" in original
    clean = clean_image(original, max_bytes=10**7, max_pixels=10**8)
    assert b"SERIAL-PLANTED-991" not in clean.data and b"Owner Ivan" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as reopened:
        assert not reopened.getexif() and "exif" not in reopened.info


def test_perceptual_hash_finds_copies_not_strangers() -> None:
    a = clean_image(jpeg_bytes(photo(1)), max_bytes=10**7, max_pixels=10**8)
    smaller = clean_image(jpeg_bytes(photo(1).resize((160, 120)), quality=40), max_bytes=10**7, max_pixels=10**8)
    other = clean_image(jpeg_bytes(photo(2)), max_bytes=10**7, max_pixels=10**8)
    assert a.sha256 != smaller.sha256
    assert hamming(a.phash, smaller.phash) <= 8 < hamming(a.phash, other.phash)


def test_refusals() -> None:
    with pytest.raises(SourceError, match="cannot be stripped"):
        clean_image(b"%PDF-1.4 not an image", max_bytes=10**7, max_pixels=10**8)
    with pytest.raises(SourceError, match="image too large"):
        clean_image(jpeg_bytes(photo()), max_bytes=10**7, max_pixels=1000)

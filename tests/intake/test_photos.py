"""Photos: checked by content, size-limited, EXIF place read and then stripped from the stored file."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image

from huitian.errors import DomainError
from huitian.intake import photos

# 40°04'12" N, 116°18'36" E = (40.07, 116.31): inside grid G1 of the test world.
G1_DMS = ((40.0, 4.0, 12.0), (116.0, 18.0, 36.0))


def jpeg(*, gps: tuple | None = G1_DMS, size=(64, 48), taken: str | None = "2025:06:01 08:30:00") -> bytes:
    """A small JPEG carrying EXIF (camera, time and, unless gps=None, a GPS position)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HuitianTestCam"
    exif[ExifTags.Base.Orientation] = 1
    if taken:
        exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: taken}
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: gps[0],
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: gps[1],
        }
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def upload_dir(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv("HUITIAN_UPLOAD_DIR", str(folder))
    return folder


def test_a_text_file_renamed_to_jpg_is_refused_as_unsupported_media_naming_the_field():
    with pytest.raises(DomainError) as err:
        photos.check(b"this is not a picture, just text\n" * 10, field="photos")
    assert err.value.status_code == 415 and err.value.field == "photos"


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    with pytest.raises(DomainError) as err:
        photos.check(jpeg(size=(400, 400)) + b"\0" * 1000)
    assert err.value.status_code == 413 and err.value.field == "photos"


def test_an_image_with_too_many_pixels_is_refused_from_its_header(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    with pytest.raises(DomainError) as err:
        photos.check(png(size=(100, 100)))
    assert err.value.status_code == 413


def test_exif_gps_is_read_as_decimal_wgs84_and_the_stored_file_carries_no_exif(db, upload_dir):
    raw = jpeg()
    assert Image.open(io.BytesIO(raw)).getexif().get(ExifTags.Base.Make) == "HuitianTestCam"
    photo = photos.check(raw)
    assert (photo.lat, photo.lon) == (40.07, 116.31)
    assert photo.taken_at == datetime(2025, 6, 1, 0, 30, tzinfo=UTC)  # 08:30 Beijing time
    assert (photo.width, photo.height, photo.content_type) == (64, 48, "image/jpeg")

    from tests.helpers import create_at

    with db.write() as session:
        order = create_at(session, datetime.now(UTC))
        [row] = photos.attach(session, order_id=order.id, photos=[photo])
        session.commit()
        stored = photos.path_of(row).read_bytes()
    assert photos.path_of(row).parent == upload_dir
    assert row.lat == 40.07 and row.sha256 == photo.sha256 and row.size == len(stored)
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.format == "JPEG" and len(reopened.getexif()) == 0
    assert b"Exif" not in stored and b"HuitianTestCam" not in stored


def test_a_photo_without_gps_has_no_place_and_a_png_stays_a_png():
    assert photos.check(jpeg(gps=None, taken=None)).lat is None
    photo = photos.check(png())
    assert photo.content_type == "image/png" and photo.stored_name.endswith(".png")

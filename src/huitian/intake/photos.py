"""Photos attached to orders: checked by content, limited in size, their EXIF place and time read, then
re-encoded without any metadata and stored by content hash under the upload folder.

- Type: decided by Pillow from the bytes (JPEG, PNG or WebP), never from the file name or the browser's
  content type; anything else is refused (415, naming the field).
- Size: at most MAX_BYTES per file (413) and MAX_PIXELS per image, checked from the header before any
  pixel is decoded (a small file can decode to gigabytes: a decompression bomb).
- EXIF: GPS latitude/longitude (degrees, minutes, seconds + N/S/E/W) become decimal WGS-84 (phones write
  their GNSS fix, which is WGS-84); DateTimeOriginal (local time unless OffsetTimeOriginal says otherwise)
  becomes an aware datetime. The image is turned upright by its Orientation tag, then saved again with no
  EXIF, XMP, ICC or text chunks: the stored file carries no metadata at all.
- Storage: `<upload dir>/<sha256>.<ext>`, written atomically; the folder is HUITIAN_UPLOAD_DIR
  (default ./uploads). A file written for a transaction that later rolls back stays as an orphan (same
  name for the same content, so nothing is duplicated).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from huitian.auth.service import Principal
from huitian.config import get_settings
from huitian.errors import DomainError, NotFound, Unprocessable
from huitian.intake.models import OrderAttachment
from huitian.orders import service as orders_service
from huitian.sla import service as sla_service

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; phones take 12–50 MP, larger is refused
MAX_PHOTOS = 3
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class UnsupportedMediaType(DomainError):
    status_code = 415


class PayloadTooLarge(DomainError):
    status_code = 413


def upload_dir() -> Path:
    """The folder photos are stored in: HUITIAN_UPLOAD_DIR, default ./uploads (created when needed)."""
    return Path(get_settings().upload_dir).expanduser()


@dataclass(frozen=True)
class Photo:
    """A checked photo, ready to store: `data` is the re-encoded file without metadata."""

    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    sha256: str
    taken_at: datetime | None
    lat: float | None
    lon: float | None

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def stored_name(self) -> str:
        return f"{self.sha256}.{self.ext}"


def check(raw: bytes, *, field: str = "photos") -> Photo:
    """Validate one uploaded file and return it stripped of metadata, or raise a 4xx naming `field`."""
    if len(raw) > MAX_BYTES:
        raise PayloadTooLarge(f"{field}: a photo may be at most {MAX_BYTES // (1024 * 1024)} MB", field=field)
    if not raw:
        raise Unprocessable(f"{field}: the file is empty", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw), formats=list(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise UnsupportedMediaType(
                f"{field}: not a JPEG, PNG or WebP image (checked by content)", field=field
            ) from exc
        raise PayloadTooLarge(f"{field}: the image has too many pixels", field=field) from exc
    if img.width * img.height > MAX_PIXELS:  # from the header, before decoding
        raise PayloadTooLarge(
            f"{field}: the image has too many pixels ({img.width}×{img.height}; at most {MAX_PIXELS})",
            field=field,
        )
    content_type, ext = FORMATS[img.format]
    exif = img.getexif()
    lat, lon = gps_of(exif)
    taken_at = taken_at_of(exif)
    try:
        img.load()
        upright = ImageOps.exif_transpose(img)
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unprocessable(f"{field}: the image is damaged or truncated", field=field) from exc
    data = _encode(upright, img.format)
    return Photo(
        data=data,
        content_type=content_type,
        ext=ext,
        width=upright.width,
        height=upright.height,
        sha256=hashlib.sha256(data).hexdigest(),
        taken_at=taken_at,
        lat=lat,
        lon=lon,
    )


def _encode(img: Image.Image, fmt: str) -> bytes:
    """Save the pixels again with no metadata (EXIF, XMP, ICC, PNG text are all in .info: dropped)."""
    clean = img.copy()
    clean.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=90)
    return out.getvalue()


# --- EXIF -----------------------------------------------------------------------------------------


def _dms(value) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600


def gps_of(exif: Image.Exif) -> tuple[float | None, float | None]:
    """(lat, lon) in decimal degrees from the GPS IFD, or (None, None) when absent or unreadable."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except (KeyError, ValueError, TypeError):
        return None, None
    try:
        lat = _dms(gps[ExifTags.GPS.GPSLatitude])
        lon = _dms(gps[ExifTags.GPS.GPSLongitude])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if str(gps.get(ExifTags.GPS.GPSLatitudeRef, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(ExifTags.GPS.GPSLongitudeRef, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return round(lat, 7), round(lon, 7)


def taken_at_of(exif: Image.Exif) -> datetime | None:
    """When the photo was taken: DateTimeOriginal (EXIF IFD), else DateTime; local time unless an offset
    tag says otherwise."""
    try:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except (KeyError, ValueError, TypeError):
        ifd = {}
    text = ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(text, str):
        return None
    try:
        naive = datetime.strptime(text.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = ifd.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            sign = 1 if offset[0] == "+" else -1
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            return naive.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
        except ValueError:
            pass
    return naive.replace(tzinfo=sla_service.local_tz())


def first_place(photos: list[Photo]) -> tuple[float, float] | None:
    """(lat, lon) of the first photo that carries a GPS position."""
    for p in photos:
        if p.lat is not None and p.lon is not None:
            return p.lat, p.lon
    return None


# --- storage --------------------------------------------------------------------------------------


def _write(photo: Photo, folder: Path) -> None:
    _write_bytes(photo.data, folder / photo.stored_name)


def _write_bytes(data: bytes, target: Path) -> None:
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return  # same content, same name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def attach(session: Session, *, order_id: int, photos: list[Photo]) -> list[OrderAttachment]:
    """Store the photos' files and record them against the order (flushed, not committed)."""
    folder = upload_dir()
    rows = []
    for photo in photos:
        _write(photo, folder)
        row = OrderAttachment(
            order_id=order_id,
            stored_name=photo.stored_name,
            content_type=photo.content_type,
            size=photo.size,
            sha256=photo.sha256,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            lat=photo.lat,
            lon=photo.lon,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def attachments_of(session: Session, *, order_id: int) -> list[OrderAttachment]:
    return list(
        session.scalars(
            select(OrderAttachment).where(OrderAttachment.order_id == order_id).order_by(OrderAttachment.id)
        )
    )


def path_of(attachment: OrderAttachment) -> Path:
    return upload_dir() / attachment.stored_name


# --- serving to staff -----------------------------------------------------------------------------

THUMB_EDGE = 320  # px, the longer side of a thumbnail


@dataclass(frozen=True)
class PhotoView:
    """One photo of an order as a page or the API shows it: links to the file and its thumbnail."""

    id: int
    url: str
    thumb_url: str
    content_type: str
    size: int
    width: int
    height: int
    taken_at: datetime | None
    lat: float | None
    lon: float | None


def photo_url(order_id: int, photo_id: int, *, thumb: bool = False) -> str:
    return f"/api/v1/orders/{order_id}/photos/{photo_id}" + ("/thumb" if thumb else "")


def list_photos(session: Session, *, principal: Principal, order_id: int | str) -> list[PhotoView]:
    """The photos of an order the principal may see (the order's own scope: NotFound otherwise), in upload
    order, as links the staff pages and the API hand out."""
    order = orders_service.get_for(session, principal=principal, ref=order_id)
    return [
        PhotoView(
            id=a.id,
            url=photo_url(order.id, a.id),
            thumb_url=photo_url(order.id, a.id, thumb=True),
            content_type=a.content_type,
            size=a.size,
            width=a.width,
            height=a.height,
            taken_at=a.taken_at,
            lat=a.lat,
            lon=a.lon,
        )
        for a in attachments_of(session, order_id=order.id)
    ]


def photo_for(
    session: Session, *, principal: Principal, order_id: int | str, photo_id: int
) -> OrderAttachment:
    """One photo of an order the principal may see; NotFound (404) for an order out of scope, a photo of
    another order, or a file missing from the upload folder."""
    order = orders_service.get_for(session, principal=principal, ref=order_id)
    attachment = session.get(OrderAttachment, photo_id)
    if attachment is None or attachment.order_id != order.id or not path_of(attachment).is_file():
        raise NotFound(f"photo {photo_id} of order {order_id!r} not found")
    return attachment


def thumbnail_of(attachment: OrderAttachment) -> Path:
    """The photo's thumbnail (JPEG, longer side THUMB_EDGE), made on first request and kept beside the
    photos under thumbs/ by the photo's content hash; the photo itself when it is already that small."""
    if max(attachment.width, attachment.height) <= THUMB_EDGE:
        return path_of(attachment)
    target = upload_dir() / "thumbs" / f"{attachment.sha256}-{THUMB_EDGE}.jpg"
    if target.is_file():
        return target
    with Image.open(path_of(attachment)) as img:
        img.thumbnail((THUMB_EDGE, THUMB_EDGE))
        out = io.BytesIO()
        img.convert("RGB").save(out, "JPEG", quality=80)
    _write_bytes(out.getvalue(), target)
    return target

"""The city-parts registry: codes, create/list/get, GeoJSON and Excel import/export, QR codes, label sheets,
and 扫码即诉 (a request filed from a part's public page, dispatched at once to the part's maintainer)."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import segno
from openpyxl import Workbook, load_workbook
from sqlalchemy import and_, func, insert, or_, select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from huitian.areas import service as areas_service
from huitian.assets.enums import COUNTY, MAJOR_CLASSES, PART_CLASSES, AssetStatus, PartClass
from huitian.assets.models import Asset
from huitian.assets.schemas import AssetCreate, AssetRead, ImportReport, RowError
from huitian.auth.enums import Role
from huitian.auth.service import Principal
from huitian.db import utcnow
from huitian.errors import BadRequest, Conflict, NotFound, Unprocessable
from huitian.lib import xlsx
from huitian.orders.enums import OPEN_STATUSES, OrderStatus
from huitian.orders.models import Order
from huitian.units import service as units_service

CODE_RE = re.compile(r"^\d{16}$")
MAX_SERIAL = 999_999

# The anonymous person who scans a part and files a request (扫码即诉): a resident with no account, so
# the order has no creator (created_by_id NULL) and nobody's "my orders" scope includes it.
QR_PUBLIC = Principal(role=Role.RESIDENT, name="qr:public")


# --- codes -----------------------------------------------------------------------------------------


def part_class(class_code: str, *, field: str = "class_code") -> PartClass:
    cls = PART_CLASSES.get(class_code)
    if cls is None:
        raise Unprocessable(f"unknown part class {class_code!r} (major + minor, e.g. '0106')", field=field)
    return cls


def check_code(code: str) -> PartClass:
    """A valid 16-digit part code: county 110114, a known class and a serial from 000001; its class."""
    if not CODE_RE.match(code):
        raise Unprocessable(f"code {code!r} must be 16 digits", field="code")
    if code[:6] != COUNTY:
        raise Unprocessable(f"code {code!r} must start with the county code {COUNTY}", field="code")
    if code[6:8] not in MAJOR_CLASSES:
        raise Unprocessable(f"code {code!r} names no known major class ({code[6:8]})", field="code")
    cls = part_class(code[6:10], field="code")
    if code[10:] == "000000":
        raise Unprocessable(f"code {code!r} has serial 000000; serials start at 000001", field="code")
    return cls


def last_serial(session: Session, class_code: str) -> int:
    prefix = COUNTY + class_code
    # A range on the unique index of code (not LIKE, which SQLite may not run on the index).
    top = session.scalar(
        select(func.max(Asset.code)).where(Asset.code >= prefix + "000000", Asset.code <= prefix + "999999")
    )
    return int(top[10:]) if top else 0


def next_codes(session: Session, *, class_code: str, n: int = 1) -> list[str]:
    """The next n free codes in county + class: one above the highest serial in use."""
    part_class(class_code)
    last = last_serial(session, class_code)
    if last + n > MAX_SERIAL:
        raise Conflict(f"class {class_code} has no free serials left", field="class_code")
    return [f"{COUNTY}{class_code}{last + i:06d}" for i in range(1, n + 1)]


# --- create, get, list -----------------------------------------------------------------------------


def place(session: Session, lon: float, lat: float) -> tuple[int | None, str | None]:
    """The area (id, path) a WGS-84 point falls in; (None, None) outside every area."""
    placed = areas_service.locate(session, lon=lon, lat=lat)
    return placed if placed is not None else (None, None)


def create_asset(session: Session, *, data: AssetCreate, now: datetime | None = None) -> Asset:
    now = now or utcnow()
    if data.code:
        cls = check_code(data.code)
        if data.class_code and data.class_code != cls.code:
            raise Unprocessable(
                f"code {data.code} is of class {cls.code}, not {data.class_code}", field="code"
            )
        if session.scalar(select(Asset.id).where(Asset.code == data.code)) is not None:
            raise Conflict(f"part {data.code} exists", field="code")
        code = data.code
    elif data.class_code:
        cls = part_class(data.class_code)
        code = next_codes(session, class_code=cls.code)[0]
    else:
        raise Unprocessable("give a code or a class_code", field="class_code")
    unit_id = units_service.get_by_code(session, code=data.unit).id if data.unit else None
    area_id, area_path = place(session, data.lon, data.lat)
    asset = Asset(
        code=code,
        class_code=cls.code,
        name=data.name.strip(),
        lat=data.lat,
        lon=data.lon,
        area_id=area_id,
        area_path=area_path,
        unit_id=unit_id,
        status=data.status.value,
        notes=data.notes,
        created_at=now,
        updated_at=now,
    )
    session.add(asset)
    session.flush()
    return asset


def get_by_code(session: Session, *, code: str) -> Asset:
    asset = session.scalar(select(Asset).where(Asset.code == code))
    if asset is None:
        raise NotFound(f"part {code!r} not found", field="code")
    return asset


def code_of(session: Session, *, asset_id: int) -> str | None:
    """The code of a part by its id (None if there is no such part)."""
    return session.scalar(select(Asset.code).where(Asset.id == asset_id))


@dataclass
class AssetFilter:
    class_code: str | None = None  # 4 digits (a class) or 2 (a major class)
    area: str | None = None  # area code: the parts in it and below
    unit: str | None = None  # maintaining unit code
    status: str | None = None
    q: str | None = None  # in name or code
    codes: list[str] | None = None
    limit: int = 50
    offset: int = 0


def _where(session: Session, flt: AssetFilter) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if flt.class_code:
        if len(flt.class_code) == 2 and flt.class_code in MAJOR_CLASSES:
            conds.append(Asset.class_code.startswith(flt.class_code))
        else:
            conds.append(Asset.class_code == part_class(flt.class_code, field="class").code)
    if flt.area:
        area = areas_service.get_by_code(session, code=flt.area)
        conds.append(Asset.area_path.startswith(area.path, autoescape=True))
    if flt.unit:
        conds.append(Asset.unit_id == units_service.get_by_code(session, code=flt.unit).id)
    if flt.status:
        if flt.status not in AssetStatus.__members__.values():
            raise Unprocessable(f"unknown status {flt.status!r}", field="status")
        conds.append(Asset.status == flt.status)
    if flt.q:
        like = f"%{flt.q}%"
        conds.append(or_(Asset.name.like(like), Asset.code.like(like)))
    if flt.codes:
        conds.append(Asset.code.in_(flt.codes))
    return and_(true(), *conds)


def list_assets(
    session: Session, *, flt: AssetFilter, scope: ColumnElement[bool] | None = None
) -> tuple[list[Asset], int]:
    """A page of the parts matching the filter, within `scope` (assets.registry.scope_clause) if given."""
    where = _where(session, flt) if scope is None else and_(_where(session, flt), scope)
    total = session.scalar(select(func.count()).select_from(Asset).where(where)) or 0
    stmt = select(Asset).where(where).order_by(Asset.code).limit(flt.limit).offset(flt.offset)
    return list(session.scalars(stmt)), total


def iter_assets(
    session: Session, *, flt: AssetFilter, scope: ColumnElement[bool] | None = None
) -> list[Asset]:
    """Every part matching the filter (exports and label sheets), in code order, no paging."""
    where = _where(session, flt) if scope is None else and_(_where(session, flt), scope)
    return list(session.scalars(select(Asset).where(where).order_by(Asset.code)))


def reads(session: Session, *, assets: list[Asset]) -> list[AssetRead]:
    units = units_service.directory(session)
    out = []
    for a in assets:
        cls = PART_CLASSES.get(a.class_code)
        unit = units.get(a.unit_id) if a.unit_id else None
        out.append(
            AssetRead(
                id=a.id,
                code=a.code,
                class_code=a.class_code,
                class_label=cls.label if cls else a.class_code,
                major_label=cls.major_label if cls else "",
                name=a.name,
                lat=a.lat,
                lon=a.lon,
                area=a.area_path.rstrip("/").rsplit("/", 1)[-1] if a.area_path else None,
                area_path=a.area_path,
                unit=unit.code if unit else None,
                unit_name=unit.name if unit else None,
                status=a.status,
                status_label=AssetStatus(a.status).label,
                notes=a.notes,
                attributes=a.attributes or {},
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
        )
    return out


def read(session: Session, *, asset: Asset) -> AssetRead:
    return reads(session, assets=[asset])[0]


# --- import and export -----------------------------------------------------------------------------

# Spreadsheet columns: (key, Chinese header). Import reads a column by either name; the columns marked
# for display only (class label, unit name, area) are written on export and ignored on import.
COLUMNS = [
    ("code", "部件编码"),
    ("class_code", "类别代码"),
    ("class_label", "类别"),
    ("name", "名称"),
    ("lon", "经度(WGS-84)"),
    ("lat", "纬度(WGS-84)"),
    ("unit", "养护单位代码"),
    ("unit_name", "养护单位"),
    ("status", "状态"),
    ("notes", "备注"),
    ("area", "所在区域"),
]
_HEADER_KEYS = {k: k for k, _ in COLUMNS} | {h: k for k, h in COLUMNS} | {"经度": "lon", "纬度": "lat"}
_STATUS_BY_TEXT = {s.value: s for s in AssetStatus} | {s.label: s for s in AssetStatus}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _number(value: Any, field: str, low: float, high: float, errors: list[tuple[str, str]]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append((field, f"{field} is required"))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append((field, f"{field} {value!r} is not a number"))
        return None
    if not math.isfinite(number) or not low <= number <= high:
        errors.append((field, f"{field} {number} is out of range [{low}, {high}]"))
        return None
    return number


def _check_row(raw: dict[str, Any], unit_ids: dict[str, int]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One imported row as column values, or the reasons it is bad (field, reason)."""
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    code, class_code = _text(raw.get("code")), _text(raw.get("class_code"))
    if class_code and len(class_code) == 3:  # Excel ate the leading zero of "0106"
        class_code = "0" + class_code
    cls: PartClass | None = None
    try:
        if code:
            cls = check_code(code)
            if class_code and class_code != cls.code:
                errors.append(("class_code", f"code {code} is of class {cls.code}, not {class_code}"))
        elif class_code:
            cls = part_class(class_code)
        else:
            errors.append(("class_code", "give a code or a class_code"))
    except Unprocessable as exc:
        errors.append((exc.field or "code", exc.message))
    values["code"], values["class_code"] = code, cls.code if cls else None
    name = _text(raw.get("name"))
    if not name:
        errors.append(("name", "name is required"))
    elif len(name) > 120:
        errors.append(("name", "name is longer than 120 characters"))
    values["name"] = name
    values["lon"] = _number(raw.get("lon"), "lon", -180, 180, errors)
    values["lat"] = _number(raw.get("lat"), "lat", -90, 90, errors)
    unit = _text(raw.get("unit"))
    values["unit_id"] = None
    if unit:
        if unit not in unit_ids:
            errors.append(("unit", f"unit {unit!r} not found"))
        else:
            values["unit_id"] = unit_ids[unit]
    status = _text(raw.get("status")) or AssetStatus.IN_SERVICE.value
    if status not in _STATUS_BY_TEXT:
        errors.append(("status", f"unknown status {status!r}"))
    else:
        values["status"] = _STATUS_BY_TEXT[status].value
    notes = _text(raw.get("notes"))
    if notes and len(notes) > 2000:
        errors.append(("notes", "notes are longer than 2,000 characters"))
    values["notes"] = notes
    return values, errors


def import_rows(
    session: Session, *, rows: list[tuple[int, dict[str, Any]]], now: datetime | None = None
) -> ImportReport:
    """Write parts from (row number, raw fields) pairs, all or nothing: a row with a code that exists
    updates that part, a row with a new code creates it, a row with only a class gets the next serial.
    If any row is bad, nothing is written and Unprocessable lists every bad row with its reason."""
    now = now or utcnow()
    unit_ids = {u.code: u.id for u in units_service.directory(session).values()}
    errors: list[RowError] = []
    checked: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        values, bad = _check_row(raw, unit_ids)
        code = values["code"]
        if code and code in seen and not any(f == "code" for f, _ in bad):
            bad.append(("code", f"code {code} is also on row {seen[code]}"))
        if code:
            seen.setdefault(code, number)
        errors += [RowError(row=number, field=f, reason=r) for f, r in bad]
        checked.append(values)
    if errors:
        raise Unprocessable(
            f"{len({e.row for e in errors})} of {len(rows)} rows are bad; nothing was imported",
            field="file",
            errors=[e.model_dump() for e in errors],
        )
    if not checked:
        raise Unprocessable("the file holds no parts", field="file")
    given = [v["code"] for v in checked if v["code"]]
    existing: dict[str, int] = {}
    for i in range(0, len(given), 500):
        chunk = given[i : i + 500]
        existing |= dict(session.execute(select(Asset.code, Asset.id).where(Asset.code.in_(chunk))).all())
    # Codes for the rows that name only a class: above the highest serial in the database or the file.
    last: dict[str, int] = {}
    for v in checked:
        if not v["code"]:
            cls = v["class_code"]
            if cls not in last:
                in_file = [int(c[10:]) for c in given if c[6:10] == cls]
                last[cls] = max([last_serial(session, cls), *in_file])
            last[cls] += 1
            if last[cls] > MAX_SERIAL:
                raise Conflict(f"class {cls} has no free serials left", field="class_code")
            v["code"] = f"{COUNTY}{cls}{last[cls]:06d}"
    new_rows, changes = [], []
    for v in checked:
        v["area_id"], v["area_path"] = place(session, v["lon"], v["lat"])
        v["updated_at"] = now
        if v["code"] in existing:
            changes.append({"id": existing[v["code"]], **v})
        else:
            new_rows.append(v | {"created_at": now})
    if new_rows:
        session.execute(insert(Asset), new_rows)
    if changes:
        session.execute(update(Asset), changes)
    session.flush()
    return ImportReport(created=len(new_rows), updated=len(changes), codes=[v["code"] for v in checked])


def parse_geojson(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """A FeatureCollection of Point features (WGS-84, RFC 7946) as numbered raw rows."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BadRequest("the file must be a GeoJSON FeatureCollection", field="file")
    features = data.get("features")
    if not isinstance(features, list):
        raise BadRequest("the FeatureCollection has no features list", field="file")
    rows = []
    for i, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        raw = {_HEADER_KEYS.get(k, k): v for k, v in props.items()}
        geometry = feature.get("geometry")
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point" and isinstance(coords, list):
            raw["lon"], raw["lat"] = (coords + [None, None])[:2]
        else:
            raw["lon"] = raw["lat"] = None  # reported as "lon is required"
        rows.append((i, raw))
    return rows


def parse_xlsx(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The first sheet of a workbook: a header row (Chinese or English names), then one part a row."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise BadRequest(f"the file is not an Excel workbook (.xlsx): {exc}", field="file") from exc
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    header = next(it, None)
    if not header:
        raise BadRequest("the sheet is empty", field="file")
    keys = [_HEADER_KEYS.get(str(h).strip()) if h is not None else None for h in header]
    missing = {"name", "lon", "lat"} - set(keys)
    if missing:
        raise BadRequest(f"the header row lacks the columns {sorted(missing)}", field="file")
    rows = []
    for number, values in enumerate(it, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append((number, {k: v for k, v in zip(keys, values, strict=False) if k}))
    book.close()
    return rows


def export_geojson(
    session: Session, *, flt: AssetFilter, scope: ColumnElement[bool] | None = None
) -> dict[str, Any]:
    features = []
    for a in reads(session, assets=iter_assets(session, flt=flt, scope=scope)):
        props = {k: getattr(a, k) for k in ("code", "class_code", "class_label", "name", "unit", "unit_name")}
        props |= {"status": a.status, "notes": a.notes, "area": a.area}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [a.lon, a.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def export_xlsx(session: Session, *, flt: AssetFilter, scope: ColumnElement[bool] | None = None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("城市部件")
    sheet.append(xlsx.row(sheet, [header for _, header in COLUMNS]))
    for a in reads(session, assets=iter_assets(session, flt=flt, scope=scope)):
        row = a.model_dump() | {"status": a.status_label}
        sheet.append(xlsx.row(sheet, [row.get(key) for key, _ in COLUMNS]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# --- QR codes and label sheets ---------------------------------------------------------------------


def public_url(base_url: str, code: str) -> str:
    """The QR payload: the part's public page (扫码即知、扫码即诉)."""
    return f"{base_url.rstrip('/')}/p/{code}"


def qr_matrix(payload: str) -> tuple[tuple[int, ...], ...]:
    return segno.make(payload, error="m", micro=False).matrix


def qr_path(matrix: tuple[tuple[int, ...], ...], *, border: int = 4) -> str:
    """The dark modules as one SVG path in module units (a run of dark modules per subpath)."""
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts)


def qr_svg(payload: str, *, size_mm: float = 40.0) -> str:
    """A standalone SVG of the QR code for payload (with a 4-module quiet zone)."""
    matrix = qr_matrix(payload)
    n = len(matrix) + 8
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm}mm" height="{size_mm}mm" '
        f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
        f"<title>{escape(payload)}</title>"
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{qr_path(matrix)}"/></svg>'
    )


# An A4 sheet of 3 × 7 labels of 70 × 42.4 mm (the common adhesive label stock).
SHEET_W, SHEET_H, COLS, ROWS = 210.0, 297.0, 3, 7
LABEL_W, LABEL_H = SHEET_W / COLS, SHEET_H / ROWS
PER_SHEET = COLS * ROWS


def label_sheet_svg(assets: list[AssetRead], *, base_url: str) -> str:
    """One A4 sheet (at most PER_SHEET labels): QR, code, class and name on each label."""
    font = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SHEET_W}mm" height="{SHEET_H}mm" '
        f'viewBox="0 0 {SHEET_W} {SHEET_H}" font-family="{font}">',
        f'<rect width="{SHEET_W}" height="{SHEET_H}" fill="#fff"/>',
    ]
    qr_mm = 34.0
    for i, a in enumerate(assets[:PER_SHEET]):
        x, y = (i % COLS) * LABEL_W, (i // COLS) * LABEL_H
        matrix = qr_matrix(public_url(base_url, a.code))
        n = len(matrix) + 8
        scale = qr_mm / n
        top = (LABEL_H - qr_mm) / 2
        name = a.name if len(a.name) <= 12 else a.name[:11] + "…"
        tx = qr_mm + 2
        label, mono = escape(a.class_label), 'font-size="2.6" font-family="monospace"'
        out.append(
            f'<g transform="translate({x:.2f} {y:.2f})">'
            f'<rect x="0.5" y="0.5" width="{LABEL_W - 1:.2f}" height="{LABEL_H - 1:.2f}" rx="2" '
            f'fill="none" stroke="#bbb" stroke-width="0.2"/>'
            f'<path transform="translate(0 {top:.2f}) scale({scale:.4f})" fill="#000" d="{qr_path(matrix)}"/>'
            f'<text x="{tx}" y="{top + 6:.2f}" font-size="4.2" font-weight="bold">{label}</text>'
            f'<text x="{tx}" y="{top + 12:.2f}" font-size="3">{escape(name)}</text>'
            f'<text x="{tx}" y="{top + 18:.2f}" {mono}>{a.code[:10]}</text>'
            f'<text x="{tx}" y="{top + 21.5:.2f}" {mono}>{a.code[10:]}</text>'
            f'<text x="{tx}" y="{top + 28:.2f}" font-size="2.8">扫码即知 · 扫码即诉</text>'
            f'<text x="{tx}" y="{top + 32:.2f}" font-size="2.4" fill="#555">回天 12345</text>'
            "</g>"
        )
    out.append("</svg>")
    return "".join(out)


# --- 扫码即知、扫码即诉 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicOrder:
    """An open order about a part as the public sees it: when it came in and its state, nothing else."""

    created_at: datetime
    status_label: str


def open_orders(session: Session, *, asset: Asset, limit: int = 20) -> tuple[list[PublicOrder], int]:
    open_values = [s.value for s in OPEN_STATUSES]
    where = and_(Order.asset_id == asset.id, Order.status.in_(open_values))
    total = session.scalar(select(func.count()).select_from(Order).where(where)) or 0
    rows = session.execute(
        select(Order.created_at, Order.status).where(where).order_by(Order.created_at.desc()).limit(limit)
    ).all()
    return [PublicOrder(r.created_at, OrderStatus(r.status).label) for r in rows], total


def base_url(*, configured: str | None, request_base: str) -> str:
    """Where the QR codes point: the configured public address (HUITIAN_PUBLIC_BASE_URL, once settings
    carry it) or else the address the request came in on."""
    return (configured or request_base).rstrip("/")

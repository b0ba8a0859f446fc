"""Open311 GeoReport v2 under /open311/v2/: discovery, services, service definitions, service requests
(GET and POST) and tokens, each as .json or .xml. Discovery, services and service definitions are
public; POST needs an api_key; reading requests and tokens needs an api_key (X-API-Key header or the
`api_key` parameter) unless an admin turned public reading on, and then an anonymous caller gets coarse
views only (intake/service.py's module note). The setting: GET/PUT /api/v1/open311/settings (admin).

Errors follow the spec, not the rest of the API: a list of {code, description} in the requested
format, with 400 (bad input), 403 (api_key missing or wrong) or 404 (unknown service, request, token,
jurisdiction).

Also here: POST /api/v1/orders, the JSON door for new orders (group commit, through intake.flows.receive),
and the photos of an order, served to staff under /api/v1/orders/{ref}/photos in the order's own
scope (404 for anyone who cannot see the order)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from huitian.auth.deps import AdminPrincipal, CurrentPrincipal, SessionDep, WriteSessionDep
from huitian.auth.service import Principal
from huitian.db import Database
from huitian.errors import BadRequest, DomainError, NotFound
from huitian.intake import flows as intake_flows
from huitian.intake import open311
from huitian.intake import photos as photos_service
from huitian.intake import service as intake_service
from huitian.lib.groupcommit import GroupCommit
from huitian.lib.http import model_response
from huitian.orders import api as orders_api
from huitian.orders.schemas import OrderCreate, OrderRead
from huitian.security.ratelimit import OPEN311_FILING, PRINCIPAL_FILING, TooMany
from huitian.sla import service as sla_service

open311_router = APIRouter(prefix="/open311/v2", tags=["open311"])
orders_router = APIRouter(prefix="/api/v1/orders", tags=["orders"])  # mounted first by app.py
photos_router = APIRouter(prefix="/api/v1/orders", tags=["photos"])
settings_router = APIRouter(prefix="/api/v1/open311", tags=["open311"])

log = logging.getLogger(__name__)

_STATUS = {400: 400, 401: 403, 403: 403, 404: 404, 409: 400, 422: 400}
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _answer(request: Request, fmt: str, work: Callable[[], Response]) -> Response:
    """Run a route's work and turn every domain error into the spec's error list."""
    if fmt not in open311.FORMATS:
        return open311.error("json", 404, f"format {fmt!r} is not offered: use .json or .xml")
    try:
        _check_jurisdiction(request)
        return work()
    except DomainError as exc:
        status = _STATUS.get(exc.status_code, 400)
        return open311.error(fmt, status, exc.message)


def _check_jurisdiction(request: Request, given: str | None = None) -> None:
    configured = request.app.state.settings.open311_jurisdiction
    given = given if given is not None else request.query_params.get("jurisdiction_id")
    if configured and given and given.strip() != configured:
        raise NotFound(f"jurisdiction_id {given!r} not found", field="jurisdiction_id")


def _read(request: Request, fn: Callable):
    with request.app.state.db.read() as session:
        return fn(session)


def _reader(request: Request, session: Session) -> Principal | None:
    """Who reads requests: the api_key's principal (header X-API-Key or parameter api_key), or None for
    an anonymous caller where public reading is on; else a 403 (intake.service.reader_for)."""
    key = request.headers.get("x-api-key") or request.query_params.get("api_key")
    return intake_service.reader_for(session, key=(key or "").strip() or None)


@open311_router.get("/discovery.{fmt}", summary="Open311 discovery")
def discovery(fmt: str, request: Request) -> Response:
    base = str(request.url_for("services", fmt="json")).rsplit("/", 1)[0]
    return _answer(request, fmt, lambda: open311.render(fmt, "discovery", open311.discovery_doc(base)))


@open311_router.get("/services.{fmt}", name="services", summary="Service list (our categories)")
def services(fmt: str, request: Request) -> Response:
    def work() -> Response:
        found = _read(request, intake_service.list_services)
        return open311.render(fmt, "services", [open311.service_doc(s) for s in found])

    return _answer(request, fmt, work)


@open311_router.get("/services/{code}.{fmt}", summary="Service definition (attributes)")
def service_definition(code: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        found = _read(request, lambda s: intake_service.get_service(s, code=code))
        return open311.render(fmt, "service_definition", open311.definition_doc(found))

    return _answer(request, fmt, work)


def _list(request: Request, name: str) -> list[str] | None:
    values = [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",") if v.strip()]
    return values or None


def _date(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest(
            f"{name} must be an ISO-8601 datetime, e.g. 2026-01-01T00:00:00+08:00", field=name
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=sla_service.local_tz())


@open311_router.get(
    "/requests.{fmt}", summary="Service requests (api_key, or coarse if public reading is on)"
)
def list_requests(fmt: str, request: Request) -> Response:
    def work() -> Response:
        statuses = _list(request, "status")
        if statuses and not set(statuses) <= {"open", "closed"}:
            raise BadRequest("status must be open or closed (comma delimited)", field="status")
        query = intake_service.RequestQuery(
            ids=_list(request, "service_request_id"),
            service_codes=_list(request, "service_code"),
            start=_date(request, "start_date"),
            end=_date(request, "end_date"),
            statuses=statuses,
        )
        found = _read(
            request, lambda s: intake_service.list_requests(s, query=query, reader=_reader(request, s))
        )
        return open311.render(fmt, "service_requests", [open311.request_doc(v) for v in found])

    return _answer(request, fmt, work)


@orders_router.post("", response_model=OrderRead, status_code=201, dependencies=[Depends(PRINCIPAL_FILING)])
async def create_order(body: OrderCreate, principal: CurrentPrincipal, request: Request) -> Response:
    # Requests that arrive together are written in one transaction (see create_batch).
    out = await request.app.state.order_intake.submit((body, principal))
    return model_response(out, status_code=201)


def create_batch(db: Database, items: list[tuple[OrderCreate, Principal]]) -> list[OrderRead | Exception]:
    """The JSON route's transaction for a group of new orders: receive them (intake.flows.receive: write
    them, triage them — auto-dispatch what the model is sure about, when the admin switched it on), build
    each answer, commit once. If the group's transaction fails, each order is retried alone so one bad
    request fails alone."""
    try:
        with db.write() as session:
            results = intake_flows.receive(session, items=items)
            out = [
                r
                if isinstance(r, Exception)
                else orders_api.order_read(
                    session, r.order, principal, events=None if r.dispatched else [r.event]
                )
                for r, (_, principal) in zip(results, items, strict=True)
            ]
            session.commit()
            return out
    except Exception as exc:
        if len(items) == 1:
            return [exc]
    return [create_batch(db, [item])[0] for item in items]


def _new_request(form: FormData | None, request: Request) -> intake_service.NewRequest:
    req = intake_service.NewRequest()
    pairs = list(request.query_params.multi_items()) + (list(form.multi_items()) if form is not None else [])
    for key, value in pairs:
        if not isinstance(value, str):
            continue  # an uploaded file: the spec takes media by URL only
        m = _ATTRIBUTE.match(key)
        if m:
            req.attributes.setdefault(m.group(1), []).append(value)
        elif key in intake_service.NewRequest.__dataclass_fields__ and key != "attributes":
            setattr(req, key, value)
    return req


def file_batch(db: Database, reqs: list[intake_service.NewRequest]) -> list[intake_service.Filed | Exception]:
    """The POST route's transaction for a group of service requests that arrived together (group commit,
    as the JSON API's create): file them, commit once. A refused request fails alone; if the group's
    transaction fails, each request is retried alone."""
    try:
        with db.write() as session:
            results = intake_service.create_requests(session, reqs=reqs)
            session.commit()
            return list(results)
    except Exception as exc:
        if len(reqs) == 1:
            return [exc]
    return [file_batch(db, [req])[0] for req in reqs]


def _intake(request: Request) -> GroupCommit:
    """This app's Open311 group commit, started on first use in the running event loop (a new loop, as
    each test client's, gets its own; the loop's end cancels the worker)."""
    loop = asyncio.get_running_loop()
    state = request.app.state
    group = getattr(state, "open311_intake", None)
    if group is None or getattr(state, "open311_intake_loop", None) is not loop:
        db = state.db
        group = GroupCommit(functools.partial(file_batch, db), max_batch=64, workers=1 if db.is_sqlite else 4)
        group.start()
        state.open311_intake, state.open311_intake_loop = group, loop
    return group


@open311_router.post("/requests.{fmt}", summary="File a service request (form-encoded, api_key required)")
async def create_request(fmt: str, request: Request) -> Response:
    if fmt not in open311.FORMATS:
        return open311.error("json", 404, f"format {fmt!r} is not offered: use .json or .xml")
    try:
        form = await request.form()
    except Exception:  # a body that is not a form
        return open311.error(fmt, 400, "the body must be application/x-www-form-urlencoded")
    try:
        await OPEN311_FILING(request)  # per API key, as every filing with a key (ratelimit.py)
    except TooMany as exc:
        refused = open311.error(fmt, 429, exc.detail)
        refused.headers.update(exc.headers or {})
        return refused
    req = _new_request(form, request)
    try:
        _check_jurisdiction(request, req.jurisdiction_id)
        filed = await _intake(request).submit(req)
    except DomainError as exc:
        return open311.error(fmt, _STATUS.get(exc.status_code, 400), exc.message)
    doc = [
        {
            "service_request_id": filed.number,
            "service_notice": filed.service_notice,
            "account_id": filed.account_id,
        }
    ]
    return open311.render(fmt, "service_requests", doc)


@open311_router.get("/requests/{ref}.{fmt}", summary="One service request (api_key, or coarse if public)")
def get_request(ref: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        found = _read(request, lambda s: intake_service.get_request(s, ref=ref, reader=_reader(request, s)))
        return open311.render(fmt, "service_requests", [open311.request_doc(found)])

    return _answer(request, fmt, work)


@open311_router.get("/request/{ref}.{fmt}", include_in_schema=False)
def get_request_singular(ref: str, fmt: str, request: Request) -> Response:
    """The path the community's swagger.json names (the prose spec says requests/)."""
    return get_request(ref, fmt, request)


@open311_router.get("/tokens/{token}.{fmt}", summary="Request id for a token")
def token(token: str, fmt: str, request: Request) -> Response:
    def work() -> Response:
        try:
            number = _read(
                request, lambda s: intake_service.token_request(s, token=token, reader=_reader(request, s))
            )
        except NotFound as exc:
            raise NotFound(f"token {token!r} not found", field="token") from exc
        return open311.render(fmt, "service_requests", [{"service_request_id": number, "token": token}])

    return _answer(request, fmt, work)


# --- photos of an order, for staff ----------------------------------------------------------------

# A photo may show a citizen, their home or their plate: never kept by the browser or a proxy (SECURITY.md).
PHOTO_CACHE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@photos_router.get("/{ref}/photos", summary="The photos of an order (links to each file and thumbnail)")
def order_photos(ref: str, principal: CurrentPrincipal, session: SessionDep) -> list[dict]:
    return [
        dataclasses.asdict(p) for p in photos_service.list_photos(session, principal=principal, order_id=ref)
    ]


@photos_router.get("/{ref}/photos/{photo_id}", response_class=FileResponse, summary="One photo of an order")
def order_photo(ref: str, photo_id: int, principal: CurrentPrincipal, session: SessionDep) -> FileResponse:
    photo = photos_service.photo_for(session, principal=principal, order_id=ref, photo_id=photo_id)
    return FileResponse(photos_service.path_of(photo), media_type=photo.content_type, headers=PHOTO_CACHE)


@photos_router.get(
    "/{ref}/photos/{photo_id}/thumb", response_class=FileResponse, summary="A photo's thumbnail"
)
def order_photo_thumb(
    ref: str, photo_id: int, principal: CurrentPrincipal, session: SessionDep
) -> FileResponse:
    photo = photos_service.photo_for(session, principal=principal, order_id=ref, photo_id=photo_id)
    path = photos_service.thumbnail_of(photo)
    media = "image/jpeg" if path.suffix == ".jpg" else photo.content_type
    return FileResponse(path, media_type=media, headers=PHOTO_CACHE)


# --- the jurisdiction's reading setting, for admins -------------------------------------------------


class Open311Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_read: bool  # anonymous callers may read coarse views of service requests


@settings_router.get("/settings", response_model=Open311Settings, summary="Open311 reading setting (admin)")
def get_settings(_: AdminPrincipal, session: SessionDep) -> Open311Settings:
    return Open311Settings(public_read=intake_service.public_read(session))


@settings_router.put(
    "/settings", response_model=Open311Settings, summary="Set Open311 public reading (admin)"
)
def put_settings(
    body: Open311Settings, principal: AdminPrincipal, session: WriteSessionDep
) -> Open311Settings:
    enabled = intake_service.set_public_read(session, enabled=body.public_read)
    session.commit()
    log.info("open311 public reading %s by %s", "on" if enabled else "off", principal.name)
    return Open311Settings(public_read=enabled)


router = APIRouter()  # what the app mounts: Open311, its setting and the photos
router.include_router(open311_router)
router.include_router(settings_router)
router.include_router(photos_router)

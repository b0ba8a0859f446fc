"""FastAPI factory: mounts every domain's api.py and web.py."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.middleware.sessions import SessionMiddleware

from huitian import __version__, domains, scheduler
from huitian.auth import service as auth_service
from huitian.config import Settings, get_settings
from huitian.db import Database
from huitian.errors import DomainError, document_error_bodies
from huitian.intake import api as intake_api
from huitian.lib import gctune, logredact
from huitian.lib.groupcommit import GroupCommit
from huitian.orders import api as orders_api
from huitian.security._asgi import refusal
from huitian.security.bodylimit import BodyLimitMiddleware
from huitian.security.csrf import CSRFMiddleware
from huitian.security.headers import SecurityHeadersMiddleware
from huitian.security.login import LoginThrottleMiddleware
from huitian.security.proxy import ProxyHeadersMiddleware, parse_networks
from huitian.security.ratelimit import TooMany
from huitian.security.strictjson import StrictJSONMiddleware

log = logging.getLogger("huitian")

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(
    database_url: str | None = None,
    *,
    settings: Settings | None = None,
    run_worker: bool | None = None,
    serving: bool = False,
) -> FastAPI:
    """The application. `serving`: this process exists to serve it (huitian serve), so the garbage
    collector is tuned for that once it has started (lib/gctune.py); not for tests and embedders."""
    settings = settings or get_settings()
    logredact.install()  # no phone or ID number in any log record of this process, tracebacks included
    db = Database(database_url or settings.database_url)
    try:
        with db.write() as session:
            secret = auth_service.installation_secret(session, configured=settings.secret_key)
            session.commit()
    except IntegrityError:  # another process created the secret at the same moment: use theirs
        with db.read() as session:
            secret = auth_service.installation_secret(session, configured=settings.secret_key)
    run_worker = settings.embedded_worker if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(scheduler.run_forever(db)) if run_worker else None
        # New orders are written in groups (group commit): one writer on SQLite, several on PostgreSQL.
        app.state.order_intake = GroupCommit(
            functools.partial(intake_api.create_batch, db), max_batch=64, workers=1 if db.is_sqlite else 4
        )
        app.state.order_intake.start()
        if serving:
            gctune.tune_for_serving()
        yield
        await app.state.order_intake.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        db.dispose()

    app = FastAPI(
        title="回天 Huitian API",
        version=__version__,
        lifespan=lifespan,
        description="接诉即办 work orders: intake, dispatch, handling, callback, assessment.",
        docs_url=None,  # served below from our own copy of Swagger UI: no CDN on an intranet
        redoc_url=None,
        # No OpenTelemetry collector is configured on our deployments; FastAPI's native telemetry would
        # still look up the global providers on every request (a few % of a request's CPU).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.db = db
    app.state.settings = settings
    app.state.secret = secret
    # Inside the session middleware (added before it): CSRF checks of the forms, the login throttle.
    app.add_middleware(CSRFMiddleware)
    app.add_middleware(LoginThrottleMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="huitian_session",
        same_site="lax",
        https_only=False,  # Secure is added per request, on HTTPS (SecurityHeadersMiddleware)
        max_age=settings.token_ttl_hours * 3600,
    )
    # JSON bodies with NaN/Infinity or a lone surrogate: 422, before the throttle or a route reads them.
    app.add_middleware(StrictJSONMiddleware)
    # Outside every middleware that reads a body: the size limits (413), checked as the body streams in.
    limits = {"max_body_bytes": settings.max_body_bytes, "max_upload_bytes": settings.max_upload_bytes}
    app.add_middleware(BodyLimitMiddleware, **limits)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost: the client's address and the scheme, from trusted proxies only (HUITIAN_TRUSTED_PROXIES).
    app.add_middleware(ProxyHeadersMiddleware, trusted=parse_networks(settings.trusted_proxies))

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(TooMany)
    async def _too_many(request: Request, exc: TooMany) -> Response:
        """A rate limit: a short Chinese page for a person's browser, JSON for programs."""
        return refusal(request.scope, 429, exc.detail, exc.people, headers=exc.headers)

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(
            {"detail": "the order was changed by someone else; reload it", "field": "version"},
            status_code=409,
        )

    # A number in the request that no column can hold (an id of 30 digits): no row has it. SQLite's
    # driver raises OverflowError when binding it, PostgreSQL answers "out of range" (DataError).
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "a number in the request is out of range"}, status_code=422)

    # Every domain's api.py is mounted (new orders, then orders first: their routes are the busiest, and
    # routes are matched in order); a new domain needs no edit here.
    import huitian.models  # noqa: F401 - every table is known before the first request

    app.include_router(intake_api.orders_router)  # POST /api/v1/orders: new orders (intake.flows.receive)
    for module in [orders_api, *(m for m in domains.modules("api") if m is not orders_api)]:
        app.include_router(module.router)
    for module in domains.modules("web"):
        app.include_router(module.router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} · 接口文档",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    document_error_bodies(app)
    return app


def create_served_app() -> FastAPI:
    """Factory for `huitian serve --workers N` (uvicorn imports it in each worker process)."""
    return create_app(serving=True)

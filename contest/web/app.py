"""`create_app(settings)`: the whole server, built in its lifespan; no module-level state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from contest.db.engine import make_engine, make_sessions, migrate
from contest.live import changelog
from contest.live.boards import BoardRegistry
from contest.live.bus import RedisBus
from contest.live.hub import Hub
from contest.scoring import ContestError
from contest.services import standings
from contest.services.credentials import cookie_key
from contest.services.errors import ServiceError
from contest.services.writer import Committed, MarkWriter
from contest.settings import Settings
from contest.web import api, assignments_api, auth, credentials, draws_api, i18n, live, openapi
from contest.web.http import error_response, http_error, server_error, service_error
from contest.web.limits import ForwardedClients
from contest.web.pages import admin as admin_console
from contest.web.pages import chief, judge, resource_dir, screen, signin, verify

CHANGE_LOG_INTERVAL = 0.5  # seconds between two reads of the watched contests' versions (changes by other workers)


async def healthz(request: Request) -> Response:
    def ping() -> bool:
        try:
            with request.app.state.reader() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    ok = await run_in_threadpool(ping)
    return JSONResponse({"ok": ok}, status_code=200 if ok else 503)


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi.document())


async def contest_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ContestError)
    first = exc.problems[0] if exc.problems else None
    return error_response(422, "invalid", exc.message, first.where if first and first.where else None)


class Sessions:
    """Starlette's signed-cookie sessions, with the key the lifespan found (it is not known before start-up)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inner: SessionMiddleware | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _bearer(scope) or scope["path"].startswith("/ws/"):
            # API clients sending a token, and screens' sockets (public, or an organizer's token), have no use for a
            # session: thousands of screens skip its work on every message
            await self.app(scope, receive, send)
            return
        if self.inner is None:
            key = scope["app"].state.secret_key
            self.inner = auth.session_cookies(self.app, key, scope["app"].state.settings)  # Secure behind https
        await self.inner(scope, receive, send)


def _bearer(scope: Scope) -> bool:
    """An API request that brings its own token (the pages always use the session)."""
    path: str = scope.get("path", "")
    return path.startswith("/api/") and any(name == b"authorization" for name, _ in scope.get("headers", ()))


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await run_in_threadpool(migrate, engine)
        reading = make_engine(settings.database_url, readonly=True) if engine.dialect.name == "sqlite" else engine
        app.state.settings = settings
        app.state.secret_key = settings.secret_key or await run_in_threadpool(cookie_key, make_sessions(engine))
        app.state.db = make_sessions(engine)
        app.state.reader = make_sessions(reading)
        app.state.boards = boards = BoardRegistry(app.state.reader)

        async def render(slug: str, views: list[standings.View], known: int | None) -> dict[standings.View, Any]:
            return await run_in_threadpool(standings.render, boards, slug, views, known)

        app.state.hub = hub = Hub(render)
        app.state.snapshots = live.snapshots_for(app.state, hub)  # a socket's first board: once per view and version
        hub.start()
        bus: RedisBus | None = None
        if settings.redis_url:  # other workers and hosts hear of this one's changes at once (else: the change log)
            bus = RedisBus(
                settings.redis_url, settings.redis_prefix, on_notice=hub.changed_remote, on_resync=hub.resync
            )
            hub.publish = bus.publish
            await bus.start()
        loop = asyncio.get_running_loop()

        def committed(batch: Committed) -> None:  # in the writer's thread: the hub lives on the loop
            boards.committed(batch.slug, batch.after, batch.seq, batch.marks)  # the boards need not read them back
            loop.call_soon_threadsafe(hub.changed, batch.slug, batch.seq)

        app.state.writer = MarkWriter(app.state.db, cut=boards.advanced, committed=committed)
        app.state.writer.start()
        following = loop.create_task(changelog.follow(app.state.reader, hub, CHANGE_LOG_INTERVAL))
        app.state.pages = await run_in_threadpool(
            i18n.setup, resource_dir("templates"), resource_dir("static"), default=settings.language
        )
        try:
            yield
        finally:
            following.cancel()
            if bus is not None:
                await bus.close()
            await hub.close()
            await run_in_threadpool(app.state.writer.close)  # what is queued is written before the engine closes
        engine.dispose()
        reading.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/api/openapi.json", openapi_json),
        *credentials.routes,  # /api/... paths of their own, before the /api mount
        *api.routes,  # /api/... each (405 with Allow for a method a path does not take)
        *draws_api.routes,  # /api/contests/{slug}/draws..., /decrypt
        *assignments_api.routes,  # /api/contests/{slug}/assignments...: who judges whom (评委分组)
        *signin.routes,  # /j/{token} and /signout
        *admin_console.routes(),  # /admin/...: the organizer console (every module of contest/web/pages/admin)
        *live.routes,
        *judge.routes,
        *chief.routes,
        *screen.routes,
        *verify.routes,  # /verify/{serial}, /contests/{slug}/announcement(.pdf): public (contest/web/pages/verify.py)
        Mount("/static", StaticFiles(directory=resource_dir("static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            # the client behind a trusted reverse proxy, and its per-address cap (contest/web/limits.py)
            Middleware(ForwardedClients, trusted=settings.trusted_proxies, per_ip=settings.max_connections_per_ip),
            Middleware(live.ServerSend),
            Middleware(Sessions),
        ],
        exception_handlers={
            ServiceError: service_error,
            ContestError: contest_error,
            HTTPException: http_error,
            Exception: server_error,
        },
    )


def app_from_env() -> Starlette:
    """The app as `contest serve` starts it in each worker: settings from CONTEST_* variables."""
    return create_app(Settings.from_env())

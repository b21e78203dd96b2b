"""`create_app(settings)`: the whole server, built in its lifespan; no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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

from contest.db.engine import make_engine, make_sessions, migrate
from contest.live.boards import BoardRegistry
from contest.scoring import ContestError
from contest.services.errors import ServiceError
from contest.settings import Settings
from contest.web import api, i18n, openapi
from contest.web.http import error_response, http_error, server_error, service_error
from contest.web.pages import chief, judge, resource_dir


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


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await run_in_threadpool(migrate, engine)
        reading = make_engine(settings.database_url, readonly=True) if engine.dialect.name == "sqlite" else engine
        app.state.settings = settings
        app.state.db = make_sessions(engine)
        app.state.reader = make_sessions(reading)
        app.state.boards = BoardRegistry(app.state.reader)
        app.state.pages = await run_in_threadpool(
            i18n.setup, resource_dir("templates"), resource_dir("static"), default=settings.language
        )
        yield
        engine.dispose()
        reading.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/api/openapi.json", openapi_json),
        Mount("/api", routes=api.routes),
        *judge.routes,
        *chief.routes,
        Mount("/static", StaticFiles(directory=resource_dir("static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SessionMiddleware, secret_key=settings.secret_key, same_site="lax", https_only=False)],
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

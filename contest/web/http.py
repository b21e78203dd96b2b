"""Small HTTP helpers: bounded bodies, strict JSON, errors as {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from contest.language import accepted_locale
from contest.live.boards import BoardRegistry
from contest.live.hub import Hub
from contest.scoring import parse_decimal
from contest.scoring.messages import Gettext, reason
from contest.services.errors import Invalid, Message, ServiceError, TooLarge
from contest.services.writer import MarkWriter
from contest.settings import Settings
from contest.web.i18n import Pages


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def db_of(request: Request) -> sessionmaker[Session]:
    """Sessions for writing (on SQLite: transactions that take the write lock up front)."""
    db: sessionmaker[Session] = request.app.state.db
    return db


def reader_of(request: Request) -> sessionmaker[Session]:
    """Sessions for reading only (on SQLite: plain snapshot transactions that never wait for writers)."""
    reader: sessionmaker[Session] = request.app.state.reader
    return reader


def boards_of(request: Request) -> BoardRegistry:
    boards: BoardRegistry = request.app.state.boards
    return boards


def hub_of(request: Request) -> Hub:
    """The live hub: tell it after a commit that changed a contest (`hub_of(request).changed(slug)`)."""
    hub: Hub = request.app.state.hub
    return hub


def writer_of(request: Request) -> MarkWriter:
    writer: MarkWriter = request.app.state.writer
    return writer


def error_response(
    status: int, code: str, message: str, field: str | None = None, details: list[str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    if details and len(details) > 1:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


def gettext_of(connection: HTTPConnection) -> Gettext | None:
    """The catalog of the language the request (or socket) accepts (the pages ask for their own), or None: API
    clients that name no language read English."""
    locale = accepted_locale(connection.headers.get("accept-language", ""))
    pages: Pages | None = getattr(connection.app.state, "pages", None)
    return pages.gettext(locale) if locale is not None and pages is not None else None


def error_message(connection: HTTPConnection, exc: ServiceError) -> str:
    """The error's message in the language the request (or socket) accepts."""
    message: str = exc.message
    gettext = gettext_of(connection)
    if isinstance(message, Message) and gettext is not None:
        message = message.translated(gettext)
    return str(message)


async def service_error(request: Request, exc: Exception) -> Response:
    """The error as JSON, its message in the language the request accepts."""
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.code, error_message(request, exc), exc.field, exc.details)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal", "internal error: the server could not do this; it has been logged")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes", "body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body is larger than {limit} bytes", "body")
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", "body") from None
    except RecursionError:
        raise Invalid("the body is not valid JSON: nested too deeply", "body") from None


def check_keys(data: Any, allowed: tuple[str, ...], required: tuple[str, ...], where: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid("expected a JSON object", where or "body")
    for key in data:
        if key not in allowed:
            raise Invalid(f"unknown key {key!r}; expected {', '.join(allowed)}", f"{where}{key}")
    for key in required:
        if key not in data:
            raise Invalid(f"{key} is required", f"{where}{key}")
    return data


def text_field(data: dict[str, Any], key: str, *, max_length: int = 200, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise Invalid(f"expected text, got {type(value).__name__}", key)
    value = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise Invalid("control characters (such as NUL or line breaks) are not allowed", key)
    if required and not value:
        raise Invalid("must not be empty", key)
    if len(value) > max_length:
        raise Invalid(f"longer than {max_length} characters", key)
    return value


def decimal_field(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise Invalid(f"expected a number, got {type(value).__name__}", field)
    try:
        return parse_decimal(value)
    except ValueError as exc:
        raise Invalid(reason(exc), field) from None


def decimal_text(value: Decimal) -> str:
    return f"{value:f}"

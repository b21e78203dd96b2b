"""Small HTTP helpers: bounded bodies, strict JSON, errors as {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from contest.language import accepted_locale
from contest.live.boards import BoardRegistry
from contest.live.hub import Hub
from contest.scoring import parse_decimal
from contest.scoring.messages import Gettext, reason, translated
from contest.scoring.text import clean_text
from contest.services.errors import Invalid, Message, ServiceError, TooLarge
from contest.services.writer import MarkWriter
from contest.settings import Settings
from contest.web.i18n import Pages
from contest.web.schemas import kind_of


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
    gettext = gettext_of(request)  # each detail in that language too
    details = [str(translated(d, gettext)) for d in exc.details] if gettext is not None else exc.details
    return error_response(exc.status, exc.code, error_message(request, exc), exc.field, details)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such path, a method the path does not take) in our error shape, with their
    headers: a 405 names the methods the path takes in `Allow`."""
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    texts = {404: Message("Not Found"), 405: Message("Method Not Allowed")}  # in the language asked for
    gettext, text = gettext_of(request), texts.get(exc.status_code)
    detail = str(exc.detail) if text is None or text != exc.detail else str(translated(text, gettext or str))
    response = error_response(exc.status_code, codes.get(exc.status_code, "error"), detail)
    response.headers.update(exc.headers or {})
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal", "internal error: the server could not do this; it has been logged")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, at most `limit` bytes, else TooLarge (413). The rest of a larger body is read and thrown away
    first (within the bounds of contest/web/limits.py `drain`), so that every client reads the 413 and its
    error: one that sent `Connection: close` would otherwise see the connection reset while still sending."""
    declared = request.headers.get("content-length")
    stream = request.stream()
    if declared and declared.isdigit() and int(declared) > limit:
        from contest.web.limits import drain

        await drain(request, stream, limit, declared=int(declared))
        raise TooLarge(Message("the body is larger than {limit} bytes", limit=limit), "body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            from contest.web.limits import drain

            await drain(request, stream, limit, received=size)
            raise TooLarge(Message("the body is larger than {limit} bytes", limit=limit), "body")
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
    """The text at `key` under the text policy (contest/scoring/text.py `clean_text`), or Invalid naming `key`."""
    try:
        return clean_text(data.get(key, ""), max_length=max_length, required=required)
    except ValueError as exc:
        raise Invalid(reason(exc), key) from None


def decimal_field(value: Any, field: str) -> Decimal:
    """A mark's value under the number policy (contest/scoring/numbers.py `parse_decimal`: plain ASCII decimals,
    -0 as 0, bounded), or Invalid naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise Invalid(Message("expected a number, got {kind}", kind=type(value).__name__), field)
    try:
        return parse_decimal(value)
    except ValueError as exc:
        raise Invalid(reason(exc), field) from None


def decimal_text(value: Decimal) -> str:
    return f"{value:f}"


# -- bodies and queries checked by their models (contest/web/schemas.py) ----------------------------------------------

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
_FIRST = {"extra_forbidden": 0, "missing": 1}  # unknown keys are named first, then missing ones, then the rest


def validated(kind: Any, data: Any, *, query: bool = False, overrides: dict[str, Message] | None = None) -> Any:
    """`data` checked by the model (or type, such as `list[EntrantIn]`) `kind`, or Invalid naming the first problem's
    field as a path (`values.execution`, `[0].code`; `body` for the whole) and listing every problem in `details`.
    `overrides`: the message for a wrong value at a path (other than one the policy explains itself)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: _FIRST.get(e["type"], 2))
    problems = [_problem(error, _model_of(kind), query, overrides or {}) for error in errors]
    field, message = problems[0]
    details: list[str] = [Message("{field}: {message}", field=f, message=m) for f, m in problems]
    raise Invalid(message, field, details=details if len(details) > 1 else None)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "body"


def _model_of(kind: Any) -> type[BaseModel] | None:
    """The model a body is made of (the model, or the items' model of a list)."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return kind
    for arg in get_args(kind):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _problem(error: Any, model: type[BaseModel] | None, query: bool, overrides: dict[str, Message]) -> tuple[str, str]:
    kind, loc, value = error["type"], tuple(error["loc"]), error.get("input")
    field, ctx = _path(loc), error.get("ctx") or {}
    if kind == "value_error":  # the input policy's own words (contest/scoring/text.py, numbers.py)
        return field, reason(ctx["error"])
    if kind == "extra_forbidden":
        keys = ", ".join(model.model_fields) if model else ""
        if query:
            return field, Message("unknown parameter {key!r}; expected {keys}", key=str(loc[-1]), keys=keys)
        return field, Message("unknown key {key!r}; expected {keys}", key=str(loc[-1]), keys=keys)
    if kind == "missing":
        return field, Message("{name} is required", name=str(loc[-1]))
    if field in overrides:
        return field, overrides[field]
    got = kind_of(value)
    if kind == "string_type":
        return field, Message("expected text, got {kind}", kind=got)
    if kind == "bool_type":
        return field, Message("expected true or false, got {kind}", kind=got)
    if kind in ("dict_type", "model_type"):
        return field, Message("expected a JSON object, got {kind}", kind=got)
    if kind == "list_type":
        return field, Message("expected a list, got {kind}", kind=got)
    if kind == "literal_error":
        return field, Message(
            "expected one of {choices}, got {raw!r}",
            choices=str(ctx.get("expected", "")).replace(" or ", ", "),
            raw=value,
        )
    if kind == "string_too_long":
        return field, Message("longer than {most} characters", most=ctx.get("max_length", 0))
    if kind in ("string_too_short", "too_short"):
        return field, Message("must not be empty")
    if kind == "too_long":
        return field, Message("at most {most} entries, got {count}", most=ctx.get("max_length", 0), count=len(value))
    return field, str(error.get("msg", "invalid"))

"""WS /ws/contests/{slug}/standings: a snapshot, then the view again whenever it changes (SPEC section 5).

Messages (text, JSON): `{"type": "snapshot", "version", ...as GET .../standings}` first; then `{"type": "update",
"previous", "version", ...}` with the whole view whenever what it shows changes (bursts coalesced), `version`
strictly increasing; `{"type": "ping"}` now and then. A client that sees `previous` differ from the version it shows
sends `{"type": "snapshot"}` and gets a fresh one. A hidden board is an empty view with `"board": "hidden"` (the
socket stays open, and the screen comes alive when the board is shown). An unknown contest or round, or a bad
parameter: `{"type": "error", "error": {"code", "message", "field"}}`, then the socket closes. Organizers (a
token as `Authorization: Bearer` or `?token=`, since browsers cannot set headers on sockets) see the live board.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from contest.language import accepted_locale
from contest.live.hub import Event, Hub
from contest.services import standings
from contest.services.errors import Invalid, Message, ServiceError, Unauthorized
from contest.services.principals import authenticate
from contest.web.http import error_message

MAX_LIMIT = 1000
PARAMETERS = ("round", "group", "limit", "entrant", "token")
CLOSE_REFUSED = 4400  # the view cannot be served: the error message before it says why


async def standings_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    hub: Hub = websocket.app.state.hub
    try:
        view = await _view(websocket)
        first = await _render(websocket, view)
    except ServiceError as exc:
        await _refuse(websocket, exc)
        return
    await websocket.send_text(_message("snapshot", first))
    sub = hub.subscribe(_server_send(websocket), view, first)
    del first  # its rows would stay alive as long as the socket: ~40 KB a screen
    try:
        while True:
            received = await websocket.receive()
            if received["type"] == "websocket.disconnect":
                return
            if _asks_for_snapshot(received.get("text")):
                try:
                    fresh = await _render(websocket, view)
                except ServiceError as exc:
                    await _refuse(websocket, exc)
                    return
                hub.send(sub, _message("snapshot", fresh), int(fresh["version"]))
    except WebSocketDisconnect:
        return
    finally:
        hub.unsubscribe(sub)


async def _view(websocket: WebSocket) -> standings.View:
    params = websocket.query_params
    for key in params:
        if key not in PARAMETERS:
            raise Invalid(Message("unknown parameter {name!r}", name=key), key)
    raw_limit = params.get("limit", "100")
    if not re.fullmatch(r"[0-9]{1,7}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise Invalid(f"expected a whole number from 1 to {MAX_LIMIT}", "limit")
    organizer = await _organizer(websocket)
    return standings.View(
        websocket.path_params["slug"],
        params.get("round") or None,
        params.get("group") or None,
        int(raw_limit),
        params.get("entrant") or None,
        organizer=organizer,
        hidden_as_empty=True,
        language=accepted_locale(websocket.headers.get("accept-language", "")),  # labels and issues in it
    )


async def _organizer(websocket: WebSocket) -> bool:
    header = websocket.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() if header.lower().startswith("bearer ") else ""
    token = token or websocket.query_params.get("token", "")
    if not token:
        return False
    reader = websocket.app.state.reader

    def check() -> bool | None:
        with reader() as session:
            found = authenticate(session, token)
        return None if found is None else found.is_organizer

    organizer = await run_in_threadpool(check)
    if organizer is None:
        raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "token")
    return organizer


async def _render(websocket: WebSocket, view: standings.View) -> dict[str, Any]:
    return await run_in_threadpool(standings.standings, websocket.app.state.boards, view)


def _asks_for_snapshot(text: str | None) -> bool:
    if not text or len(text) > 200:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "snapshot"


def _message(kind: str, payload: dict[str, Any]) -> str:
    return json.dumps({"type": kind, **payload}, separators=(",", ":"))


async def _refuse(websocket: WebSocket, exc: ServiceError) -> None:
    error = {"code": exc.code, "message": error_message(websocket, exc), **({"field": exc.field} if exc.field else {})}
    await websocket.send_text(json.dumps({"type": "error", "error": error}, ensure_ascii=False))
    await websocket.close(CLOSE_REFUSED)


SERVER_SEND = "contest.server_send"


class ServerSend:
    """Keeps the server's own ASGI send of each socket under /ws/ in its scope, for the hub: a board pushed to
    10,000 screens then goes straight to the server for each, without the framework's per-message layers (state
    checks, the exception handler's wrapper: about a sixth of a push). Put it outermost among the middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"].startswith("/ws/"):
            scope[SERVER_SEND] = send
        await self.app(scope, receive, send)


def _server_send(websocket: WebSocket) -> Callable[[Event], Coroutine[Any, Any, None]]:
    found = websocket.scope.get(SERVER_SEND)
    return found if found is not None else websocket.send  # mounted without ServerSend: the framework's


routes = [WebSocketRoute("/ws/contests/{slug}/standings", standings_socket)]

"""WS /ws/contests/{slug}/standings: a snapshot, then the view again whenever it changes (SPEC section 5).

Messages (text, JSON): `{"type": "snapshot", "version", ...as GET .../standings}` first; then `{"type": "update",
"previous", "version", ...}` with the whole view whenever what it shows changes (bursts coalesced), `version`
strictly increasing; `{"type": "ping"}` now and then. A client that sees `previous` differ from the version it shows
sends `{"type": "snapshot"}` and gets a fresh one. A hidden board is an empty view with `"board": "hidden"` (the
socket stays open, and the screen comes alive when the board is shown). An unknown contest or round, or a bad
parameter: `{"type": "error", "error": {"code", "message", "field"}}`, then the socket closes. Organizers (a
token as `Authorization: Bearer` or `?token=`, since browsers cannot set headers on sockets) see the live board.

A socket's first board comes from a cache, rendered once per view and version (contest/live/snapshots.py). A plain
GET on the same address answers that snapshot as JSON with an ETag (304 when unchanged): the fallback that screens
and phones poll where websockets cannot connect (static/board.js).
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from contest.language import accepted_locale
from contest.live import changelog
from contest.live.frames import Send as HubSend
from contest.live.frames import text_event
from contest.live.hub import Hub
from contest.live.snapshots import Snapshot, Snapshots
from contest.services import standings
from contest.services.errors import Invalid, Message, ServiceError, Unauthorized
from contest.services.principals import who_is
from contest.web.http import error_message

MAX_LIMIT = 1000
PARAMETERS = ("round", "group", "limit", "entrant", "token")
CLOSE_REFUSED = 4400  # the view cannot be served: the error message before it says why


async def socket_session(scope: Scope, receive: Receive, send: Send) -> None:
    """One standings socket, as a plain ASGI app: served by `ServerSend` straight from the server (no framework
    object, middleware or router frame stays alive for the socket's life: ~3 KB a screen), else by the route."""
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    connection = HTTPConnection(scope)
    hub: Hub = connection.app.state.hub
    try:
        view = await _view(connection)
        first = await _snapshot(connection, view)
    except ServiceError as exc:
        await _refuse(connection, send, exc)
        return
    await send(text_event(first.text))
    sub = hub.subscribe(cast(HubSend, send), view, first.payload)  # the server's send: a coroutine function
    del first  # shared with the other sockets of the view, and kept by the cache only while it is recent
    try:
        while True:
            received = await receive()
            if received["type"] == "websocket.disconnect":
                return
            if _asks_for_snapshot(received.get("text")):
                try:
                    fresh = await _snapshot(connection, view)
                except ServiceError as exc:
                    await _refuse(connection, send, exc)
                    return
                hub.send(sub, fresh.text, fresh.version)
    finally:
        hub.unsubscribe(sub)


async def standings_socket(websocket: WebSocket) -> None:
    """The route's endpoint, when the app runs without `ServerSend` (tests mounting the routes alone)."""
    try:
        await socket_session(websocket.scope, websocket.receive, websocket.send)
    except WebSocketDisconnect:
        return


async def standings_poll(request: Request) -> Response:
    """GET on the socket's own address: the snapshot the socket would send first, for screens and phones whose
    websocket cannot connect (some WeChat builds, proxies that refuse the upgrade) and poll instead. The same
    parameters (a token preferably as `Authorization: Bearer`), the same body, from the same cache; its `ETag` (a
    digest of the body) answers an unchanged board's `If-None-Match` with 304 and no body."""
    view = await _view(request)
    found = await _snapshot(request, view)
    headers = {"ETag": found.etag, "Cache-Control": "no-cache", "Vary": "Authorization, Accept-Language"}
    if found.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(found.text, media_type="application/json", headers=headers)


async def _view(websocket: HTTPConnection) -> standings.View:
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


async def _organizer(websocket: HTTPConnection) -> bool:
    header = websocket.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() if header.lower().startswith("bearer ") else ""
    token = token or websocket.query_params.get("token", "")
    if not token:
        return False
    found = await run_in_threadpool(lambda: who_is(websocket.app.state.reader, token, token_only=True))
    if found is None:
        raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "token")
    return found.is_organizer


async def _snapshot(websocket: HTTPConnection, view: standings.View) -> Snapshot:
    """The view as of now, rendered once per version for all the sockets that ask (contest/live/snapshots.py)."""
    snapshots: Snapshots = websocket.app.state.snapshots
    return await snapshots.get(view)


def snapshots_for(app_state: Any, hub: Hub) -> Snapshots:
    """The snapshot cache of an app whose state holds `reader` and `boards` (made at startup, web/app.py)."""
    reader, boards = app_state.reader, app_state.boards

    async def read_version(slug: str) -> int | None:
        return (await run_in_threadpool(changelog.versions, reader, {slug})).get(slug)

    async def render(view: standings.View) -> dict[str, Any]:
        return await run_in_threadpool(standings.standings, boards, view)

    return Snapshots(read_version, render, heard=hub.changed_remote)


def _asks_for_snapshot(text: str | None) -> bool:
    if not text or len(text) > 200:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "snapshot"


async def _refuse(connection: HTTPConnection, send: Send, exc: ServiceError) -> None:
    error = {"code": exc.code, "message": error_message(connection, exc), **({"field": exc.field} if exc.field else {})}
    await send(text_event(json.dumps({"type": "error", "error": error}, ensure_ascii=False)))
    await send({"type": "websocket.close", "code": CLOSE_REFUSED})


SOCKET_PATH = re.compile(r"/ws/contests/(?P<slug>[^/]+)/standings")


class ServerSend:
    """Serves the standings sockets straight from the server, ahead of the framework: the hub then holds the
    server's own ASGI send of each socket (a board pushed to 10,000 screens goes to the server, or straight to the
    transport, for each, without the framework's per-message layers), and no framework object stays alive per
    socket. Put it right after the middleware that must see every connection (ForwardedClients)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            found = SOCKET_PATH.fullmatch(scope["path"])
            if found is not None:
                scope["path_params"] = {"slug": found["slug"]}
                await socket_session(scope, receive, send)
                return
        await self.app(scope, receive, send)


routes = [
    WebSocketRoute("/ws/contests/{slug}/standings", standings_socket),
    Route("/ws/contests/{slug}/standings", standings_poll, methods=["GET"]),  # the fallback: polled
]

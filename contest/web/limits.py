"""Connection limits: what keeps idle, half-sent and flooding connections from starving the judges.

uvicorn closes idle keep-alive connections and caps the requests served at once, but a socket that never sends a
whole request is never an ASGI request, so the rest lives here, at the connection (asyncio protocol) level:

- `GuardedHttp` (uvicorn's HTTP protocol, `http=`): a connection must send a request's headers within
  `header_timeout` seconds of connecting (or of its first byte after a response), or it is closed (slowloris);
  headers over `MAX_HEADER_BYTES` get a 431; each worker keeps at most `max_connections_per_ip` open connections
  from one peer address and closes the ones over it at once. The peer address is counted until the socket closes,
  also after it became a websocket (`GuardedWebSocket`, `ws=`).
- `drain`: a body over its limit is read to its end (within bounds) before the 413, so every client reads it.
- `ForwardedClients` (ASGI middleware): behind a reverse proxy in `trusted_proxies`, the client is the address in
  `X-Forwarded-For` (what the marks' audit records) and the per-address cap counts that device's requests and
  sockets; anyone else's `X-Forwarded-For` is ignored.

Connections from a trusted proxy and from this machine's own loopback address (127.0.0.1, ::1: a reverse proxy on
the same host, benchmarks) are not capped at the connection level. Settings: contest/settings.py, README "Limits".
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import resource
import time
from collections.abc import AsyncIterator, Iterable, MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from contest.services.errors import Message, Unavailable
from contest.settings import Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Fastest
except ImportError:  # pragma: no cover - uvicorn's own choice ("auto") without httptools
    _Fastest = H11Protocol  # type: ignore[assignment,misc]

log = logging.getLogger("contest.limits")

MAX_HEADER_BYTES = 64 * 1024  # a request line and headers larger than this get 431 (nginx allows 32 KiB)
LOOPBACK = frozenset({"127.0.0.1", "::1"})  # this machine: a reverse proxy on the same host, benchmarks
RESERVED_FILES = 128  # open files kept for the database, logs and Redis when the connection limit is automatic
REFUSAL_LOG_EVERY = 60.0  # seconds between two log lines about refused connections
DRAIN_FACTOR = 16  # a body over its limit is read and thrown away up to this many times the limit,
DRAIN_MIN_BYTES = 64 * 1024 * 1024  # or this much if more,
DRAIN_SECONDS = 30.0  # for at most this long, before the 413 goes out
TOO_MANY = "too many connections from your address ({address}); close some and try again"


async def drain(
    request: Request, stream: AsyncIterator[bytes], limit: int, *, declared: int | None = None, received: int = 0
) -> None:
    """Read and throw away the rest of a body over `limit` (`stream`: the request's, partly read), so the client
    has sent everything when the 413 comes and reads it: a client that asked for `Connection: close` (Python's
    urllib) would see the connection reset while still sending. Not for a client waiting for `100 Continue` (it
    sends nothing: the 413 is its answer), nor beyond DRAIN_FACTOR times the limit (at least DRAIN_MIN_BYTES) or
    DRAIN_SECONDS: such a client may see the reset (with keep-alive, uvicorn reads the rest after the answer)."""
    budget = max(DRAIN_FACTOR * limit, DRAIN_MIN_BYTES)
    if declared is not None and (declared > budget or request.headers.get("expect", "").lower() == "100-continue"):
        return
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for chunk in stream:
                received += len(chunk)
                if received > budget:
                    return
    except (TimeoutError, ClientDisconnect):
        return


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `contest serve` passes to uvicorn.run for these limits (each worker also reads them from CONTEST_*)."""
    return {
        "http": "contest.web.limits:GuardedHttp",
        "ws": "contest.web.limits:GuardedWebSocket",
        "limit_concurrency": concurrency_limit(settings),
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "proxy_headers": False,  # ForwardedClients does it, trusting only CONTEST_TRUSTED_PROXIES
    }


def export(settings: Settings, environ: MutableMapping[str, str]) -> None:
    """Put the limits in the environment for uvicorn's worker processes (flags may have changed them)."""
    environ["CONTEST_HEADER_TIMEOUT"] = str(settings.header_timeout or 0)
    environ["CONTEST_KEEP_ALIVE_TIMEOUT"] = str(settings.keep_alive_timeout)
    environ["CONTEST_MAX_CONNECTIONS"] = "auto" if settings.max_connections is None else str(settings.max_connections)
    environ["CONTEST_MAX_CONNECTIONS_PER_IP"] = str(settings.max_connections_per_ip)
    environ["CONTEST_TRUSTED_PROXIES"] = ",".join(settings.trusted_proxies)


def concurrency_limit(settings: Settings) -> int | None:
    """Connections and requests a worker serves at once (uvicorn answers 503 beyond): the setting, else the
    open-file limit less a reserve, so the worker says 503 before it runs out of files and stops accepting."""
    if settings.max_connections is not None:
        return settings.max_connections or None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(64, soft - max(RESERVED_FILES, soft // 10))


class Trusted:
    """Addresses and networks (CONTEST_TRUSTED_PROXIES)."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        self._cached = functools.lru_cache(maxsize=1024)(self._contains)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and bool(self.networks) and self._cached(host)

    def _contains(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, forwarded_for: str) -> str | None:
        """The device behind the proxies: the last address in X-Forwarded-For that is not a trusted proxy (each
        proxy appends the address it was reached from; what is left of that came from the client and is not
        believed). None if it is not an IP address."""
        hosts = [h.strip() for h in forwarded_for.split(",")]
        chosen = next((h for h in reversed(hosts) if h not in self), hosts[0])
        if chosen.startswith("[") and "]" in chosen:  # [v6]:port
            chosen = chosen[1 : chosen.index("]")]
        elif chosen.count(":") == 1:  # v4:port
            chosen = chosen.partition(":")[0]
        try:
            return str(ipaddress.ip_address(chosen))
        except ValueError:
            return None


class Limits:
    """This process's limits and its count of open connections by peer address (one event loop a worker)."""

    def __init__(self, settings: Settings) -> None:
        self.header_timeout = settings.header_timeout
        self.per_ip = settings.max_connections_per_ip
        self.trusted = Trusted(settings.trusted_proxies)
        self.open: dict[str, int] = {}
        self.refused = 0
        self.last_logged = 0.0

    def capped(self, host: str | None) -> bool:
        """Whether connections from `host` count towards the cap (not this machine's, nor a trusted proxy's)."""
        return host is not None and bool(self.per_ip) and host not in LOOPBACK and host not in self.trusted

    def admit(self, host: str | None) -> bool:
        """Count a new connection from `host`; False if it is over the cap (not counted: close it)."""
        if host is None or not self.capped(host):
            return True
        count = self.open.get(host, 0)
        if count >= self.per_ip:
            self.refused += 1
            now = time.monotonic()
            if now - self.last_logged >= REFUSAL_LOG_EVERY:
                log.warning(
                    "contest: closed %d connection(s) over the cap of %d open connections from one address (now "
                    "from %s; CONTEST_MAX_CONNECTIONS_PER_IP; behind a reverse proxy set CONTEST_TRUSTED_PROXIES)",
                    self.refused,
                    self.per_ip,
                    host,
                )
                self.refused, self.last_logged = 0, now
            return False
        self.open[host] = count + 1
        return True

    def release(self, host: str) -> None:
        count = self.open.get(host, 0) - 1
        if count > 0:
            self.open[host] = count
        else:
            self.open.pop(host, None)


@functools.cache
def limits() -> Limits:
    """The worker's limits, from the CONTEST_* variables `contest serve` exported."""
    return Limits(Settings.from_env())


class _Guard:
    """Mixed into uvicorn's HTTP protocols (see the module's docstring). The uvicorn attributes it uses: loop,
    transport, client, cycle (the request being answered), on_response_complete."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    client: tuple[str, int] | None
    cycle: Any

    _peer: str | None = None  # the address counted for this connection, until it closes
    _timer: asyncio.TimerHandle | None = None
    _awaiting = False  # True while the connection owes the headers of a request
    _header_bytes = 0
    _seen: Any = None  # the request (cycle) whose headers were last seen complete

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        host = self.client[0] if self.client else None
        if not limits().admit(host):
            transport.close()
            return
        if limits().capped(host):
            self._peer = host  # counted: released when the socket closes
        self._expect_headers(arm=True)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)  # type: ignore[misc]
        self._disarm()
        if self._peer is not None:
            limits().release(self._peer)
            self._peer = None

    def data_received(self, data: bytes) -> None:
        if self._awaiting:
            if self._timer is None:  # the first byte after a response: the next request's headers are due
                self._arm()
            self._header_bytes += len(data)
        super().data_received(data)  # type: ignore[misc]
        if not self._awaiting:
            return
        protocol: object = self.transport.get_protocol()
        if protocol is not self:  # became a websocket: it counts the peer from now on
            self._disarm()
            self._awaiting = False
            if isinstance(protocol, GuardedWebSocket) and self._peer is not None:
                protocol.peer = self._peer
                self._peer = None
        elif self.cycle is not self._seen or self.transport.is_closing():
            self._seen = self.cycle
            self._disarm()
            self._awaiting = False
        elif self._header_bytes > MAX_HEADER_BYTES:
            self._disarm()
            self._awaiting = False
            self._refuse_large_headers()

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()  # type: ignore[misc]
        if self.transport.is_closing():
            return
        if self.cycle is not answered:  # h11 started a pipelined request it had already read
            self._seen = self.cycle
        elif not getattr(self, "pipeline", None):  # (httptools queues those in its pipeline)
            self._expect_headers(arm=False)  # idle until the next byte: uvicorn's keep-alive timeout governs

    def _expect_headers(self, *, arm: bool) -> None:
        self._awaiting = True
        self._header_bytes = 0
        if arm:
            self._arm()

    def _arm(self) -> None:
        timeout = limits().header_timeout
        if timeout:
            self._disarm()
            self._timer = self.loop.call_later(timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _headers_too_slow(self) -> None:
        self._timer = None
        if self._awaiting and not self.transport.is_closing():
            self.transport.close()

    def _refuse_large_headers(self) -> None:
        body = b"request headers too large"
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
        )
        self.transport.close()


class GuardedHttp(_Guard, _Fastest):  # type: ignore[misc]
    """uvicorn's fastest HTTP protocol (httptools, else h11) with the header timeout and the per-address cap."""


class GuardedH11(_Guard, H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol with the header timeout and the per-address cap."""


class GuardedWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, releasing the peer's count when the socket closes."""

    peer: str | None = None

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.peer is not None:
            limits().release(self.peer)
            self.peer = None


class ForwardedClients:
    """ASGI middleware: the client behind a trusted reverse proxy (X-Forwarded-For, X-Forwarded-Proto), and that
    device's open requests and sockets capped like direct connections. Nothing at all without trusted proxies."""

    def __init__(self, app: ASGIApp, trusted: Iterable[str] = (), per_ip: int = 0) -> None:
        self.app = app
        self.trusted = Trusted(trusted)
        self.per_ip = per_ip
        self.open: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if not self.trusted or scope["type"] not in ("http", "websocket") or not client:
            await self.app(scope, receive, send)
            return
        if client[0] not in self.trusted:
            await self.app(scope, receive, send)
            return
        forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
        host = self.trusted.client(", ".join(forwarded)) if forwarded else None
        if host is None:  # the proxy itself (a health check), or nothing usable: the peer stays the client
            await self.app(scope, receive, send)
            return
        scope["client"] = (host, 0)
        protos = [v.decode("latin-1").strip().lower() for k, v in scope["headers"] if k == b"x-forwarded-proto"]
        proto = protos[-1] if protos else ""
        if proto in ("http", "https"):
            scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        if not self.per_ip or host in LOOPBACK:
            await self.app(scope, receive, send)
            return
        count = self.open.get(host, 0)
        if count >= self.per_ip:
            await self._refuse(scope, receive, send, host)
            return
        self.open[host] = count + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.open.get(host, 1) - 1
            if left > 0:
                self.open[host] = left
            else:
                self.open.pop(host, None)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, host: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # before accepting: the server answers 403
            return
        from contest.web.http import error_message, error_response

        exc = Unavailable(Message(TOO_MANY, address=host))
        response = error_response(503, exc.code, error_message(HTTPConnection(scope), exc))
        response.headers["retry-after"] = "5"
        await response(scope, receive, send)

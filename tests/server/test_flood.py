"""Connection hygiene (issue 11, point 1): idle, half-sent and flooding connections cannot starve the judges.

A real `contest serve` started with an open-file limit of 1,024 (what many systems give a process), 2,000 idle TCP
connections from one laptop (127.0.0.2: the whole of 127/8 is this machine on Linux, so the flood and the judge,
on 127.0.0.1, are two devices), and judges still acknowledged (201) about as fast as before the flood. The old
server kept every idle socket until it ran out of files, and the judges' connections waited in the queue behind
them. Then the header timeout (slowloris) and the per-address cap, each on its own.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.server.conftest import ENTRANTS, JUDGES, ServerProcess, bearer, contest_toml, make_token, new_slug

pytestmark = pytest.mark.parametrize("db_kind", ["sqlite"])  # connections, not storage

OPEN_FILES = 1024
FLOOD = 2000
FLOODER = "127.0.0.2"  # the hostile laptop; judges come from 127.0.0.1
CAP = 100  # CONTEST_MAX_CONNECTIONS_PER_IP's default


@contextlib.contextmanager
def open_file_limit(limit: int) -> Iterator[None]:
    """Processes started inside inherit a soft open-file limit of `limit`; this process gets its own back after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def room_for_the_flood() -> None:
    """This process holds the flood's sockets: it needs more files than the server gets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FLOOD + 500
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"the open-file limit ({hard}) is too low for a flood of {FLOOD} connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Venue:
    """A contest ready to mark on a real server, reached over HTTP from 127.0.0.1."""

    def __init__(self, server: ServerProcess, db_url: str) -> None:
        self.server = server
        self.organizer = make_token(db_url, "organizer")
        self.slug = new_slug("flood")
        headers = bearer(self.organizer)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            created = client.post(
                "/api/contests",
                content=contest_toml(self.slug).encode(),
                headers={**headers, "content-type": "application/toml"},
            )
            assert created.status_code == 201, created.text
            assert client.put(self.url("/entrants"), json=ENTRANTS, headers=headers).status_code == 200
            judges = client.post(self.url("/judges"), json=JUDGES, headers=headers)
            assert judges.status_code == 201, judges.text
        self.judges: dict[str, str] = {j["code"]: j["token"] for j in judges.json()}
        self.marked: set[tuple[str, str, int]] = set()

    def url(self, path: str = "") -> str:
        return f"/api/contests/{self.slug}{path}"

    def mark(self, judge: str, headers: dict[str, str] | None = None) -> float:
        """One new mark by `judge` on a fresh connection (as a tablet waking up): seconds until the 201."""
        entrant, item = next(
            (e["code"], i) for i in (1, 2, 3) for e in ENTRANTS if (judge, e["code"], i) not in self.marked
        )
        self.marked.add((judge, entrant, item))
        body = {
            "entrant": entrant,
            "round": "prelim",
            "item": item,
            "values": {"execution": "8.5"},
            "client_id": uuid.uuid4().hex,
        }
        started = time.perf_counter()
        with httpx.Client(base_url=self.server.url, timeout=15) as client:
            response = client.post(
                self.url("/marks"), json=body, headers={**bearer(self.judges[judge]), **(headers or {})}
            )
        assert response.status_code == 201, response.text
        return time.perf_counter() - started


def start(db_url: str, tmp_path: Path, *args: str) -> ServerProcess:
    with open_file_limit(OPEN_FILES):
        return ServerProcess(db_url, tmp_path / f"server-{uuid.uuid4().hex[:6]}.log", args=args).start()


def from_address(address: str, port: int, timeout: float = 5) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((address, 0))
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


@pytest.fixture
def sockets() -> Iterator[Callable[[str, int], socket.socket]]:
    """`sockets(address, port)`: a connection from `address`, closed at the end of the test."""
    made: list[socket.socket] = []

    def make(address: str, port: int) -> socket.socket:
        made.append(from_address(address, port))
        return made[-1]

    yield make
    for sock in made:
        sock.close()


def closed_by_server(sock: socket.socket, wait: float = 0.0) -> bool:
    """True if the server closed `sock` (end of stream or reset) within `wait` seconds, False if it is still open
    (what it sent before, such as the rest of an earlier answer, is skipped)."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left > 0:
            sock.settimeout(left)
        else:
            sock.setblocking(False)
        try:
            if sock.recv(65536) == b"":
                return True
        except (BlockingIOError, TimeoutError):
            return False
        except OSError:
            return True


def open_flood(port: int, count: int) -> list[socket.socket]:
    """`count` idle connections from FLOODER (each one accepted by the kernel; the server decides the rest)."""
    flood = []
    for _ in range(count):
        with contextlib.suppress(OSError):  # the old server's queue may fill up: what got in is the flood
            flood.append(from_address(FLOODER, port, timeout=2))
    return flood


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_judges_are_acknowledged_through_a_flood_of_idle_connections(
    db_url: str, tmp_path: Path, room_for_the_flood: None, workers: int
) -> None:
    server = start(db_url, tmp_path, "--workers", str(workers))
    flood: list[socket.socket] = []
    try:
        venue = Venue(server, db_url)
        baseline = [venue.mark("J1") for _ in range(6)]
        flood = open_flood(server.port, FLOOD)
        assert len(flood) >= FLOOD * 0.9, len(flood)
        flooded = [venue.mark("J2") for _ in range(6)]  # each a new connection, while the flood is held
        # the same order of time as before the flood, with room for a busy machine (the point: no refusal, no hang)
        assert statistics.median(flooded) <= 5 * statistics.median(baseline) + 0.5, (baseline, flooded)
        assert max(flooded) <= 10 * max(baseline) + 1.0, (baseline, flooded)
        still_open = sum(not closed_by_server(sock) for sock in flood)
        assert still_open <= CAP * workers, still_open  # the rest was closed at once: files for the judges
    finally:
        for sock in flood:
            sock.close()
        server.stop()


def test_half_sent_headers_and_silent_connections_are_closed_after_the_header_timeout(
    db_url: str, tmp_path: Path, sockets: Callable[[str, int], socket.socket]
) -> None:
    server = start(db_url, tmp_path, "--header-timeout", "1")
    try:
        half = sockets("127.0.0.1", server.port)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: venue\r\nUser-Agent: slow")  # and then nothing
        silent = sockets("127.0.0.1", server.port)  # never sends a byte
        again = sockets("127.0.0.1", server.port)
        again.sendall(b"GET /healthz HTTP/1.1\r\nHost: venue\r\n\r\n")
        assert again.recv(4096).startswith(b"HTTP/1.1 200")
        again.sendall(b"GET /healthz HTTP/1.1\r\n")  # a second request on the kept-alive connection, stalled
        slow = sockets("127.0.0.1", server.port)  # slow but complete within the timeout: served
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: venue\r\n", b"\r\n"):
            slow.sendall(piece)
            time.sleep(0.2)
        assert slow.recv(4096).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        for sock in (half, silent, again):
            assert closed_by_server(sock, wait=5), "still open 5 s after a header timeout of 1 s"
        assert time.monotonic() - started < 5
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    finally:
        server.stop()


def test_one_address_keeps_at_most_its_cap_of_connections_and_sockets(
    db_url: str, tmp_path: Path, sockets: Callable[[str, int], socket.socket]
) -> None:
    cap = 10
    server = start(db_url, tmp_path, "--max-connections-per-ip", str(cap))
    try:
        venue = Venue(server, db_url)
        held = [sockets(FLOODER, server.port) for _ in range(cap + 5)]
        closed = [closed_by_server(sock, wait=0.5) for sock in held]
        assert closed.count(False) == cap and closed[:cap] == [False] * cap, closed  # the first 10 kept
        assert closed_by_server(sockets(FLOODER, server.port), wait=3)  # the 11th: closed at once
        assert venue.mark("J1") < 15  # another address is served
        for sock in held:
            sock.close()
        wait_until_served(FLOODER, server.port)  # released: the address may connect again

        # sockets count as connections until they close, also after they became websockets
        url = f"ws://127.0.0.1:{server.port}/ws/contests/{venue.slug}/standings?round=prelim"
        with contextlib.ExitStack() as stack:
            screens = [stack.enter_context(connect(url, source_address=(FLOODER, 0))) for _ in range(cap)]
            for screen in screens:
                assert '"snapshot"' in str(screen.recv(timeout=5))
            assert closed_by_server(sockets(FLOODER, server.port), wait=3)
            screens[0].close()
            wait_until_served(FLOODER, server.port)
    finally:
        server.stop()


def wait_until_served(address: str, port: int, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with from_address(address, port) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: venue\r\nConnection: close\r\n\r\n")
            try:
                if sock.recv(4096).startswith(b"HTTP/1.1 200"):
                    return
            except OSError:
                pass
        assert time.monotonic() < deadline, f"{address} still refused after {seconds} s"
        time.sleep(0.1)

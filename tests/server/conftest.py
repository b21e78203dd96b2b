"""Real servers on real databases for the server tests.

- `db_kind` / `db_url`: a temp SQLite file, or a fresh PostgreSQL database (the `pg_url` fixture of
  tests/conftest.py: skips on a bare machine, fails in CI). A module or test narrows the kinds with
  ``pytest.mark.parametrize("db_kind", ["sqlite"])``.
- `app` / `app_client`: `create_app(Settings)` inside `LifespanManager`, and an `httpx.AsyncClient` over
  `ASGITransport` talking to it.
- `venue`: a contest with entrants, judges (one chief), organizer and recorder tokens, and a judge of another
  contest: everything the role tests need, built through the API.
- `live_server` / `start_server`: `python -m contest serve --db URL --port FREE` as a real process.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from contest.db.engine import make_engine, make_sessions, migrate
from contest.services.principals import new_token
from contest.settings import Settings
from contest.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SECRET = "server-tests-secret"

# A small contest: one judged criterion, one entered by the chief judge or a recorder, two rounds. The prelim has
# the default panel (every judge but the chief: J1, J2, J3); the final names its panel (J1, J2 and the chief CJ),
# so J3 judges the prelim only and CJ the final only. Groups are ranked separately.
CONTEST_TOML = """\
[contest]
slug = "{slug}"
title = "测试赛 / Test meet"
decimals = 2

[[criteria]]
key = "execution"
label = "动作完成 / Execution"
min = 0
max = 10
step = 0.5

[[criteria]]
key = "dd"
label = "难度系数 / Degree of difficulty"
judged = false
min = 1.0
max = 4.8
step = 0.1
default = 1.0

[scoring]
panel = "mean"
item = "execution * dd"
round = "sum"
missing_items = "zero"

[[rounds]]
key = "prelim"
items = 3

[[rounds]]
key = "final"
items = 3
judges = ["J1", "J2", "CJ"]
standing = "prelim + final"

[ranking]
groups = "separate"
"""

ENTRANTS = [
    {"code": "E1", "name": "林浩然", "organization": "广东", "group": "A"},
    {"code": "E2", "name": "陈一鸣", "organization": "四川", "group": "A"},
    {"code": "E3", "name": "张子墨", "organization": "湖北", "group": "B"},
    {"code": "E4", "name": "李泽宇", "organization": "上海", "group": "B"},
]
JUDGES = [
    {"code": "J1", "name": "裁判一"},
    {"code": "J2", "name": "裁判二"},
    {"code": "J3", "name": "裁判三"},
    {"code": "CJ", "name": "裁判长", "chief": True},
]

_slugs = itertools.count(1)


def contest_toml(slug: str) -> str:
    return CONTEST_TOML.format(slug=slug)


def new_slug(prefix: str = "meet") -> str:
    return f"{prefix}-{next(_slugs)}-{uuid.uuid4().hex[:6]}"


def client_id() -> str:
    return uuid.uuid4().hex


def bearer(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


def make_token(db_url: str, role: str) -> str:
    """An organizer or recorder token created straight in the database (what `contest token` does)."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with make_sessions(engine).begin() as session:
            return new_token(session, role)
    finally:
        engine.dispose()


def assert_error(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is `status` with {"error": {"code", "message", "field"?}}, naming `field` when given."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    if field is not None:
        assert error.get("field") == field, (field, body)
    return error


# -- databases ----------------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def db_url(db_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'contest.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


# -- the app in process -------------------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key=SECRET, public_url="http://testserver")


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application


@pytest_asyncio.fixture
async def app_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 51234), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
        yield client


def app_token(app: Starlette, role: str) -> str:
    with app.state.db.begin() as session:
        token: str = new_token(session, role)
        return token


@dataclass
class Venue:
    """A contest ready to score, reached through the API."""

    client: httpx.AsyncClient
    slug: str
    organizer: str
    recorder: str
    judges: dict[str, str]  # code -> token: J1, J2, J3 and the chief CJ
    other_slug: str
    outsider: str  # the chief judge X1 of the other contest
    tokens: dict[str, str | None] = field(default_factory=dict)  # role name -> token, for the role tables
    tried_slug: str = ""  # the slug of a contest a test tried to create

    @property
    def chief(self) -> str:
        return self.judges["CJ"]

    def url(self, path: str = "") -> str:
        return f"/api/contests/{self.slug}{path}"

    async def mark(
        self, token: str | None, values: dict[str, Any], *, entrant: str = "E1", round: str = "prelim", **extra: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"entrant": entrant, "round": round, "item": 1, "values": values}
        body["client_id"] = client_id()
        body.update(extra)
        return await self.client.post(self.url("/marks"), json=body, headers=bearer(token))

    async def round(self, key: str, token: str | None = None, **body: Any) -> httpx.Response:
        return await self.client.patch(self.url(f"/rounds/{key}"), json=body, headers=bearer(token or self.organizer))

    async def history(self, slug: str | None = None) -> list[dict[str, Any]]:
        response = await self.client.get(f"/api/contests/{slug or self.slug}/history", headers=bearer(self.organizer))
        assert response.status_code == 200, response.text
        marks: list[dict[str, Any]] = response.json()["marks"]
        return marks

    async def standings(self, token: str | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(self.url("/standings"), params=params, headers=bearer(token))

    async def version(self) -> int:
        """The contest's version as organizers see it (live, never frozen)."""
        response = await self.standings(self.organizer, round="prelim")
        assert response.status_code == 200, response.text
        version: int = response.json()["version"]
        return version

    async def snapshot(self) -> tuple[int, int]:
        """(version, number of mark versions stored): unchanged when a request stored nothing."""
        return await self.version(), len(await self.history())

    async def fingerprint(self) -> dict[str, Any]:
        """Everything a refused request must leave as it was: the version, every mark version, round states as
        organizers and the public see them, and the standings rows."""
        state: dict[str, Any] = {"history": await self.history()}
        for key in ("prelim", "final"):
            organizer = (await self.standings(self.organizer, round=key)).json()
            public = await self.standings(round=key)
            state[key] = (organizer["version"], organizer["status"], organizer["rows"], public.status_code)
            state[f"{key}-public"] = public.json().get("board"), public.json().get("version")
        return state


async def setup_contest(
    client: httpx.AsyncClient,
    organizer: str,
    slug: str,
    *,
    toml: str | None = None,
    entrants: list[dict[str, Any]] | None = None,
    judges: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Create a contest, its entrants and judges through the API; the judges' tokens by code."""
    headers = bearer(organizer)
    response = await client.post(
        "/api/contests",
        content=(toml or contest_toml(slug)).encode(),
        headers={**headers, "content-type": "application/toml"},
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"slug": slug}
    response = await client.put(f"/api/contests/{slug}/entrants", json=entrants or ENTRANTS, headers=headers)
    assert response.status_code == 200, response.text
    response = await client.post(f"/api/contests/{slug}/judges", json=judges or JUDGES, headers=headers)
    assert response.status_code == 201, response.text
    return {j["code"]: j["token"] for j in response.json()}


@pytest_asyncio.fixture
async def venue(app: Starlette, app_client: httpx.AsyncClient) -> Venue:
    organizer = app_token(app, "organizer")
    recorder = app_token(app, "recorder")
    slug = new_slug()
    judges = await setup_contest(app_client, organizer, slug)
    other = new_slug("other")
    outsiders = await setup_contest(
        app_client, organizer, other, judges=[{"code": "X1", "name": "外赛裁判长", "chief": True}]
    )
    found = Venue(app_client, slug, organizer, recorder, judges, other, outsiders["X1"])
    found.tokens = {
        "none": None,
        "bad": "not-a-token-" + uuid.uuid4().hex,
        "organizer": organizer,
        "recorder": recorder,
        "judge": judges["J1"],
        "chief": judges["CJ"],
        "outsider": outsiders["X1"],
    }
    return found


# -- the server as a process ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """`python -m contest serve` on a free loopback port; start, kill (any signal), start again. `args`: more
    options for `serve` (e.g. `--redis URL`)."""

    def __init__(self, db_url: str, log: Path, *, port: int | None = None, args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.log = log
        self.port = port or free_port()
        self.args = list(args)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")}
        env["CONTEST_SECRET_KEY"] = SECRET
        command = [sys.executable, "-m", "contest", "serve", "--db", self.db_url, "--port", str(self.port), *self.args]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.log.parent)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"contest serve exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"contest serve did not answer /healthz in {timeout}s:\n{self.log.read_text()}")
            time.sleep(0.05)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` and wait for the process to be gone."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self.proc = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """A factory: start_server(db_url, *more_serve_options) -> a running server; every one is killed at the end
    of the test."""
    started: list[ServerProcess] = []

    def start(url: str, *args: str) -> ServerProcess:
        server = ServerProcess(url, tmp_path / f"server-{len(started)}.log", args=args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


@pytest.fixture
def live_server(start_server: Callable[[str], ServerProcess], db_url: str) -> ServerProcess:
    return start_server(db_url)

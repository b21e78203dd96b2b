from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Playwright, sync_playwright

from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

MarkRow = tuple[str, str, int, str, str, str]  # entrant, round, item, criterion, judge, value


def marks_of(rows: Iterable[MarkRow]) -> list[Mark]:
    return [Mark(e, r, i, c, j, Decimal(v)) for e, r, i, c, j, v in rows]


def panel_marks(
    entrant: str,
    criterion: str,
    values: Iterable[str],
    *,
    round_key: str = "main",
    item: int = 1,
    judges: Iterable[str] = ("J1", "J2", "J3", "J4", "J5"),
) -> list[Mark]:
    return [Mark(entrant, round_key, item, criterion, j, Decimal(v)) for j, v in zip(judges, values, strict=False)]


BoardMaker = Callable[..., Board]


@pytest.fixture(autouse=True)
def english_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`contest compute --explain` speaks the environment's language: every test starts from an English one."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`contest ARGS` in-process: (exit code, stdout, stderr)."""
    from contest.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def line_starting(lines: list[str], prefix: str) -> str:
    """The one line that starts with `prefix`."""
    found = [line for line in lines if line.startswith(prefix)]
    assert len(found) == 1, (prefix, lines)
    return found[0]


@pytest.fixture
def make_board() -> BoardMaker:
    def make(
        toml: str, marks: Iterable[Mark], *, round_key: str | None = None, entrants: Iterable[Entrant] | None = None
    ) -> Board:
        definition = parse_definition(toml)
        marks = list(marks)
        people = (
            list(entrants) if entrants is not None else [Entrant(c) for c in dict.fromkeys(m.entrant for m in marks)]
        )
        return Board(definition, round_key or definition.rounds[-1].key, people, MarkSheet(marks))

    return make


# -- real services: PostgreSQL, Redis, Chromium -------------------------------------------------------------------
# On a developer's machine without them these tests skip; in CI (CI=true, or CONTEST_REQUIRE_SERVICES=1) a
# missing service fails the run instead, so they can never silently stop running.


PG_ADMIN_URL = os.environ.get("CONTEST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CONTEST_TEST_REDIS", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CONTEST_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("CONTEST_REQUIRE_SERVICES") == "1"


def missing(service: str, why: str) -> None:
    if REQUIRED:
        pytest.fail(f"{service} is required here (CI): {why}", pytrace=False)
    pytest.skip(f"{service} not available: {why}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        missing("PostgreSQL", str(exc))
    name = f"contest_test_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        missing("PostgreSQL", f"{PG_ADMIN_URL}: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover
        missing("Redis", str(exc))
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing("Redis", f"{REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    return CHROMIUM


# -- Playwright on Debian's chromium ------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_ARGS}


# pytest-playwright keeps Playwright (and the asyncio loop its sync API runs) alive for the whole session, which
# breaks every pytest-asyncio test collected after a browser test module ("Runner.run() cannot be called from a running
# event loop"). The same fixtures, scoped to each module, stop Playwright when its tests are done.


@pytest.hookimpl(trylast=True)  # after pytest's own ordering, which moves browser tests to the session's end
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each module's browser tests after its other tests: Playwright then starts once a module's asyncio tests are
    done, also on several workers (`pytest -n 2 --dist loadfile` gives each worker whole modules, in order)."""
    modules: dict[str, int] = {}
    for item in items:
        modules.setdefault(item.nodeid.partition("::")[0], len(modules))

    def place(indexed: tuple[int, pytest.Item]) -> tuple[int, bool, int]:
        index, item = indexed
        uses_browser = "playwright" in getattr(item, "fixturenames", ())
        return modules[item.nodeid.partition("::")[0]], uses_browser, index

    items[:] = [item for _, item in sorted(enumerate(items), key=place)]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as found:
        yield found


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    found: BrowserType = getattr(playwright, browser_name)
    return found


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict[str, Any], browser_type: BrowserType) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="module")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    found = launch_browser()
    yield found
    found.close()

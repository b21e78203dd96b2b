"""The settings of several workers and of the websockets: CONTEST_REDIS_PREFIX, CONTEST_WS_PING_INTERVAL and
CONTEST_WS_PING_TIMEOUT, and `contest serve --help` naming them."""

from __future__ import annotations

import pytest

from contest.settings import Settings
from tests.conftest import run_cli


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.redis_prefix, settings.ws_ping_interval, settings.ws_ping_timeout) == ("contest:", 20.0, 20.0)


def test_from_the_environment() -> None:
    env = {"CONTEST_REDIS_PREFIX": "venue-b:", "CONTEST_WS_PING_INTERVAL": "5.5", "CONTEST_WS_PING_TIMEOUT": "0"}
    settings = Settings.from_env(env)
    assert (settings.redis_prefix, settings.ws_ping_interval, settings.ws_ping_timeout) == ("venue-b:", 5.5, None)
    assert Settings.from_env({"CONTEST_WS_PING_INTERVAL": "off"}).ws_ping_interval is None
    assert Settings.from_env(env, ws_ping_interval=30.0).ws_ping_interval == 30.0  # a flag wins


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_bad_duration_is_named(raw: str) -> None:
    with pytest.raises(ValueError, match="CONTEST_WS_PING_TIMEOUT"):
        Settings.from_env({"CONTEST_WS_PING_TIMEOUT": raw})


def test_serve_help_names_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "serve", "--help")
    assert code == 0
    for name in ("--ws-ping-interval", "--ws-ping-timeout", "CONTEST_WS_PING_INTERVAL", "CONTEST_REDIS_PREFIX"):
        assert name in out, name
    code, _, err = run_cli(capsys, "serve", "--ws-ping-timeout", "-2")
    assert code == 2 and "--ws-ping-timeout" in err

"""Settings: one frozen object, from `CONTEST_*` environment variables and command-line flags."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DB = "sqlite:///contest.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB
    redis_url: str | None = None
    redis_prefix: str = "contest:"  # names of the Redis channels: several installations can share one Redis
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    public_url: str | None = None  # what QR codes point at, e.g. http://192.168.1.20:8000
    secret_key: str | None = field(default=None, repr=False)  # signs session cookies; None: the database keeps one
    max_upload_bytes: int = 5 * 1024 * 1024
    max_json_bytes: int = 256 * 1024
    language: str = "zh_CN"
    ws_ping_interval: float | None = 20.0  # seconds between heartbeats on each websocket; None: no heartbeats
    ws_ping_timeout: float | None = 20.0  # a socket whose answer takes longer is closed as dead; None: never
    session_hours: float = 16.0  # a device signed in from a QR link stays signed in this long (one venue day)
    asset_version: str = ""  # a deploy label in the judge page's offline-app version: a new one replaces the worker
    # connection limits (contest/web/limits.py; README "Limits"); each worker applies them to its own connections
    header_timeout: float | None = 10.0  # a connection must send a request's headers within this; None: never
    keep_alive_timeout: float = 5.0  # an idle keep-alive connection is closed after this many seconds
    max_connections: int | None = None  # connections + requests a worker serves at once (503 beyond); None: auto
    max_connections_per_ip: int = 100  # open connections from one device (address) a worker keeps; 0: no cap
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks whose X-Forwarded-For is believed; (): nobody

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "CONTEST_DATABASE_URL" in env:
            values["database_url"] = env["CONTEST_DATABASE_URL"]
        if "CONTEST_REDIS_URL" in env:
            values["redis_url"] = env["CONTEST_REDIS_URL"] or None
        if env.get("CONTEST_REDIS_PREFIX"):
            values["redis_prefix"] = env["CONTEST_REDIS_PREFIX"]
        if "CONTEST_HOST" in env:
            values["host"] = env["CONTEST_HOST"]
        for name in ("port", "workers", "max_upload_bytes", "max_json_bytes"):
            raw = env.get(f"CONTEST_{name.upper()}")
            if raw:
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ValueError(f"CONTEST_{name.upper()}: expected a whole number, got {raw!r}") from None
        for name in ("ws_ping_interval", "ws_ping_timeout"):
            raw = env.get(f"CONTEST_{name.upper()}")
            if raw:
                values[name] = seconds(f"CONTEST_{name.upper()}", raw)
        if env.get("CONTEST_ASSET_VERSION"):
            values["asset_version"] = env["CONTEST_ASSET_VERSION"]
        if env.get("CONTEST_SESSION_HOURS"):
            values["session_hours"] = hours("CONTEST_SESSION_HOURS", env["CONTEST_SESSION_HOURS"])
        values.update(limit_values(env))
        if env.get("CONTEST_PUBLIC_URL"):
            values["public_url"] = env["CONTEST_PUBLIC_URL"].rstrip("/")
        if env.get("CONTEST_SECRET_KEY"):
            values["secret_key"] = env["CONTEST_SECRET_KEY"]
        if env.get("CONTEST_LANGUAGE"):
            values["language"] = env["CONTEST_LANGUAGE"]
        settings = replace(cls(), **values)  # type: ignore[arg-type]
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **given) if given else settings  # type: ignore[arg-type]

    @property
    def base_url(self) -> str:
        """Where people reach the server: CONTEST_PUBLIC_URL, else this machine's address when listening on all."""
        if self.public_url:
            return self.public_url
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = lan_address() or "127.0.0.1"
        return f"http://{host}:{self.port}"


def hours(name: str, raw: str) -> float:
    """A positive number of hours (fractions allowed), at most a year."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 24 * 366:
        raise ValueError(f"{name}: expected a number of hours above 0 (at most 8784), got {raw!r}")
    return value


def limit_values(env: Mapping[str, str]) -> dict[str, object]:
    """The connection limits' settings: CONTEST_HEADER_TIMEOUT, CONTEST_KEEP_ALIVE_TIMEOUT (seconds, 0: off / close
    at once), CONTEST_MAX_CONNECTIONS ("auto", or a number; 0: no limit), CONTEST_MAX_CONNECTIONS_PER_IP (0: no
    cap) and CONTEST_TRUSTED_PROXIES (comma-separated addresses or networks such as 10.0.0.0/8)."""
    values: dict[str, object] = {}
    if env.get("CONTEST_HEADER_TIMEOUT"):
        values["header_timeout"] = seconds("CONTEST_HEADER_TIMEOUT", env["CONTEST_HEADER_TIMEOUT"])
    if env.get("CONTEST_KEEP_ALIVE_TIMEOUT"):
        values["keep_alive_timeout"] = seconds("CONTEST_KEEP_ALIVE_TIMEOUT", env["CONTEST_KEEP_ALIVE_TIMEOUT"]) or 0.0
    raw = env.get("CONTEST_MAX_CONNECTIONS", "").strip()
    if raw and raw.lower() != "auto":
        values["max_connections"] = whole("CONTEST_MAX_CONNECTIONS", raw)
    raw = env.get("CONTEST_MAX_CONNECTIONS_PER_IP", "")
    if raw:
        values["max_connections_per_ip"] = whole("CONTEST_MAX_CONNECTIONS_PER_IP", raw)
    if "CONTEST_TRUSTED_PROXIES" in env:
        values["trusted_proxies"] = networks("CONTEST_TRUSTED_PROXIES", env["CONTEST_TRUSTED_PROXIES"])
    return values


def whole(name: str, raw: str) -> int:
    """A whole number, 0 or more."""
    if not raw.strip().isascii() or not raw.strip().isdigit():
        raise ValueError(f"{name}: expected a whole number (0 for no limit), got {raw!r}")
    return int(raw)


def networks(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (192.168.1.10, 10.0.0.0/8, ::1), each checked; "" for none."""
    found = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{name}: {item!r} is not an IP address or network (such as 10.0.0.0/8)") from None
    return tuple(found)


def seconds(name: str, raw: str) -> float | None:
    """A duration in seconds; 0 (or "off") turns the thing off: None."""
    if raw.strip().lower() == "off":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected seconds (a number, 0 for off), got {raw!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"{name}: expected seconds (a number, 0 for off), got {raw!r}")
    return value or None


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL (None for other databases or in-memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])


def lan_address() -> str | None:
    """This machine's address on its network, for QR codes when listening on all interfaces; None if only
    loopback is found. Connecting a UDP socket picks the outgoing interface without sending anything."""
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached, only routed
            candidates.append(probe.getsockname()[0])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.extend(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    return next((str(a) for a in candidates if not str(a).startswith("127.")), None)

"""Forwarded client addresses (issue 11, point 6): `X-Forwarded-For` is believed only from CONTEST_TRUSTED_PROXIES.

Behind a trusted reverse proxy the marks' audit records the device (the last address the proxies did not add
themselves), and the per-address cap counts that device's requests and sockets, not the proxy's. From anyone else
the header is ignored: the old server (uvicorn's default) believed it from any process on 127.0.0.1, so a client
there could write any address into the audit.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from contest.settings import Settings
from tests.server.conftest import bearer
from tests.server.test_flood import Venue, closed_by_server, from_address, start

SQLITE = pytest.mark.parametrize("db_kind", ["sqlite"])  # addresses, not storage

DEVICE = "203.0.113.9"  # documentation addresses (RFC 5737): a phone behind the proxy
OTHER_DEVICE = "203.0.113.10"
SPOOFED = "198.51.100.66"


def audited_ips(venue: Venue) -> list[str]:
    response = httpx.get(f"{venue.server.url}{venue.url('/history')}", headers=bearer(venue.organizer))
    assert response.status_code == 200, response.text
    marks: list[dict[str, Any]] = response.json()["marks"]
    return [m["ip"] for m in marks]


@SQLITE
def test_without_trusted_proxies_x_forwarded_for_is_ignored(db_url: str, tmp_path: Path) -> None:
    venue = Venue(start(db_url, tmp_path), db_url)
    try:
        venue.mark("J1", {"x-forwarded-for": DEVICE})
        assert audited_ips(venue) == ["127.0.0.1"]
    finally:
        venue.server.stop()


@SQLITE
def test_behind_trusted_proxies_the_audit_records_the_device(db_url: str, tmp_path: Path) -> None:
    venue = Venue(start(db_url, tmp_path, "--trusted-proxies", "127.0.0.1, 10.0.0.0/8"), db_url)
    try:
        venue.mark("J1", {"x-forwarded-for": DEVICE})  # one proxy on this machine
        venue.mark("J1", {"x-forwarded-for": f"{SPOOFED}, {DEVICE}"})  # the device sent a made-up header itself
        venue.mark("J1", {"x-forwarded-for": f"{DEVICE}, 10.1.2.3"})  # two proxies: the first one's address is ours
        venue.mark("J1", {"x-forwarded-for": "not-an-address"})  # nothing usable: the proxy stays the client
        assert audited_ips(venue) == [DEVICE, DEVICE, DEVICE, "127.0.0.1"]
    finally:
        venue.server.stop()


@SQLITE
def test_the_per_address_cap_counts_the_device_behind_a_trusted_proxy(db_url: str, tmp_path: Path) -> None:
    proxy = "127.0.0.2"  # a reverse proxy on another machine: its own connections are not capped
    server = start(db_url, tmp_path, "--trusted-proxies", proxy, "--max-connections-per-ip", "2")
    venue = Venue(server, db_url)
    held: list[socket.socket] = []
    try:
        held = [from_address(proxy, server.port) for _ in range(5)]
        assert not any(closed_by_server(sock, wait=0.3) for sock in held)  # the proxy: 5 connections, cap 2

        url = f"ws://127.0.0.1:{server.port}/ws/contests/{venue.slug}/standings?round=prelim"
        through_proxy = {"X-Forwarded-For": DEVICE}
        with contextlib.ExitStack() as stack:
            for _ in range(2):  # two screens on one phone, through the proxy
                screen = stack.enter_context(connect(url, source_address=(proxy, 0), additional_headers=through_proxy))
                assert '"snapshot"' in str(screen.recv(timeout=5))
            with httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=proxy)) as client:
                refused = client.get("/healthz", headers={"x-forwarded-for": DEVICE, "accept-language": "zh-CN"})
                assert refused.status_code == 503, refused.text
                error = refused.json()["error"]
                assert error["code"] == "unavailable" and DEVICE in error["message"], error
                assert "连接" in error["message"], error  # in the page's language
                assert refused.headers["retry-after"]
                other = client.get("/healthz", headers={"x-forwarded-for": OTHER_DEVICE})
                assert other.status_code == 200, other.text
        with httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=proxy)) as client:
            again = client.get("/healthz", headers={"x-forwarded-for": DEVICE})  # the screens closed: served again
            assert again.status_code == 200, again.text
    finally:
        for sock in held:
            sock.close()
        server.stop()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ()),
        ("127.0.0.1", ("127.0.0.1/32",)),
        (" 10.0.0.0/8 , ::1,", ("10.0.0.0/8", "::1/128")),
        ("172.30.250.7/24", ("172.30.250.0/24",)),
    ],
)
def test_trusted_proxies_are_addresses_or_networks(raw: str, expected: tuple[str, ...]) -> None:
    assert Settings.from_env({"CONTEST_TRUSTED_PROXIES": raw}).trusted_proxies == expected
    assert Settings.from_env({}).trusted_proxies == ()  # nobody unless configured


@pytest.mark.parametrize("raw", ["proxy.local", "10.0.0.0/33", "*"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused_naming_the_setting(raw: str) -> None:
    with pytest.raises(ValueError, match="CONTEST_TRUSTED_PROXIES"):
        Settings.from_env({"CONTEST_TRUSTED_PROXIES": raw})

"""A score the server acknowledged is never lost, not even when the process is killed the next instant.

`contest serve` runs as a process; judges and a recorder post marks over HTTP; the instant the 60th
acknowledgement arrives the process gets SIGKILL (other submissions still in flight). Restarted on the same
database, it shows every acknowledged mark, with the version it was acknowledged with, in the history and on the
board; replays of them are still recognised.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerProcess, bearer, client_id, contest_toml, setup_contest

pytestmark = pytest.mark.asyncio

KILL_AFTER = 60


def cli_token(db_url: str, role: str, cwd: Path) -> str:
    """`contest token --role ROLE --db URL`: the token alone on the last line of its output."""
    done = subprocess.run(
        [sys.executable, "-m", "contest", "token", "--role", role, "--db", db_url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].strip() and " " not in lines[-1].strip()
    return lines[-1].strip()


def plan(who: str) -> list[dict[str, Any]]:
    """What one sender would submit: every entrant, round and item it may mark."""
    out = []
    for round_key in ("prelim", "final"):
        if (who, round_key) in (("J3", "final"), ("CJ", "prelim")):
            continue  # not on that round's panel
        for item in (1, 2, 3):
            for n, entrant in enumerate(("E1", "E2", "E3", "E4")):
                if who == "recorder":
                    values = {"dd": str(1 + (n + item) % 30 / 10)}
                else:
                    values = {"execution": str((n * 3 + item + len(who)) % 21 / 2)}
                out.append(
                    {"entrant": entrant, "round": round_key, "item": item, "values": values, "client_id": client_id()}
                )
    return out


async def test_acknowledged_marks_survive_sigkill(
    start_server: Callable[[str], ServerProcess], db_url: str, tmp_path: Path
) -> None:
    organizer = cli_token(db_url, "organizer", tmp_path)
    recorder = cli_token(db_url, "recorder", tmp_path)
    server = start_server(db_url)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        slug = "durable"
        judges = await setup_contest(client, organizer, slug, toml=contest_toml(slug))
    senders = {**judges, "recorder": recorder}

    acked: dict[str, tuple[int, str, dict[str, Any]]] = {}  # client_id -> (version, sender, body)
    killed = asyncio.Event()

    async def send(who: str, token: str) -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(token), timeout=30) as client:
            for body in plan(who):
                if killed.is_set():
                    return
                try:
                    answer = await client.post(f"/api/contests/{slug}/marks", json=body)
                except httpx.TransportError:
                    return  # the server is gone: this one was never acknowledged
                assert answer.status_code == 201, answer.text
                acked[body["client_id"]] = (answer.json()["version"], who, body)
                if len(acked) == KILL_AFTER and not killed.is_set():
                    os.kill(server.pid, signal.SIGKILL)  # right after this acknowledgement, nothing in between
                    killed.set()

    await asyncio.gather(*(send(who, token) for who, token in senders.items()))
    assert killed.is_set() and len(acked) >= KILL_AFTER
    server.kill()  # reap it
    assert server.proc is None

    server.start()
    async with httpx.AsyncClient(base_url=server.url, headers=bearer(organizer), timeout=30) as client:
        history = (await client.get(f"/api/contests/{slug}/history")).json()["marks"]
        by_client = Counter(m["client_id"] for m in history)
        missing = [cid for cid in acked if by_client[cid] == 0]
        assert missing == [], f"{len(missing)} acknowledged submissions lost"
        assert all(n == 1 for n in by_client.values())
        for mark in history:
            if mark["client_id"] in acked:
                version, _, body = acked[mark["client_id"]]
                assert mark["version"] == version
                assert (mark["entrant"], mark["round"], mark["item"]) == (body["entrant"], body["round"], body["item"])
                assert {mark["criterion"]: mark["new"]} == body["values"]
        top = max(version for version, _, _ in acked.values())
        for round_key in ("prelim", "final"):
            board = (await client.get(f"/api/contests/{slug}/standings", params={"round": round_key})).json()
            assert board["version"] >= top
            marked = {body["entrant"] for _, _, body in acked.values() if body["round"] == round_key}
            assert marked <= {row["entrant"] for row in board["rows"]}, "the board lost entrants"

        # the tablets retry what they sent: every acknowledged submission is recognised as a replay
        for version, who, body in acked.values():
            again = await client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(senders[who]))
            assert again.status_code == 200, again.text
            assert again.json()["version"] == version
        after = (await client.get(f"/api/contests/{slug}/history")).json()["marks"]
        assert after == history

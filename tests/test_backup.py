"""`contest backup` (issue 11, point 6): a copy of the database taken while a real server takes marks holds every
mark acknowledged before the backup began, passes SQLite's integrity check, is one file, and a server started on it
(the restore the README describes) shows those marks and `contest verify` agrees with it. Bad requests change
nothing: an existing file is not overwritten, the database is never its own backup, a missing database is not
created. PostgreSQL goes through pg_dump, and pg_restore brings the marks back."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL, run_cli
from tests.server.conftest import (
    ServerProcess,
    bearer,
    client_id,
    make_token,
    new_slug,
    setup_contest,
)
from tests.server.conftest import start_server as _start_server

start_server = _start_server  # the fixture: a real `contest serve` process

JUDGES = ("J1", "J2", "J3")


async def mark_until(
    client: httpx.AsyncClient,
    slug: str,
    token: str,
    judge: str,
    stop: asyncio.Event,
    slow: asyncio.Event,
    acked: dict[str, float],
) -> None:
    """One judge scoring (and correcting) as fast as the server acknowledges, then, once `slow` is set, ten marks
    a second (too few for SQLite to move its WAL into the database file: the newest marks live in the WAL only,
    which a plain file copy would miss): client_id -> when it was acknowledged."""
    n = 0
    while not stop.is_set():
        if slow.is_set():
            await asyncio.sleep(0.1)
        entrant, item = f"E{n % 4 + 1}", n // 4 % 3 + 1
        body = {
            "entrant": entrant,
            "round": "prelim",
            "item": item,
            "values": {"execution": str(n % 21 / 2)},
            "client_id": client_id(),
            "reason": f"{judge} pass {n // 12}",
        }
        response = await client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(token))
        assert response.status_code in (200, 201), response.text
        acked[body["client_id"]] = time.monotonic()
        n += 1


def stored_client_ids(path: Path) -> set[str]:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT client_id FROM submissions")}


@pytest.mark.asyncio
async def test_a_backup_of_a_server_taking_marks_holds_every_acknowledged_mark_and_restores(
    tmp_path: Path, start_server: Callable[..., ServerProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    organizer = make_token(url, "organizer")
    server = start_server(url)
    slug = new_slug("backup")
    acked: dict[str, float] = {}
    out = tmp_path / "copies" / "venue-backup.db"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        tokens = await setup_contest(client, organizer, slug)
        stop, slow = asyncio.Event(), asyncio.Event()
        judges = [asyncio.create_task(mark_until(client, slug, tokens[j], j, stop, slow, acked)) for j in JUDGES]
        await asyncio.sleep(1.0)
        slow.set()
        began = time.monotonic()
        copying = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "contest", "backup", "--db", url, "-o", str(out),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        said, complaint = await copying.communicate()
        ended = time.monotonic()
        await asyncio.sleep(0.6)  # judges go on scoring after the copy
        stop.set()
        await asyncio.gather(*judges)

    assert copying.returncode == 0, complaint.decode()
    before = {cid for cid, at in acked.items() if at < began}
    after = {cid for cid, at in acked.items() if at > ended + 0.1}  # (an answer read late may be older)
    assert len(before) >= 20 and after, (len(before), len(after))
    copied = stored_client_ids(out)
    assert before <= copied, f"{len(before - copied)} acknowledged marks missing from the backup"
    assert copied <= set(acked), "the backup holds marks nobody sent"
    assert not after & copied, "marks acknowledged after the backup ended cannot be in it"
    assert "integrity check ok" in said.decode(), said.decode()
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in out.parent.iterdir()) == ["venue-backup.db"]  # one file, nothing half-written

    # the restore: a server on a copy of the backup shows exactly the copied marks, and verify agrees with it
    restored = tmp_path / "restored.db"
    shutil.copyfile(out, restored)
    again = start_server(f"sqlite:///{restored}")
    history = httpx.get(f"{again.url}/api/contests/{slug}/history", headers=bearer(organizer), timeout=30)
    assert history.status_code == 200, history.text
    assert {m["client_id"] for m in history.json()["marks"]} == copied
    verify = subprocess.run(
        [sys.executable, "-m", "contest", "verify", slug, "--db", f"sqlite:///{restored}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_backup_never_overwrites_a_file_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    make_token(url, "organizer")  # a migrated database
    kept = tmp_path / "b.db"
    kept.write_bytes(b"yesterday's backup")

    code, _, err = run_cli(capsys, "backup", "--db", url, "-o", kept)
    assert code == 2 and "b.db: already exists" in err and "--force" in err, err
    assert kept.read_bytes() == b"yesterday's backup"

    code, out, err = run_cli(capsys, "backup", "--db", url, "-o", kept, "--force")
    assert code == 0, err
    assert "0 contests, 0 marks, integrity check ok" in out, out
    with sqlite3.connect(kept) as db:
        assert db.execute("SELECT count(*) FROM tokens").fetchone() == (1,)


def test_the_database_is_never_its_own_backup_and_a_missing_one_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "venue.db"
    make_token(f"sqlite:///{db}", "organizer")
    before = db.read_bytes()
    code, _, err = run_cli(capsys, "backup", "--db", f"sqlite:///{db}", "-o", db, "--force")
    assert code == 2 and "is the database itself" in err, err
    assert db.read_bytes() == before

    missing = tmp_path / "typo.db"
    code, _, err = run_cli(capsys, "backup", "--db", f"sqlite:///{missing}", "-o", tmp_path / "out.db")
    assert code == 2 and "typo.db: no such database file" in err, err
    assert not missing.exists() and not (tmp_path / "out.db").exists()
    assert "Traceback" not in err


def test_a_backup_speaks_chinese_to_a_chinese_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    make_token(url, "organizer")
    code, out, err = run_cli(capsys, "backup", "--db", url, "-o", tmp_path / "b.db")
    assert code == 0, err
    assert "0 个比赛，0 条评分，完整性检查通过" in out, out


@pytest.mark.asyncio
async def test_a_postgresql_backup_is_a_pg_dump_that_pg_restore_brings_back(
    tmp_path: Path, pg_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    organizer = make_token(pg_url, "organizer")
    server = start_server(pg_url)
    slug = new_slug("pgbackup")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        tokens = await setup_contest(client, organizer, slug)
        sent = set()
        for entrant in ("E1", "E2", "E3"):
            body = {"entrant": entrant, "round": "prelim", "values": {"execution": "8.5"}, "client_id": client_id()}
            response = await client.post(f"/api/contests/{slug}/marks", json=body, headers=bearer(tokens["J1"]))
            assert response.status_code == 201, response.text
            sent.add(body["client_id"])

    dump = tmp_path / "contest.dump"
    done = subprocess.run(
        [sys.executable, "-m", "contest", "backup", "--db", pg_url, "-o", str(dump)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    fresh = pg_url.rsplit("/", 1)[0] + f"/restored_{slug.replace('-', '_')}"
    name = fresh.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restore = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={fresh}", str(dump)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert restore.returncode == 0, restore.stderr
        with psycopg.connect(fresh) as db:
            restored = {row[0] for row in db.execute("SELECT client_id FROM submissions")}
        assert restored == sent
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

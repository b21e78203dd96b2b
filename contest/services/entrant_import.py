"""Importing an entrant list from an organizer's upload, in two steps: a plan (every row checked against the file
and the contest, nothing saved), then the import itself, which checks everything again in the transaction that
saves it: all rows or none.

Between the two steps the upload waits in a stash on the server's disk, under a random id, for an hour; the
confirm form carries only that id. (Several workers on one host share the stash; on several hosts, the organizer
uploads again when the confirm lands on another host.)
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark
from contest.imports import MAX_PROBLEMS, EntrantPreview, TableError, preview_entrants
from contest.scoring import Entrant
from contest.scoring.messages import Message
from contest.services.contests import get_contest, replace_entrants

MODES = ("add", "replace")
MAX_UPLOAD = 5 * 1024 * 1024  # bytes: 100,000 entrants as CSV fit in less
STASH_SECONDS = 3600
STASH_ID = re.compile(r"[A-Za-z0-9_-]{20,40}")


@dataclass(frozen=True)
class Plan:
    """What confirming would do: the file's rows checked, and the changes to the contest's list."""

    preview: EntrantPreview
    mode: str
    existing: int  # entrants in the contest now
    added: list[str]
    updated: list[str]
    removed: list[str]
    blocked: list[str]  # entrants a replace would remove although they have marks: it is refused

    @property
    def ok(self) -> bool:
        return not self.preview.problems and not self.blocked and bool(self.preview.rows)


def _plan(session: Session, slug: str, name: str, data: bytes, mode: str) -> Plan:
    if mode not in MODES:
        raise TableError(Message("expected a mode: {choices}", choices=", ".join(MODES)))
    contest = get_contest(session, slug)
    current = {e.code: e for e in queries.entrants_of(session, contest.id)}
    preview = preview_entrants(name, data, current if mode == "add" else ())
    codes = [r.cells["code"] for r in preview.rows if not r.problems]
    added = [c for c in codes if c not in current]
    updated = [c for c in codes if c in current]
    removed = [c for c in current if c not in set(codes)] if mode == "replace" else []
    blocked: list[str] = []
    if removed:
        blocked = sorted(
            set(
                session.scalars(
                    select(Mark.entrant).where(Mark.contest_id == contest.id, Mark.entrant.in_(removed)).distinct()
                )
            )
        )
    return Plan(preview, mode, len(current), added, updated, removed, blocked)


def plan_import(db: sessionmaker[Session], slug: str, name: str, data: bytes, mode: str) -> Plan:
    """Check the upload against the file's rules and the contest as it is now; nothing is saved. TableError when
    the file cannot be read as a whole (type, encoding, missing columns)."""
    with db() as session:
        return _plan(session, slug, name, data, mode)


def apply_import(db: sessionmaker[Session], slug: str, name: str, data: bytes, mode: str) -> Plan:
    """Save the upload's entrants (added to the list, or replacing it), after checking it all again in the same
    transaction; TableError with every problem (and nothing saved) when anything is wrong now."""
    with db.begin() as session:
        plan = _plan(session, slug, name, data, mode)
        problems = plan.preview.problems
        if problems:
            title = Message("{file}: {count} bad rows", file=name, count=len(problems))
            raise TableError(problems[:MAX_PROBLEMS], title=title)
        if plan.blocked:
            raise TableError(
                Message(
                    "entrants {codes} have marks and cannot be removed from the list; add to the list instead",
                    codes=", ".join(plan.blocked[:20]),
                )
            )
        if not plan.preview.rows:
            raise TableError(Message("{file}: no entrants in the file", file=name))
        new = plan.preview.entrants()
        if mode == "add":
            contest = get_contest(session, slug)
            kept = [
                Entrant(e.code, e.name, e.organization, e.group, dict(e.attributes or {}))
                for e in queries.entrants_of(session, contest.id)
            ]
            new = kept + new
        replace_entrants(session, slug, new)
        return plan


# -- the stash between preview and confirm -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stashed:
    slug: str
    name: str
    mode: str
    data: bytes


def stash_dir() -> Path:
    return Path(tempfile.gettempdir()) / "contest-uploads"


def stash(slug: str, name: str, mode: str, data: bytes) -> str:
    """Keep an upload until it is confirmed (or for an hour); the id to confirm it with."""
    folder = stash_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(folder)
    key = secrets.token_urlsafe(24)
    (folder / f"{key}.bin").write_bytes(data)
    (folder / f"{key}.json").write_text(json.dumps({"slug": slug, "name": name, "mode": mode}), encoding="utf-8")
    return key


def unstash(key: str, slug: str) -> Stashed | None:
    """The upload kept under `key` for contest `slug`, or None (unknown, expired, or another contest's)."""
    if not STASH_ID.fullmatch(key):
        return None
    folder = stash_dir()
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if time.time() - (folder / f"{key}.bin").stat().st_mtime > STASH_SECONDS:
            return None
        data = (folder / f"{key}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("slug") != slug:
        return None
    return Stashed(slug, str(meta.get("name", "")), str(meta.get("mode", "")), data)


def drop(key: str) -> None:
    if STASH_ID.fullmatch(key):
        for suffix in (".bin", ".json"):
            (stash_dir() / f"{key}{suffix}").unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    """Forget uploads older than an hour."""
    limit = time.time() - STASH_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def listing(db: sessionmaker[Session], slug: str, shown: int) -> dict[str, Any]:
    """The console's entrant list: how many there are, and the first `shown` of them."""
    with db() as session:
        contest = get_contest(session, slug)
        rows = queries.entrants_of(session, contest.id)
        first = [
            {"code": e.code, "name": e.name, "organization": e.organization, "group": e.group} for e in rows[:shown]
        ]
        return {"slug": contest.slug, "title": contest.title, "count": len(rows), "entrants": first}

"""The audit trail: every version of every mark (who, when, from which device, old and new value, why) and every
round event (lock, unlock, board, reveal). The history API (JSON, CSV) and the console's audit page read it here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark, Submission
from contest.services import rounds
from contest.services.contests import definition_of, get_contest
from contest.services.errors import Invalid, Message
from contest.services.principals import Principal, require

PAGE_SIZE = 100
MAX_FILTER = 64


def version_row(mark: Mark, submission: Submission, at: str) -> dict[str, object]:
    """One stored version of a mark as the history shows it (API, CSV, the console's audit): `at` is the
    submission's time, written as the caller's format wants it."""
    return {
        "version": mark.seq,
        "at": at,
        "entrant": mark.entrant,
        "round": mark.round,
        "item": mark.item,
        "criterion": mark.criterion,
        "judge": mark.judge,
        "old": mark.previous,
        "new": mark.value,
        "by": submission.role,
        "by_judge": submission.judge,
        "reason": submission.reason,
        "ip": submission.ip,
        "device": submission.device,
    }


def history(db: sessionmaker[Session], principal: Principal, slug: str) -> dict[str, list[dict[str, Any]]]:
    """Everything, oldest first: `marks` (each version, with the submission's client id) and `rounds` (events)."""
    require(principal, "organizer")
    with db() as session:
        contest = get_contest(session, slug)
        versions = [
            {**version_row(m, s, s.created_at.isoformat(timespec="seconds") + "Z"), "client_id": s.client_id}
            for m, s in queries.history(session, contest.id)
        ]
        return {"marks": versions, "rounds": rounds.events(session, contest.id)}


@dataclass(frozen=True)
class AuditFilter:
    round: str = ""
    judge: str = ""
    entrant: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> AuditFilter:
        """The audit's query (round, judge, entrant, from, to as YYYY-MM-DD or YYYY-MM-DDTHH:MM, page), or
        Invalid naming the field."""
        texts = {}
        for name in ("round", "judge", "entrant"):
            value = params.get(name, "").strip()
            if len(value) > MAX_FILTER:
                raise Invalid(Message("at most {most} characters", most=MAX_FILTER), name)
            texts[name] = value
        since = _moment(params.get("from", ""), "from")
        until = _moment(params.get("to", ""), "to", end=True)
        if since is not None and until is not None and since > until:
            raise Invalid(Message("the start of the time range is after its end"), "from")
        raw_page = params.get("page", "") or "1"
        if not raw_page.isascii() or not raw_page.isdigit() or not 1 <= int(raw_page) <= 1_000_000:
            raise Invalid(Message("expected a page number from 1, got {raw!r}", raw=raw_page[:20]), "page")
        return cls(texts["round"], texts["judge"], texts["entrant"], since, until, int(raw_page))

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for the next page's link and the CSV download)."""
        found = {"round": self.round, "judge": self.judge, "entrant": self.entrant}
        if self.since is not None:
            found["from"] = self.since.isoformat(timespec="minutes")
        if self.until is not None:
            found["to"] = self.until.isoformat(timespec="minutes")
        return {k: v for k, v in found.items() if v}


def _moment(raw: str, name: str, *, end: bool = False) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    for pattern, length in (("%Y-%m-%dT%H:%M", 16), ("%Y-%m-%d %H:%M", 16), ("%Y-%m-%d", 10)):
        try:
            if len(raw) == length:
                moment = datetime.strptime(raw, pattern)
                return moment + timedelta(days=1) - timedelta(microseconds=1) if end and length == 10 else moment
        except ValueError:
            continue
    raise Invalid(Message("expected a date such as 2026-05-01 or 2026-05-01T09:30, got {raw!r}", raw=raw[:40]), name)


@dataclass
class AuditPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    rounds: list[str] = field(default_factory=list)
    judges: list[str] = field(default_factory=list)


def audit(db: sessionmaker[Session], principal: Principal, slug: str, wanted: AuditFilter) -> AuditPage:
    """One page of mark versions (newest first) matching `wanted`: who (role, judge), when, address, device,
    reason, the value before and after."""
    require(principal, "organizer")
    with db() as session:
        contest = get_contest(session, slug)
        conditions = [Mark.contest_id == contest.id]
        if wanted.round:
            conditions.append(Mark.round == wanted.round)
        if wanted.judge:
            conditions.append(Mark.judge == wanted.judge)
        if wanted.entrant:
            conditions.append(Mark.entrant == wanted.entrant)
        if wanted.since is not None:
            conditions.append(Submission.created_at >= wanted.since)
        if wanted.until is not None:
            conditions.append(Submission.created_at <= wanted.until)
        joined = select(Mark, Submission).join(Submission, Mark.submission_id == Submission.id).where(*conditions)
        total = int(session.scalar(select(func.count()).select_from(joined.subquery())) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(wanted.page, pages)
        query = joined.order_by(Mark.seq.desc(), Mark.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        rows = [
            version_row(m, s, s.created_at.isoformat(sep=" ", timespec="seconds"))
            for m, s in session.execute(query).all()
        ]
        rounds = [r.key for r in definition_of(contest).rounds]
        judges = [j.code for j in queries.judges_of(session, contest.id)]
    return AuditPage(rows, total, page, pages, rounds, judges)

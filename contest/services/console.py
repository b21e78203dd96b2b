"""Use cases of the organizer console (/admin): an organizer's signed-in session, the event dashboard (every
contest, its rounds, their states and progress) and the audit of every version of every mark, filtered and paged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark, Submission
from contest.live.boards import BoardRegistry
from contest.scoring import ContestError
from contest.services import marks, reviewing
from contest.services.contests import definition_of, get_contest
from contest.services.credentials import Started, open_session
from contest.services.errors import Invalid, Message, ServiceError
from contest.services.principals import Principal, authenticate, require

PAGE_SIZE = 100
MAX_FILTER = 64


def start_organizer_session(
    db: sessionmaker[Session], token: str, *, hours: float, ip: str = "", device: str = ""
) -> Started | None:
    """Sign a browser in with an organizer's token: a login session like a judge's device (the cookie carries its
    id only); None when the token is not a valid organizer token."""
    with db.begin() as session:
        principal = authenticate(session, token)
        if principal is None or not principal.is_organizer or principal.token_id is None:
            return None
        return open_session(session, principal, None, hours=hours, ip=ip, device=device)


# -- the dashboard ----------------------------------------------------------------------------------------------


def dashboard(db: sessionmaker[Session], boards: BoardRegistry, principal: Principal) -> list[dict[str, Any]]:
    """Every contest with its rounds: status, board, and marks in / expected (a round of entered values counts its
    entrants with every value in)."""
    require(principal, "organizer")
    with db() as session:
        contests = [(c.slug, c.title, c.seq) for c in queries.contests(session)]
    found = []
    for slug, title, seq in contests:
        found.append({"slug": slug, "title": title, "version": seq, "rounds": rounds_of(db, boards, principal, slug)})
    return found


def rounds_of(
    db: sessionmaker[Session], boards: BoardRegistry, principal: Principal, slug: str
) -> list[dict[str, Any]]:
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        states = queries.round_states(session, contest.id)
    rounds = []
    for rnd in definition.rounds:
        state = states.get(rnd.key)
        done, expected = _progress(db, boards, principal, slug, rnd.key)
        rounds.append(
            {
                "key": rnd.key,
                "label": rnd.label,
                "status": state.status if state else "open",
                "board": state.board if state else "live",
                "done": done,
                "expected": expected,
                "percent": round(100 * done / expected) if expected else 0,
            }
        )
    return rounds


def _progress(
    db: sessionmaker[Session], boards: BoardRegistry, principal: Principal, slug: str, key: str
) -> tuple[int, int]:
    try:
        found = reviewing.progress(db, boards, principal, key, slug)
    except (ServiceError, ContestError):  # a round that cannot be shown yet (nobody advanced): nothing in
        return 0, 0
    summary = found["summary"]
    if found["mode"] == "entered":
        return summary["entrants"] - summary["lacking"], summary["entrants"]
    return int(summary["marks"]), int(summary["marks_expected"])


# -- the audit --------------------------------------------------------------------------------------------------


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
            marks.version_row(m, s, s.created_at.isoformat(sep=" ", timespec="seconds"))
            for m, s in session.execute(query).all()
        ]
        rounds = [r.key for r in definition_of(contest).rounds]
        judges = [j.code for j in queries.judges_of(session, contest.id)]
    return AuditPage(rows, total, page, pages, rounds, judges)

"""The 公示 (the published award list): publishing it, and reading it back for the public page and the PDF.

An organizer publishes it once the final round is locked: the award winners of the final standing as they are at
that version (rank, code, name, organization, group, total, award) are kept with the publication date, the
objection period (公示期, working days: Monday to Friday; public holidays are not known here, so give more days
around them) and the issuing body. The public page and the PDF show exactly what was published, naming its
version; publishing again (after a correction) replaces it. A blind contest's list shows names, since a result
is published only once the names are released (organizers decide when).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Announcement
from contest.live.boards import BoardRegistry
from contest.services.contests import get_contest
from contest.services.draws import names_released
from contest.services.errors import Conflict, Forbidden, Invalid, Message, NotFound
from contest.services.principals import Principal
from contest.services.serials import final_standing

MAX_DAYS = 60
MAX_ISSUER = 200
DEFAULT_DAYS = 5


def working_days_after(start: date, days: int) -> date:
    """The last day of an objection period of `days` working days (Mon-Fri) counted from the day after `start`."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@dataclass(frozen=True)
class Published:
    slug: str
    title: str
    version: int
    round: str
    published_on: date
    objection_days: int
    objection_ends: date
    issuer: str
    rows: list[dict[str, Any]]


def checked_days(raw: str | int) -> int:
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise Invalid(Message("expected a whole number of working days from 1 to {most}", most=MAX_DAYS), "days")
    return int(text)


def checked_issuer(raw: str) -> str:
    text = " ".join(raw.split())
    if len(text) > MAX_ISSUER:
        raise Invalid(Message("at most {count} characters", count=MAX_ISSUER), "issuer")
    return text


def checked_date(raw: str | None) -> date:
    if raw is None or not raw.strip():
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(Message("expected a date like 2026-05-20, got {value!r}", value=raw[:40]), "date") from None


def publish(
    db: sessionmaker[Session],
    registry: BoardRegistry,
    principal: Principal,
    slug: str,
    *,
    days: int = DEFAULT_DAYS,
    issuer: str = "",
    on: date | None = None,
) -> Published:
    if not principal.is_organizer:
        raise Forbidden(Message("only organizers publish the award list"), "role")
    definition, key, version, rows, status = final_standing(registry, slug)
    if status != "locked":
        raise Conflict(Message("lock the final round {round!r} before publishing the award list", round=key), "round")
    winners = [
        {
            "rank": r.rank,
            "entrant": r.entrant,
            "name": r.name,
            "organization": r.organization,
            "group": r.group,
            "total": "" if r.total is None else f"{r.total:f}",
            "award": r.award,
        }
        for r in rows
        if r.award is not None
    ]
    published_on = on or date.today()
    with db.begin() as session:
        contest = get_contest(session, slug)
        if not names_released(session, contest, definition):
            raise Conflict(
                Message("decrypt the blind codes before publishing the award list (it names the winners)"), "names"
            )
        found = session.get(Announcement, contest.id)
        if found is None:
            found = Announcement(contest_id=contest.id)
            session.add(found)
        found.version = version
        found.round = key
        found.published_on = published_on.isoformat()
        found.objection_days = days
        found.issuer = issuer
        found.rows = winners
        found.role = principal.role
        found.token_id = principal.token_id
    ends = working_days_after(published_on, days)
    return Published(slug, definition.title, version, key, published_on, days, ends, issuer, winners)


def published(db: sessionmaker[Session], slug: str) -> Published:
    """The contest's published award list; NotFound when there is none (yet)."""
    with db() as session:
        contest = queries.contest_by_slug(session, slug)
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        found = session.get(Announcement, contest.id)
        if found is None:
            raise NotFound(Message("the award list of {title} is not published yet", title=contest.title), "slug")
        on = date.fromisoformat(found.published_on)
        days = found.objection_days
        ends = working_days_after(on, days)
        return Published(
            slug, contest.title, found.version, found.round, on, days, ends, found.issuer, list(found.rows)
        )


def withdraw(db: sessionmaker[Session], principal: Principal, slug: str) -> None:
    if not principal.is_organizer:
        raise Forbidden(Message("only organizers publish the award list"), "role")
    with db.begin() as session:
        contest = get_contest(session, slug)
        found = session.get(Announcement, contest.id)
        if found is not None:
            session.delete(found)

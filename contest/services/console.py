"""Use cases of the organizer console (/admin): an organizer's signed-in session, the event dashboard (every
contest, its rounds, their states and progress) and the audit of every version of every mark, filtered and paged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.live.boards import BoardRegistry
from contest.scoring import ContestError
from contest.services import reviewing
from contest.services import rounds as rounds_service
from contest.services.contests import definition_of, get_contest
from contest.services.credentials import Started, open_session
from contest.services.errors import ServiceError
from contest.services.principals import Principal, authenticate, require


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
        found.append(
            {"slug": slug, "title": title, "version": seq, "rounds": rounds_of(db, boards, principal, slug)["rounds"]}
        )
    return found


def rounds_of(db: sessionmaker[Session], boards: BoardRegistry, principal: Principal, slug: str) -> dict[str, Any]:
    """The rounds page: the contest's title and each round's state, marking progress, events (newest first) and
    when it was published (locked with its board live), if it still is."""
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        states = queries.round_states(session, contest.id)
        events = {rnd.key: rounds_service.events(session, contest.id, rnd.key) for rnd in definition.rounds}
    found = []
    for rnd in definition.rounds:
        state = states.get(rnd.key)
        status, board = (state.status, state.board) if state else ("open", "live")
        done, expected = _progress(db, boards, principal, slug, rnd.key)
        found.append(
            {
                "key": rnd.key,
                "label": rnd.label,
                "status": status,
                "board": board,
                "done": done,
                "expected": expected,
                "percent": round(100 * done / expected) if expected else 0,
                "events": list(reversed(events[rnd.key])),
                "published": published_at(events[rnd.key]) if status == "locked" and board == "live" else None,
            }
        )
    return {"title": contest.title, "rounds": found}


def published_at(events: list[dict[str, Any]]) -> str | None:
    """When the round was last published (locked with its board live), if it still is; `events` oldest first."""
    status, board, moment = "open", "live", None
    for event in events:
        for change in event["changes"]:
            if change["what"] == "status":
                status = change["to"]
            elif change["what"] == "board":
                board = change["to"]
        published = status == "locked" and board == "live"
        if published and moment is None:
            moment = event["at"]
        elif not published:
            moment = None
    return moment


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

"""Read-side use cases of the chief judge's page: the panel's progress (judge x entrant: missing, partial,
submitted, corrected), marks far from the panel's median, and an entrant's explained breakdown from the core.
Blind contests never give the chief judge an entrant's name or organization. Writing goes through
`services.marks.submit_marks` and `services.rounds.set_round`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.live.boards import BoardRegistry
from contest.scoring import ScoringError, explain
from contest.scoring.messages import Gettext
from contest.scoring.numbers import plain
from contest.scoring.review import spread_flags
from contest.services.errors import Invalid, Message, NotFound
from contest.services.judging import (
    Json,
    Seat,
    advancing,
    changed_value,
    contest_json,
    gather,
    round_of,
    seat_of,
)
from contest.services.principals import Principal

MAX_SPREAD = Decimal(1000)
SPREAD_RANGE = "expected a number of points greater than 0 and at most {most}, got {raw!r}"


def parse_spread(raw: str | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise Invalid(Message("expected a number of points such as 2 or 1.5, got {raw!r}", raw=raw), "spread") from None
    if not value.is_finite() or value <= 0 or value > MAX_SPREAD:
        raise Invalid(Message(SPREAD_RANGE, most=MAX_SPREAD, raw=raw), "spread")
    return value


def progress(
    db: sessionmaker[Session],
    boards: BoardRegistry,
    principal: Principal,
    round_key: str | None,
    slug: str | None,
    spread: Decimal | None = None,
) -> Json:
    """The panel's progress for a round: judge x entrant, flags where a judge's mark is more than `spread` points
    from the panel's median (default: the contest's ``[review] spread``), and the entered (not judged) values."""
    gathered, rows, panel, judges = gather(db, principal, slug, round_key, chief=True)
    seat, rnd = gathered.seat, gathered.rnd
    spread = spread if spread is not None else seat.definition.review.spread
    judged = [c["key"] for c in gathered.round_json["criteria"]]
    entered_keys = [c["key"] for c in gathered.round_json["entered"]]
    current: dict[tuple[str, int, str, str], str] = {}
    corrected: set[tuple[str, str]] = set()  # (entrant, judge or "")
    for who, item, criterion, judge, value, previous in rows:
        current[(who, item, criterion, judge)] = value
        if changed_value(previous, value):
            corrected.add((who, judge))

    entrants = advancing(boards, gathered)
    flags: list[Json] = []
    flagged: dict[tuple[str, str], int] = {}
    for entrant in entrants:
        code = entrant["code"]
        for item in range(1, rnd.items + 1):
            for criterion in judged:
                marks = {j: Decimal(v) for j in panel if (v := current.get((code, item, criterion, j))) is not None}
                median, far = spread_flags(marks, spread)
                for judge in far:
                    flagged[(code, judge)] = flagged.get((code, judge), 0) + 1
                    flags.append(
                        {
                            "entrant": code,
                            "item": item,
                            "criterion": criterion,
                            "judge": judge,
                            "value": plain(marks[judge]),
                            "median": plain(median) if median is not None else None,
                        }
                    )

    expected = rnd.items * len(judged)
    counts = {"missing": 0, "partial": 0, "submitted": 0, "corrected": 0}
    out = []
    for entrant in entrants:
        code = entrant["code"]
        cells: Json = {}
        for judge in panel:
            given = sum(
                1
                for item in range(1, rnd.items + 1)
                for criterion in judged
                if (code, item, criterion, judge) in current
            )
            fixed = (code, judge) in corrected
            if given == 0:
                status = "missing"
            elif given < expected:
                status = "partial"
            else:
                status = "corrected" if fixed else "submitted"
            counts[status] += 1
            cells[judge] = {
                "status": status,
                "given": given,
                "expected": expected,
                "corrected": fixed,
                "flags": flagged.get((code, judge), 0),
            }
        entered = {
            str(item): {k: v for k in entered_keys if (v := current.get((code, item, k, ""))) is not None}
            for item in range(1, rnd.items + 1)
        }
        out.append(
            {
                **entrant,
                "cells": cells,
                "entered": entered,
                "entered_corrected": (code, "") in corrected,
            }
        )
    return {
        "contest": contest_json(seat),
        "round": gathered.round_json,
        "rounds": _rounds_brief(db, seat),
        "judges": [{"code": j, "name": judges.get(j, "")} for j in panel],
        "entrants": out,
        "flags": flags,
        "spread": plain(spread),
        "summary": {**counts, "cells": sum(counts.values()), "flags": len(flags)},
        "version": seat.contest.seq,
    }


def _rounds_brief(db: sessionmaker[Session], seat: Seat) -> list[Json]:
    with db() as session:
        states = queries.round_states(session, seat.contest.id)
    return [
        {
            "key": r.key,
            "label": r.label,
            "status": states[r.key].status if r.key in states else "open",
            "board": states[r.key].board if r.key in states else "live",
        }
        for r in seat.definition.rounds
    ]


def chief_home(db: sessionmaker[Session], principal: Principal, slug: str | None = None) -> Json:
    """The chief judge's page: the contest, who is signed in, and every round with its state."""
    with db() as session:
        seat = seat_of(session, principal, slug, chief=True)
        judge = next((j for j in queries.judges_of(session, seat.contest.id) if j.code == principal.judge), None)
    return {
        "contest": contest_json(seat),
        "judge": {"code": principal.judge, "name": judge.name if judge else "", "chief": principal.chief},
        "rounds": _rounds_brief(db, seat),
        "spread": plain(seat.definition.review.spread),
    }


def explain_entrant(
    db: sessionmaker[Session],
    boards: BoardRegistry,
    principal: Principal,
    round_key: str | None,
    code: str,
    slug: str | None,
    gettext: Gettext | None = None,
) -> Json:
    """An entrant's breakdown from the core, line by line (the first line names only the code when blind), in
    the language of `gettext` (English without one)."""
    with db() as session:
        seat = seat_of(session, principal, slug, chief=True)
        rnd = round_of(seat.definition, round_key)
        if code not in queries.existing_entrants(session, seat.contest.id, [code]):
            raise NotFound(Message("no entrant has the code {code!r}", code=code), "entrant")
    state = boards.current(seat.contest.slug)
    with state.lock:
        board = state.board(rnd.key)
        try:
            explanation = explain(board, code)
        except ScoringError:
            return {"entrant": code, "round": rnd.key, "lines": [], "scored": False, "version": board.version}
        lines = explanation.lines(gettext)
        version = board.version
    if seat.names_hidden:
        lines[0] = code
    return {"entrant": code, "round": rnd.key, "lines": lines, "scored": True, "version": version}

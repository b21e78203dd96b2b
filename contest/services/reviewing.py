"""Read-side use cases of the chief judge's page: the panel's progress (judge x entrant: missing, partial,
submitted, corrected), marks far from the panel's median, and an entrant's explained breakdown from the core.
Blind contests never give the chief judge an entrant's name or organization. Writing goes through
`services.marks.submit_marks` and `services.rounds.set_round`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark
from contest.live.boards import BoardRegistry
from contest.scoring import ScoringError, explain
from contest.scoring.messages import Gettext, translated
from contest.scoring.numbers import parse_decimal, plain
from contest.scoring.panels import RoundPlan, natural
from contest.scoring.review import spread_flags
from contest.services import rounds
from contest.services.errors import Invalid, Message, NotFound
from contest.services.judging import (
    Json,
    Seat,
    advancing,
    changed_value,
    contest_json,
    gather,
    is_recused,
    round_of,
    seat_of,
)
from contest.services.panel_checks import criteria_of
from contest.services.principals import Principal

MAX_SPREAD = Decimal(1000)
SPREAD_RANGE = "expected a number of points greater than 0 and at most {most}, got {raw!r}"


def parse_spread(raw: str | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:  # the input policy's numbers: plain ASCII decimals (not 1_0, ٢ or １)
        value = parse_decimal(raw)
    except ValueError:
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
    panel_key: str | None = None,
) -> Json:
    """The panel's progress for a round: judge x entrant, flags where a judge's mark is more than `spread` points
    from the panel's median (default: the contest's ``[review] spread``), and the entered (not judged) values.
    With assigned panels (评委分组) each item's own panel counts: a judge's cell for an entrant not theirs is
    "unassigned", and `panel_key` narrows the grid to one panel's judges and entrants."""
    gathered, rows, panel, judges = gather(db, principal, slug, round_key, chief=True)
    seat, rnd = gathered.seat, gathered.rnd
    plan = gathered.plan
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
    panels = _panels(seat, plan) if plan is not None and judged else []
    if plan is not None:
        if panel_key:
            chosen = next((p for p in panels if p["key"] == panel_key), None)
            if chosen is None:
                known = ", ".join(p["key"] for p in panels) or "-"
                raise Invalid(Message("no panel {panel!r}; panels: {known}", panel=panel_key, known=known), "panel")
            panel = tuple(chosen["judges"])
            entrants = [e for e in entrants if any(d.panel == panel_key for d in plan.by_entrant.get(e["code"], ()))]
        else:
            pool = plan.pool()
            panel = tuple(j for j in panel if j in pool) + tuple(sorted(pool - set(panel), key=natural))
    if not judged:  # a round of entered values (a theory exam): nobody on a panel, nothing for the grid's judges
        panel = ()
    needed = [c["key"] for c in gathered.round_json["entered"] if c["default"] is None]
    flags: list[Json] = []
    flagged: dict[tuple[str, str], int] = {}
    for entrant in entrants:
        code = entrant["code"]
        for item in range(1, rnd.items + 1):
            for criterion in judged:
                own = plan.judges(code, item, criterion) if plan is not None else panel  # the item's own panel
                marks = {j: Decimal(v) for j in own if (v := current.get((code, item, criterion, j))) is not None}
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

    marking = {j: criteria_of(seat.definition, rnd, j, judged) for j in panel}  # aspect teams: each their own
    counts = {"missing": 0, "partial": 0, "submitted": 0, "corrected": 0}
    out = []
    expected_marks = 0
    for entrant in entrants:
        code = entrant["code"]
        cells: Json = {}
        duties = {j: _duty(plan, code, rnd.items, judged, j) for j in panel} if plan is not None else {}
        for judge in panel:
            mine = duties[judge] if plan is not None else None
            keys = marking[judge]
            expected = rnd.items * len(keys) if mine is None else len(mine)
            given = sum(
                1
                for item in range(1, rnd.items + 1)
                for criterion in keys
                if (code, item, criterion, judge) in current and (mine is None or (item, criterion) in mine)
            )
            fixed = (code, judge) in corrected
            if expected == 0 or is_recused(gathered, judge, code):  # 回避: their marks would be refused
                cells[judge] = {"status": "unassigned", "given": 0, "expected": 0, "corrected": False, "flags": 0}
                continue
            expected_marks += expected
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
        lacking = [
            {"item": item, "criterion": k}
            for item in range(1, rnd.items + 1)
            for k in needed
            if k not in entered[str(item)]
        ]
        owners = sorted({d.panel for d in plan.by_entrant.get(code, ())}) if plan is not None else []
        out.append(
            {
                **entrant,
                "panel": ", ".join(_label(seat, k) for k in owners if k),
                "cells": cells,
                "entered": entered,
                "entered_corrected": (code, "") in corrected,
                "lacking": lacking,
            }
        )
    return {
        "contest": contest_json(seat),
        "round": gathered.round_json,
        "rounds": _rounds_brief(db, seat),
        "events": _events(db, seat, rnd.key),
        "judges": [{"code": j, "name": judges.get(j, "")} for j in panel],
        "entrants": out,
        "flags": flags,
        "spread": plain(spread),
        "summary": {
            **counts,
            "cells": sum(counts.values()),
            "flags": len(flags),
            "marks": sum(c["given"] for e in out for c in e["cells"].values()),
            "marks_expected": expected_marks,
            "entrants": len(out),
            "lacking": sum(1 for e in out if e["lacking"]) if needed else 0,
        },
        "mode": "judged" if judged else "entered",
        "panels": panels,  # with assigned panels: each with its judges and how many entrants it judges
        "panel": panel_key or "",
        "normalize": rnd.scoring.normalize,  # "none", or how judges' marks are rescaled before combining
        "version": seat.contest.seq,
    }


def _duty(plan: RoundPlan, code: str, items: int, judged: list[str], judge: str) -> set[tuple[int, str]]:
    """The (item, criterion) of this entrant that `judge` marks."""
    return {(i, c) for i in range(1, items + 1) for c in judged if judge in plan.judges(code, i, c)}


def _label(seat: Seat, key: str) -> str:
    found = next((p for p in seat.definition.panels.panels if p.key == key), None)
    return found.label if found is not None else key


def _panels(seat: Seat, plan: RoundPlan) -> list[Json]:
    """The round's panels: key, label, judges and entrants, as the plan gives them (a drawn judge by judge plan has
    none: its panels are per entrant)."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for code, duties in plan.by_entrant.items():
        for duty in duties:
            if duty.panel:
                judges, entrants = found.setdefault(duty.panel, (set(), set()))
                judges |= duty.judges
                entrants.add(code)
    return [
        {"key": k, "label": _label(seat, k), "judges": sorted(j, key=natural), "entrants": len(e)}
        for k, (j, e) in sorted(found.items())
    ]


def _events(db: sessionmaker[Session], seat: Seat, key: str) -> list[Json]:
    """The round's events, newest first."""
    with db() as session:
        return list(reversed(rounds.events(session, seat.contest.id, key)))


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
        work = _work(session, seat)
    rounds = _rounds_brief(db, seat)
    return {
        "contest": contest_json(seat),
        "judge": {"code": principal.judge, "name": judge.name if judge else "", "chief": principal.chief},
        "rounds": rounds,
        "current": in_progress(rounds, work),
        "spread": plain(seat.definition.review.spread),
    }


def _work(session: Session, seat: Seat) -> dict[str, tuple[int, int, int, int]]:
    """Each round's work: (judged marks given, judged marks expected, entered values given, entered values needed),
    counting every entrant (one query of the distinct current marks)."""
    definition = seat.definition
    entrants = len(queries.entrants_of(session, seat.contest.id))
    everyone = tuple(j.code for j in queries.judges_of(session, seat.contest.id) if not j.chief)
    marks = select(Mark.round, Mark.entrant, Mark.item, Mark.criterion, Mark.judge).where(
        Mark.contest_id == seat.contest.id
    )
    distinct = marks.distinct().subquery()
    given = select(distinct.c.round, distinct.c.criterion, func.count()).group_by(
        distinct.c.round, distinct.c.criterion
    )
    counts = {(key, criterion): n for key, criterion, n in session.execute(given).all()}
    out = {}
    for rnd in definition.rounds:
        criteria = [definition.criterion(k) for k in rnd.criteria]
        judged = [c.key for c in criteria if c.judged]
        needed = [c.key for c in criteria if not c.judged and c.default is None]
        pool = definition.panel(rnd.key) or everyone  # as submit_marks checks it
        # marks each criterion wants per item: panel_size (each item's own panel), else its judges (aspect teams)
        per_item = sum(
            rnd.scoring.panel_size or sum(1 for j in pool if key in criteria_of(definition, rnd, j, judged))
            for key in judged
        )
        out[rnd.key] = (
            sum(counts.get((rnd.key, k), 0) for k in judged),
            entrants * rnd.items * per_item,
            sum(counts.get((rnd.key, k), 0) for k in needed),
            entrants * rnd.items * len(needed),
        )
    return out


def in_progress(rounds: list[Json], work: dict[str, tuple[int, int, int, int]]) -> str:
    """The round the chief judge's page opens on: the first open round the panel is still marking (or expects
    marks for), else the first open round still lacking entered values, else the last open round with marks, else
    the first open round, else the first round."""
    opened: list[str] = [r["key"] for r in rounds if r["status"] == "open"]
    for key in opened:
        given, expected, _, _ = work[key]
        if expected and given < expected:
            return key
    for key in opened:
        _, _, entered, needed = work[key]
        if needed and entered < needed:
            return key
    marked = [key for key in opened if work[key][0] or work[key][2]]
    if marked:
        return marked[-1]
    return opened[0] if opened else str(rounds[0]["key"])


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
        judges = [j.code for j in queries.judges_of(session, seat.contest.id)]
    labels = explain_labels(seat, judges, gettext)
    state = boards.current(seat.contest.slug)
    with state.lock:
        board = state.board(rnd.key)
        try:
            explanation = explain(board, code)
        except ScoringError:
            return {"entrant": code, "round": rnd.key, "lines": [], "scored": False, "version": board.version}
        lines = explanation.lines(gettext)
        panel = explanation.panel(gettext, labels)
        version = board.version
    if seat.names_hidden:
        lines[0] = code
        panel["name"] = panel["organization"] = ""
    return {
        "entrant": code,
        "round": rnd.key,
        "round_label": rnd.label,
        "lines": lines,
        "panel": panel,
        "scored": True,
        "version": version,
    }


def explain_labels(seat: Seat, judges: list[str], gettext: Gettext | None) -> dict[str, str]:
    """What a breakdown calls each key: rounds and criteria by their labels, a judge's line as that judge's total."""
    labels: dict[str, str] = {}
    for code in judges:
        total = Message("{judge}'s total", judge=code)
        labels[code] = translated(total, gettext) if gettext else total
    labels.update({c.key: c.label or c.key for c in seat.definition.criteria})
    labels.update({r.key: r.label or r.key for r in seat.definition.rounds})
    return labels

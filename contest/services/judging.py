"""Read-side use cases of the judge's tablet, and the helpers the chief judge's page (`reviewing`) shares.

A judge's queue: the entrants of a round with the values this judge has given. Blind contests never give a judge
(the chief judge included) an entrant's name or organization; organizers always see them. Writing goes through
`services.marks.submit_marks` and `services.rounds.set_round`, never here.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Mark
from contest.live.boards import BoardRegistry
from contest.scoring import ContestDefinition, Criterion, Round
from contest.scoring.formula import Formula, linear_weights
from contest.scoring.numbers import plain
from contest.scoring.panels import RoundPlan
from contest.services import assigned
from contest.services.contests import definition_of, get_contest
from contest.services.errors import Forbidden, Invalid, Message, NotFound, Unauthorized
from contest.services.panel_checks import criteria_of, open_seats
from contest.services.principals import Principal

MAX_BUTTONS = 11  # a range of at most this many steps is a row of buttons; more: a stepper

Json = dict[str, Any]


# -- who may see what ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """The contest a request is about and what the asker may see of it."""

    contest: Contest
    definition: ContestDefinition
    principal: Principal
    sealed: bool = False  # blind or drawn (抽签加密), and not decrypted yet: codes only (contest/services/draws.py)

    @property
    def names_hidden(self) -> bool:
        return self.sealed and not self.principal.is_organizer


def seat_of(session: Session, principal: Principal, slug: str | None, *, chief: bool) -> Seat:
    """A judge sees only their own contest (`slug`, when given, must be it); the chief judge's views also need
    chief = true; organizers name the contest with `slug`."""
    if principal.role == "judge":
        contest = session.get(Contest, principal.contest_id)
        if contest is None:
            raise NotFound(Message("the judge's contest is gone"), "contest")
        if slug and slug != contest.slug:
            raise Forbidden(Message("this judge belongs to another contest"), "contest")
        if chief and not principal.chief:
            raise Forbidden(Message("this page is for the chief judge (裁判长)"))
        return _seat(session, contest, principal)
    if principal.role == "public":
        message = Message("sign in: scan the judge's QR code or send Authorization: Bearer TOKEN")
        raise Unauthorized(message, "authorization")
    if not chief or not principal.is_organizer:
        raise Forbidden(Message("this needs a judge's login; you are {role}", role=principal.role))
    if not slug:
        raise Invalid("name the contest: ?contest=SLUG", "contest")
    contest = get_contest(session, slug)
    return _seat(session, contest, principal)


def _seat(session: Session, contest: Contest, principal: Principal) -> Seat:
    definition = definition_of(contest)
    drawn, decrypted = queries.sealing(session, contest.id)
    return Seat(contest, definition, principal, sealed=(definition.blind or drawn) and not decrypted)


def round_of(definition: ContestDefinition, key: str | None) -> Round:
    if not key:
        return definition.rounds[0]
    if not definition.has_round(key):
        rounds = ", ".join(r.key for r in definition.rounds)
        raise NotFound(Message("no round {round!r}; rounds: {rounds}", round=key, rounds=rounds), "round")
    return definition.round(key)


def _panel(session: Session, definition: ContestDefinition, contest: Contest, key: str) -> tuple[str, ...]:
    """The round's panel as `submit_marks` checks it: the contest's or round's list, else every judge but the chief."""
    return definition.panel(key) or tuple(j.code for j in queries.judges_of(session, contest.id) if not j.chief)


# -- shapes sent to the pages --------------------------------------------------------------------------------


def criterion_json(criterion: Criterion) -> Json:
    """One criterion as a form control needs it: a row of `choices` when the range has few steps, else a stepper
    moving by `step` (and by `coarse` for long ranges)."""
    out: Json = {
        "key": criterion.key,
        "label": criterion.label,
        "description": criterion.description,
        "min": plain(criterion.min),
        "max": plain(criterion.max),
        "step": None if criterion.step is None else plain(criterion.step),
        "judged": criterion.judged,
        "deduction": criterion.deduction,
        "default": None if criterion.default is None else plain(criterion.default),
        "choices": None,
        "coarse": None,
    }
    if criterion.step is not None:
        count = int((criterion.max - criterion.min) / criterion.step) + 1
        if count <= MAX_BUTTONS:
            out["choices"] = [plain(criterion.min + i * criterion.step) for i in range(count)]
        elif count > 40:
            out["coarse"] = plain(criterion.step * 10)  # 0 to 100 by 0.5: also ±5
        elif criterion.step < 1 and criterion.max - criterion.min >= 2:
            out["coarse"] = "1"  # 0 to 10 by 0.5: also whole points
    return out


def _preview_weights(rnd: Round, judged: Sequence[str]) -> Json | None:
    """Weights of a judge's own total when it is a weighted sum of judged criteria (``a + b`` or
    ``0.25*a + 0.75*b``); None otherwise. The page multiplies them out as a preview only."""
    formula = rnd.scoring.judge or rnd.scoring.item
    if formula is None:
        return None
    weights = _plain_sum(formula) or linear_weights(formula)
    if not weights or not set(weights) <= set(judged):
        return None
    return {key: plain(weight) for key, weight in weights.items()}


def _plain_sum(formula: Formula) -> dict[str, Decimal]:
    try:
        tree = ast.parse(formula.source, mode="eval").body
    except SyntaxError:  # pragma: no cover - parsed once already
        return {}
    names: list[str] = []
    stack: list[ast.expr] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.Name):
            names.append(node.id)
        else:
            return {}
    return {name: Decimal(names.count(name)) for name in dict.fromkeys(names)}


def _round_json(session: Session, seat: Seat, rnd: Round, status: str, board: str) -> Json:
    criteria = [seat.definition.criterion(k) for k in rnd.criteria]
    judged = [c.key for c in criteria if c.judged]
    panel = _panel(session, seat.definition, seat.contest, rnd.key)
    return {
        "key": rnd.key,
        "label": rnd.label,
        "items": rnd.items,
        "status": status,
        "board": board,
        "judged": bool(judged),  # False: nothing here for the panel (values entered by the chief or a recorder)
        "on_panel": seat.principal.role == "judge" and seat.principal.judge in panel and bool(judged),
        "criteria": [criterion_json(c) for c in criteria if c.judged],
        "entered": [criterion_json(c) for c in criteria if not c.judged],
        "weights": _preview_weights(rnd, judged),
    }


def contest_json(seat: Seat) -> Json:
    return {
        "slug": seat.contest.slug,
        "title": seat.contest.title,
        "blind": seat.sealed,
        "decimals": seat.definition.decimals,  # the judge's preview shows exactly these places
    }


def _entrant_json(seat: Seat, code: str, name: str, organization: str, group: str) -> Json:
    if seat.names_hidden:
        return {"code": code}
    return {"code": code, "name": name, "organization": organization, "group": group}


# -- the judge's home and queue ------------------------------------------------------------------------------


def judge_home(db: sessionmaker[Session], principal: Principal) -> Json:
    """The judge's page: the contest, who is signed in, and every round with its state."""
    with db() as session:
        seat = seat_of(session, principal, None, chief=False)
        judge = next((j for j in queries.judges_of(session, seat.contest.id) if j.code == principal.judge), None)
        states = queries.round_states(session, seat.contest.id)
        stored = assigned.stored_rounds(session, seat.contest.id)
        rounds = []
        for rnd in seat.definition.rounds:
            state = states.get(rnd.key)
            panel = _panel(session, seat.definition, seat.contest, rnd.key)
            pool = assigned.pool_of(session, seat.contest.id, seat.definition, rnd.key, stored)
            if pool is not None:  # assigned panels (评委分组): on the panel only with entrants to judge there
                panel = tuple(j for j in panel if j in pool)
            judged = any(seat.definition.criterion(k).judged for k in rnd.criteria)
            rounds.append(
                {
                    "key": rnd.key,
                    "label": rnd.label,
                    "items": rnd.items,
                    "status": state.status if state else "open",
                    "judged": judged,
                    "on_panel": judged and principal.judge in panel,
                }
            )
        return {
            "contest": contest_json(seat),
            "judge": {"code": principal.judge, "name": judge.name if judge else "", "chief": principal.chief},
            "rounds": rounds,
            "version": seat.contest.seq,
        }


def default_round(home: Json) -> str | None:
    """The round a judge most likely scores now: the first open one on their panel."""
    rounds: list[Json] = home["rounds"]
    for wanted in (
        lambda r: r["status"] == "open" and r["on_panel"],
        lambda r: r["on_panel"],
        lambda r: True,
    ):
        found = next((r["key"] for r in rounds if wanted(r)), None)
        if found is not None:
            return str(found)
    return None


@dataclass(frozen=True)
class _Gathered:
    seat: Seat
    rnd: Round
    round_json: Json
    entrants: list[Json]
    marked: set[str]  # entrants with any mark in this round
    advance_from: str | None  # the previous round, locked, whose advancing entrants this round scores
    plan: RoundPlan | None = None  # who judges whom in this round (评委分组), None: every judge of its panel
    organizations: dict[str, str] = field(default_factory=dict)  # entrant code -> organization, for recusal (回避)


MarkRow = tuple[str, int, str, str, str, str | None]  # entrant, item, criterion, judge, value, previous


def gather(
    db: sessionmaker[Session], principal: Principal, slug: str | None, key: str | None, chief: bool
) -> tuple[_Gathered, list[MarkRow], tuple[str, ...], dict[str, str]]:
    """Everything a queue or progress view reads, in one short transaction."""
    with db() as session:
        seat = seat_of(session, principal, slug, chief=chief)
        rnd = round_of(seat.definition, key)
        states = queries.round_states(session, seat.contest.id)
        state = states.get(rnd.key)
        round_json = _round_json(
            session, seat, rnd, state.status if state else "open", state.board if state else "live"
        )
        people = queries.entrants_of(session, seat.contest.id)
        entrants = [_entrant_json(seat, e.code, e.name, e.organization, e.group) for e in people]
        organizations = {e.code: e.organization for e in people}
        marked = set(
            session.execute(
                select(Mark.entrant).where(Mark.contest_id == seat.contest.id, Mark.round == rnd.key).distinct()
            ).scalars()
        )
        keys = [r.key for r in seat.definition.rounds]
        before = seat.definition.rounds[keys.index(rnd.key) - 1] if keys.index(rnd.key) > 0 else None
        advance_from = None
        if before is not None and before.advance:
            earlier = states.get(before.key)
            if earlier is not None and earlier.status == "locked":
                advance_from = before.key
        rows: list[MarkRow] = [
            (e, i, c, j, v, p)
            for e, i, c, j, v, p in session.execute(
                select(Mark.entrant, Mark.item, Mark.criterion, Mark.judge, Mark.value, Mark.previous)
                .where(Mark.contest_id == seat.contest.id, Mark.round == rnd.key)
                .order_by(Mark.seq, Mark.id)
            )
        ]
        panel = _panel(session, seat.definition, seat.contest, rnd.key)
        judges = {j.code: j.name for j in queries.judges_of(session, seat.contest.id)}
        plan = assigned.plan_of(session, seat.contest.id, seat.definition, rnd.key)
    gathered = _Gathered(seat, rnd, round_json, entrants, marked, advance_from, plan, organizations)
    return gathered, rows, panel, judges


def advancing(boards: BoardRegistry, gathered: _Gathered) -> list[Json]:
    """Entrants of this round: everyone, or, once the previous round (which advances its top N) is locked, those
    who advanced plus anyone already marked here."""
    if gathered.advance_from is None:
        return gathered.entrants
    going, _ = boards.advanced(gathered.seat.contest.slug, gathered.advance_from)
    if not going:  # nobody complete in the previous round: no cut can be made, show everyone
        return gathered.entrants
    return [e for e in gathered.entrants if e["code"] in going or e["code"] in gathered.marked]


def judge_queue(
    db: sessionmaker[Session], boards: BoardRegistry, principal: Principal, round_key: str | None, slug: str | None
) -> Json:
    """The judge's queue for a round: each entrant with the values this judge has given, item by item."""
    if principal.role != "judge":
        if principal.role == "public":
            raise Unauthorized(Message("sign in: scan the judge's QR code"), "authorization")
        raise Forbidden(Message("the queue is a judge's; you are {role}", role=principal.role))
    gathered, rows, _panel_codes, judges = gather(db, principal, slug, round_key, chief=False)
    judged = [c["key"] for c in gathered.round_json["criteria"]]
    mine_only = criteria_of(gathered.seat.definition, gathered.rnd, principal.judge, judged)  # aspect teams
    if mine_only != judged:
        judged = mine_only
        gathered.round_json["criteria"] = [c for c in gathered.round_json["criteria"] if c["key"] in judged]
    mine: dict[str, dict[int, dict[str, str]]] = {}
    corrected: set[str] = set()
    for who, item, criterion, judge, value, previous in rows:
        if judge != principal.judge or criterion not in judged:
            continue
        mine.setdefault(who, {}).setdefault(item, {})[criterion] = value
        if changed_value(previous, value):
            corrected.add(who)
    entrants = []
    # with assigned panels (评委分组): only this judge's entrants, items and criteria
    duties = gathered.plan.duties(principal.judge, gathered.rnd.items, judged) if gathered.plan else None
    if duties is not None and not duties:  # nobody of this round is theirs: not on its panels
        gathered.round_json["on_panel"] = False
    marks = ((who, item, criterion, judge) for who, item, criterion, judge, _, _ in rows)
    seats = None if duties is not None else open_seats(gathered.rnd, marks, principal.judge, judged)
    for entrant in advancing(boards, gathered) if gathered.round_json["on_panel"] else []:
        if duties is not None and entrant["code"] not in duties:
            continue
        if is_recused(gathered, principal.judge, entrant["code"]):  # 回避: their marks would be refused
            continue
        given = mine.get(entrant["code"], {})
        if duties is not None:
            own = duties[entrant["code"]]
        elif seats is not None:
            own = seats(entrant["code"])
            if not own and not given:
                continue  # every item of this entrant has its panel, without this judge
        else:
            own = dict.fromkeys(range(1, gathered.rnd.items + 1), tuple(judged))
        done = sum(1 for i, keys in own.items() if all(k in given.get(i, {}) for k in keys))
        row = {
            **entrant,
            "items": {str(i): v for i, v in sorted(given.items())},
            "done": done,
            "corrected": entrant["code"] in corrected,
        }
        if duties is not None or seats is not None:  # this judge's items of the entrant, each with its criteria
            row["assigned"] = {str(i): list(keys) for i, keys in own.items()}
        entrants.append(row)
    return {
        "contest": contest_json(gathered.seat),
        "judge": {"code": principal.judge, "name": judges.get(principal.judge, ""), "chief": principal.chief},
        "round": gathered.round_json,
        "entrants": entrants,
        "version": gathered.seat.contest.seq,
    }


def is_recused(gathered: _Gathered, judge: str, code: str) -> bool:
    """Whether recusal (回避) keeps `judge` off entrant `code`: same organization, or a declared conflict."""
    recusal = gathered.seat.definition.panels.recusal
    return recusal.recused(judge, code, gathered.organizations.get(code, ""))


def changed_value(previous: str | None, value: str) -> bool:
    """A correction: a version that replaced a different value (giving the same value again corrects nothing)."""
    return previous is not None and Decimal(previous) != Decimal(value)

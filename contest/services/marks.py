"""Submitting marks: checked by the core, appended as new versions, acknowledged only after a durable commit.

Submissions are written in batches (`write_batch`): one transaction checks each against the contest as it stands
(locked, so no other writer interleaves), stores those that pass with one insert per table and one sequence
update, and commits once. A submission refused in the batch stores nothing and does not disturb the others.
`services.writer.MarkWriter` gathers the batches; `submit_marks` writes one submission on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Base, Contest, Mark, Submission
from contest.scoring import Mark as CoreMark
from contest.scoring.numbers import MAX_ITEM
from contest.scoring.panels import RoundPlan, describe_owner
from contest.services import assigned
from contest.services.contests import definition_of
from contest.services.errors import Forbidden, Invalid, Message, NotFound, ServiceError, Unauthorized
from contest.services.panel_checks import PanelChecks
from contest.services.principals import Principal, authenticate_many, require
from contest.services.submission_checks import Sent, checked_marks, judge_for, replay

SENDERS = ("organizer", "recorder", "judge")


@dataclass(frozen=True)
class MarkRequest:
    entrant: str
    round: str
    item: int
    values: dict[str, Decimal]
    client_id: str
    reason: str = ""
    judge: str = ""  # organizers typing in a paper sheet name the judge whose marks they are
    ip: str = ""
    device: str = ""


@dataclass(frozen=True)
class Pending:
    """One submission waiting to be written: who sent it (a token still to check, or a known principal) and what."""

    sender: Principal | str
    slug: str
    request: MarkRequest


@dataclass(frozen=True)
class Receipt:
    created: bool  # False: this client_id was stored before; nothing was stored twice
    seq: int  # the contest's version after this submission
    corrected: tuple[str, ...] = field(default=())  # criteria whose earlier value this replaces
    # the marks stored, as the core reads them back (the live boards take them from here, contest/live/boards.py)
    marks: tuple[CoreMark, ...] = field(default=(), compare=False)


Outcome = Receipt | ServiceError
# (contest slug, a round that advances its top N) -> (the entrants it advances, whether an entrant already has marks
# in the round after it): the live boards' answer (`BoardRegistry.advanced`)
Cut = Callable[[str, str], tuple[set[str], Callable[[str], bool]]]


def submit_marks(db: sessionmaker[Session], sender: Principal | str, slug: str, request: MarkRequest) -> Receipt:
    """Write one submission in its own transaction; raise the error that refused it."""
    with db.begin() as session:
        outcome = write_batch(session, [Pending(sender, slug, request)])[0]
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def write_batch(session: Session, batch: Sequence[Pending], *, cut: Cut | None = None) -> list[Outcome]:
    """Check and store every submission of `batch` inside the caller's transaction, in order (a later one sees an
    earlier one's values and client_id). Returns each one's receipt or the error that refused it; the caller
    commits, and acknowledges only then. With `cut`, judges and recorders cannot mark, in a round after a locked
    round that advances its top N, an entrant who did not advance (organizers may, for a substitute, 递补)."""
    outcomes: list[Outcome | None] = [None] * len(batch)
    known = authenticate_many(session, [p.sender for p in batch if isinstance(p.sender, str)])
    by_slug: dict[str, list[tuple[int, Principal]]] = defaultdict(list)
    for index, pending in enumerate(batch):
        principal = known.get(pending.sender) if isinstance(pending.sender, str) else pending.sender
        try:
            if principal is None:
                raise Unauthorized(Message("this token is not valid (revoked or mistyped)"), "authorization")
            require(principal, *SENDERS)
            item = pending.request.item  # bounded before any query reads it (an Integer column: 2^31 overflows)
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ITEM:
                wanted = Message(
                    "expected a whole number from {low} to {high}, got {raw!r}", low=1, high=MAX_ITEM, raw=item
                )
                raise Invalid(wanted, "item")
        except ServiceError as exc:
            outcomes[index] = exc
            continue
        by_slug[pending.slug].append((index, principal))
    # lock every contest written to, always in the same order (PostgreSQL: the rows' locks; SQLite's BEGIN
    # IMMEDIATE already holds the whole database): from the replay check to the commit no one else writes them
    contests = {c.slug: c for c in session.execute(_LOCKED, {"slugs": list(by_slug)}).scalars()} if by_slug else {}
    for slug, asks in by_slug.items():
        contest = contests.get(slug)
        if contest is None:
            for index, _ in asks:
                outcomes[index] = NotFound(Message("no contest {slug!r}", slug=slug), "slug")
            continue
        asked = [(principal, batch[index].request) for index, principal in asks]
        writing = _ContestBatch(session, contest, asked, cut)
        for index, principal in asks:
            try:
                outcomes[index] = writing.take(principal, batch[index].request)
            except ServiceError as exc:
                outcomes[index] = exc
        writing.store()
    assert all(outcome is not None for outcome in outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


class _ContestBatch:
    """The submissions of one batch to one contest: the contest's state read once for all of them, the rows to
    insert gathered, and written together by `store`."""

    def __init__(
        self, session: Session, contest: Contest, asks: list[tuple[Principal, MarkRequest]], cut: Cut | None
    ) -> None:
        requests = [request for _, request in asks]
        self.session = session
        self.cut = cut
        self._cuts: dict[str, tuple[set[str], Callable[[str], bool]]] = {}
        self.contest = contest
        self.asks = asks
        self._plans: dict[str, RoundPlan | None] = {}
        self._organizations: dict[str, str] | None = None
        self._sealed: bool | None = None
        self.definition = definition = definition_of(contest)
        self.criteria = {c.key for c in definition.criteria}
        self.judged = {c.key for c in definition.criteria if c.judged}
        rounds = definition.rounds
        self.before = {r.key: rounds[at - 1] if at > 0 else None for at, r in enumerate(rounds)}
        self.seq = contest.seq
        self.states = {key: state.status for key, state in queries.round_states(session, contest.id).items()}
        self._default_panel: set[str] | None = None
        self.entrants = queries.existing_entrants(session, contest.id, {r.entrant for r in requests})
        self.sent = {
            client_id: Sent(s.entrant, s.round, s.item, s.role, s.judge, s.token_id, values, s.seq)
            for client_id, (s, values) in queries.submissions_by_client_id(
                session, contest.id, {r.client_id for r in requests}
            ).items()
        }
        # the values these submissions may correct: their items' marks by their judges, and the values not judged
        items = {(r.entrant, r.round, r.item) for r in requests}
        judges = {p.judge if p.role == "judge" else r.judge for p, r in asks} | {""}
        self.current = queries.current_values_of(session, contest.id, items, judges)
        self.seats = PanelChecks(session, contest.id, definition, items)  # aspect teams and panel_size
        self.submissions: list[dict[str, object]] = []
        self.marks: list[list[dict[str, object]]] = []

    def panel(self, round_key: str) -> set[str]:
        """Every judge but the chief sits on every panel unless the contest names one."""
        named = self.definition.panel(round_key)
        if named:
            return set(named)
        if self._default_panel is None:
            self._default_panel = queries.panel_codes(self.session, self.contest.id)
        return self._default_panel

    def sealed(self) -> bool:
        """A blind or drawn (抽签加密) contest: a judge is not told an entrant's organization."""
        if self._sealed is None:
            drawn, _ = queries.sealing(self.session, self.contest.id)
            self._sealed = self.definition.blind or drawn
        return self._sealed

    def check_assigned(self, round_key: str, request: MarkRequest, judge: str, *, to_judge: bool = False) -> None:
        """Refuse judged marks from a judge the round's assignments (评委分组) do not give this item, or who is recused
        (回避) for this entrant; the refusal names whose item it is (and, told to a judge of a blind or drawn contest,
        never the entrant's organization)."""
        if round_key not in self._plans:
            codes = {r.entrant for _, r in self.asks if r.round == round_key}
            self._plans[round_key] = assigned.plan_of(self.session, self.contest.id, self.definition, round_key, codes)
        plan = self._plans[round_key]
        if plan is not None:
            for key in request.values:
                if key in self.judged and judge not in plan.judges(request.entrant, request.item, key):
                    owners = plan.owners(request.entrant, request.item, key)
                    message = Message(
                        "{owner}; judge {judge} is not assigned to it",
                        owner=describe_owner(request.entrant, request.item, owners),
                        judge=judge,
                    )
                    raise Forbidden(message, "entrant")
        recusal = self.definition.panels.recusal
        if recusal.organizations or recusal.conflicts:
            if self._organizations is None:
                codes = {r.entrant for _, r in self.asks}
                self._organizations = assigned.organizations_of(self.session, self.contest.id, codes)
            why = recusal.why(judge, request.entrant, self._organizations.get(request.entrant, ""))
            if why is not None and to_judge and (judge, request.entrant) not in recusal.conflicts and self.sealed():
                why = Message(
                    "judge {judge} is of the same organization as entrant {entrant}",
                    judge=judge,
                    entrant=request.entrant,
                )
            if why is not None:
                raise Forbidden(Message("{why}: recused (回避)", why=why), "entrant")

    def check_advanced(self, round_key: str, code: str) -> None:
        """Refuse an entrant who did not go on from the locked round before this one (the judges' queues leave
        such entrants out); anyone already marked in this round, or any entrant while no cut can be made, passes."""
        before = self.before[round_key]
        if self.cut is None or before is None or not before.advance or self.states.get(before.key) != "locked":
            return
        if before.key not in self._cuts:
            self._cuts[before.key] = self.cut(self.contest.slug, before.key)
        going, marked_here = self._cuts[before.key]
        if going and code not in going and not marked_here(code):
            message = Message("entrant {code!r} did not advance to round {round!r}", code=code, round=round_key)
            raise Forbidden(message, "entrant")

    def take(self, principal: Principal, request: MarkRequest) -> Receipt:
        """Check one submission against the contest and everything before it; keep its rows for `store`."""
        if request.client_id in self.sent:
            return Receipt(False, replay(self.sent[request.client_id], principal, request))
        definition = self.definition
        if not definition.has_round(request.round):
            rounds = ", ".join(r.key for r in definition.rounds)
            raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=request.round, rounds=rounds), "round")
        rnd = definition.round(request.round)
        if self.states.get(rnd.key) == "locked":
            message = Message("round {round!r} is locked; the chief judge must unlock it first", round=rnd.key)
            raise Forbidden(message, "round")
        if request.entrant not in self.entrants:
            raise Invalid(Message("no entrant has the code {code!r}", code=request.entrant), "entrant")
        if not principal.is_organizer:
            self.check_advanced(rnd.key, request.entrant)
        panel = self.panel(rnd.key)
        judge = judge_for(principal, self.contest.id, request, self.criteria, self.judged, panel)
        if judge and any(k in self.judged for k in request.values):
            self.check_assigned(rnd.key, request, judge, to_judge=principal.role == "judge")
        marks = checked_marks(definition, request, rnd.key, judge, self.judged, panel)

        current = self.current.setdefault((request.entrant, rnd.key, request.item), {})
        # a correction: a value already given that this changes (giving the same value again changes nothing)
        changed = [m for m in marks if current.get((m.criterion, m.judge), m.value) != m.value]
        corrected = tuple(m.criterion for m in changed)
        if corrected and not request.reason.strip():
            shown = ", ".join(f"{m.criterion} {current[(m.criterion, m.judge)]:f} → {m.value:f}" for m in changed)
            message = Message("this corrects marks already given ({shown}): say why in reason", shown=shown)
            raise Invalid(message, "reason")
        judged = [m.criterion for m in marks if m.judge]
        if judged:
            self.seats.check(rnd, request.entrant, request.item, judge, judged)

        self.seq += 1
        self.submissions.append(
            {
                "contest_id": self.contest.id,
                "seq": self.seq,
                "client_id": request.client_id,
                "entrant": request.entrant,
                "round": rnd.key,
                "item": request.item,
                "judge": judge,
                "role": principal.role,
                "token_id": principal.token_id,
                "ip": request.ip[:64],
                "device": request.device[:300],
                "reason": request.reason[:1000],
            }
        )
        rows: list[dict[str, object]] = []
        stored: list[CoreMark] = []
        for mark in marks:
            previous = current.get((mark.criterion, mark.judge))
            value = f"{mark.value:f}"
            stored.append(CoreMark(mark.entrant, mark.round, mark.item, mark.criterion, mark.judge, Decimal(value)))
            rows.append(
                {
                    "contest_id": self.contest.id,
                    "seq": self.seq,
                    "entrant": mark.entrant,
                    "round": mark.round,
                    "item": mark.item,
                    "criterion": mark.criterion,
                    "judge": mark.judge,
                    "value": value,
                    "previous": None if previous is None else f"{previous:f}",
                }
            )
            current[(mark.criterion, mark.judge)] = mark.value
        self.marks.append(rows)
        self.sent[request.client_id] = Sent(
            request.entrant, rnd.key, request.item, principal.role, judge, principal.token_id, request.values, self.seq
        )
        return Receipt(True, self.seq, corrected, tuple(stored))

    def store(self) -> None:
        """Insert the accepted submissions and their marks, and move the contest's version on: one statement each."""
        if not self.submissions:
            return
        # Core inserts of the tables (no ORM objects): every row in one statement each, ids back in order
        ids = self.session.scalars(_INSERT_SUBMISSIONS, self.submissions).all()
        rows = [dict(row, submission_id=id_) for id_, marks in zip(ids, self.marks, strict=True) for row in marks]
        self.session.execute(_INSERT_MARKS, rows)
        self.session.execute(_MOVE_VERSION, {"contest_id": self.contest.id, "new_seq": self.seq})


def _table(model: type[Base]) -> Table:
    return model.metadata.tables[model.__tablename__]


# the statements of the writer's every transaction, built once
_LOCKED = (  # read afresh even when the session holds the contest (a batch before this one moved its version)
    select(Contest)
    .where(Contest.slug.in_(bindparam("slugs", expanding=True)))
    .order_by(Contest.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)
_INSERT_SUBMISSIONS = insert(_table(Submission)).returning(Submission.id, sort_by_parameter_order=True)
_INSERT_MARKS = insert(_table(Mark))
_MOVE_VERSION = (
    update(_table(Contest)).where(_table(Contest).c.id == bindparam("contest_id")).values(seq=bindparam("new_seq"))
)

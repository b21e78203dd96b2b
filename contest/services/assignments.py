"""Drawing, uploading and reading who judges whom (评委分组): the organizer's use cases.

A round's assignments come from the contest file (``[[assignments]]``) until some are stored here: drawn (a
balanced random draw, reproducible from its recorded seed: contest/scoring/panel_draw.py) or uploaded (rows
``entrant, round, item, panel`` or ``entrant, round, judge``). A draw replaces the round's assignments; an upload
those of the entrants it names (the others keep theirs, from the contest file too; the first upload to a round that
had none must name every entrant). A round with aspect teams (criteria with their own judges) is never drawn or
uploaded: its assignments are the contest file's. Each entrant's covered item and
criterion gets exactly the round's ``panel_size`` judges, none recused (回避: the
judge's organization is the entrant's, or a declared conflict). After marks exist in the round a reassignment
needs a reason, and may not take a judge off an item they have marked (their mark keeps counting: an item's panel
is whoever marked it); the marks already given on the entrants it touches are recorded with it (who, when, why,
which marks), and every version stays in the marks' history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Assignment, AssignmentChange, Contest
from contest.scoring import ContestDefinition
from contest.scoring.item_panels import teams
from contest.scoring.panel_draw import DrawError, draw_judges, draw_panels
from contest.scoring.panels import Assigned, Recusal, natural, plan_from_rows
from contest.services import assigned
from contest.services.contests import definition_of, get_contest, next_version
from contest.services.draws import Actor
from contest.services.errors import Conflict, Invalid, Message

Json = dict[str, Any]
METHODS = ("judges", "panels")
MAX_ROWS = 1_000_000
SHOWN = 5  # problems of the same kind listed before "and N more"
CHUNK = 500  # entrant codes per IN (...) list


def draw(
    db: sessionmaker[Session],
    actor: Actor,
    slug: str,
    round_key: str,
    *,
    seed: int,
    method: str = "judges",
    reason: str = "",
    conflicts: Iterable[tuple[str, str]] = (),
) -> Json:
    """Draw the round's assignments from `seed` (the entrants in list order, the round's judges or the contest
    file's panels) and store them; the seed, the method and the request's conflicts are recorded with it (they
    keep that draw's pairs apart; lasting conflicts belong in the contest file's ``[recusal]``)."""
    extra = frozenset(conflicts)
    if method not in METHODS:
        raise Invalid(
            Message("expected one of {options}, got {raw!r}", options=", ".join(METHODS), raw=method), "method"
        )
    with db.begin() as session:
        contest = _locked(session, slug)
        definition = definition_of(contest)
        rnd = _round(definition, round_key)
        _no_teams(definition, rnd.key)
        size = rnd.scoring.panel_size
        if size is None:
            raise Invalid(
                Message(
                    "round {round!r} has no {setting}: say how many judges mark each item",
                    round=rnd.key,
                    setting="panel_size",
                ),
                "round",
            )
        people = [(e.code, e.organization) for e in queries.entrants_of(session, contest.id)]
        if not people:
            raise Invalid(Message("the contest has no entrants yet"), "entrants")
        base = definition.panels.recusal
        recusal = Recusal(base.organizations, base.conflicts | extra)
        try:
            if method == "panels":
                panels = [p for p in definition.panels.panels if len(p.judges) == size]
                if not panels:
                    raise Invalid(
                        Message(
                            "the contest file names no panel of {size} judges ({table})", size=size, table="[[panels]]"
                        ),
                        "method",
                    )
                rows = draw_panels(rnd.key, people, panels, seed, recusal)
            else:
                pool = definition.panel(rnd.key) or tuple(sorted(queries.panel_codes(session, contest.id), key=natural))
                rows = draw_judges(rnd.key, people, pool, size, seed, recusal)
        except DrawError as exc:
            raise Invalid(exc.args[0], "seed") from None
        done = _store(session, contest, definition, rnd.key, rows, actor, reason, recusal, source="draw")
        change = session.get(AssignmentChange, done["change"])
        assert change is not None
        change.method, change.seed = method, str(seed)
        change.conflicts = [{"judge": j, "entrant": e} for j, e in sorted(extra)]
    return {**done, "seed": str(seed), "method": method}


def replace(db: sessionmaker[Session], actor: Actor, slug: str, rows: Sequence[Assigned], *, reason: str = "") -> Json:
    """Store uploaded rows: each round they name gets exactly these assignments (checked as a whole first)."""
    if not rows:
        raise Invalid(Message("no assignments in the file"), "body")
    if len(rows) > MAX_ROWS:
        raise Invalid(Message("at most {most} rows", most=MAX_ROWS), "body")
    by_round: dict[str, list[Assigned]] = defaultdict(list)
    for row in rows:
        by_round[row.round].append(row)
    with db.begin() as session:
        contest = _locked(session, slug)
        definition = definition_of(contest)
        done = [
            _store(
                session,
                contest,
                definition,
                _round(definition, key).key,
                mine,
                actor,
                reason,
                definition.panels.recusal,
                source="upload",
            )
            for key, mine in by_round.items()
        ]
    return {"rounds": done, "version": max(d["version"] for d in done)}


def expand_panels(definition: ContestDefinition, rows: Iterable[tuple[int, str, str, int, str]]) -> list[Assigned]:
    """Rows (line, entrant, round, item, panel key) as one row per judge of the contest file's panel."""
    panels = {p.key: p for p in definition.panels.panels}
    out: list[Assigned] = []
    for line, entrant, round_key, item, key in rows:
        panel = panels.get(key)
        if panel is None:
            known = ", ".join(panels) or "-"
            raise Invalid(
                Message("row {line}: no panel {panel!r}; panels: {known}", line=line, panel=key, known=known), "panel"
            )
        out.extend(Assigned(entrant, round_key, judge, item, "", panel.key) for judge in panel.judges)
    return out


# -- storing one round --------------------------------------------------------------------------------------


def _locked(session: Session, slug: str) -> Contest:
    contest = get_contest(session, slug)
    session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
    return contest


def _round(definition: ContestDefinition, key: str | None) -> Any:
    if not key or not definition.has_round(key):
        rounds = ", ".join(r.key for r in definition.rounds)
        raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=key or "", rounds=rounds), "round")
    return definition.round(key)


def _store(
    session: Session,
    contest: Contest,
    definition: ContestDefinition,
    round_key: str,
    rows: Sequence[Assigned],
    actor: Actor,
    reason: str,
    recusal: Recusal,
    *,
    source: str,
) -> Json:
    _no_teams(definition, round_key)
    _check(session, contest, definition, round_key, rows, recusal)
    # an upload replaces the assignments of the entrants it names (the rest keep theirs); a draw, the whole round
    named = {r.entrant for r in rows} if source == "upload" else None
    if named is not None and round_key not in assigned.stored_rounds(session, contest.id):
        if round_key in definition.panels.assigned_rounds():
            _keep_file_plan(session, contest, definition, round_key, named)
        else:  # everyone judged everyone: an upload that names some would leave the others with nobody
            _names_everyone(session, contest, round_key, named)
            named = None  # it assigns the whole round: the reason and taken-off checks see all the round's marks
    marked = [m for m in queries.judged_versions(session, contest.id, round_key) if named is None or m[0] in named]
    given = len(marked)
    if given and not reason.strip():
        message = Message(
            "{count} marks have been given in round {round!r}: a reassignment needs a reason",
            count=given,
            round=round_key,
        )
        raise Invalid(message, "reason")
    plan = plan_from_rows(round_key, rows)
    current = {(e, i, c, j): v for e, i, c, j, v in marked}  # the newest version of each mark
    kept = [{"entrant": e, "item": i, "criterion": c, "judge": j, "value": v} for (e, i, c, j), v in current.items()]
    # a judge who marked an item stays on it: their mark keeps counting (an item's panel is whoever marked it)
    taken_off = [
        Message(
            "entrant {entrant} item {item} {criterion}: {judge} gave {value}",
            entrant=e,
            item=i,
            criterion=c,
            judge=j,
            value=v,
        )
        for (e, i, c, j), v in current.items()
        if j not in plan.judges(e, i, c)
    ]
    if taken_off:
        message = Message(
            "a change may not take a judge off an item they have marked (keep those items with their panel): {marks}",
            marks=_joined(taken_off[:SHOWN], len(taken_off) - SHOWN),
        )
        raise Conflict(message, "judge", details=[str(m) for m in taken_off[:50]])
    mine = (Assignment.contest_id == contest.id) & (Assignment.round == round_key)
    if named is None:
        session.execute(delete(Assignment).where(mine))
    else:
        codes = sorted(named)
        for at in range(0, len(codes), CHUNK):
            session.execute(delete(Assignment).where(mine, Assignment.entrant.in_(codes[at : at + CHUNK])))
    session.execute(
        insert(Assignment),
        [
            {
                "contest_id": contest.id,
                "round": round_key,
                "entrant": r.entrant,
                "item": r.item,
                "criterion": r.criterion,
                "judge": r.judge,
                "panel": r.panel,
            }
            for r in rows
        ],
    )
    version = next_version(session, contest)
    change = AssignmentChange(
        contest_id=contest.id,
        round=round_key,
        seq=version,
        source=source,
        rows=len(rows),
        marks=given,
        kept=kept,
        reason=reason[:1000],
        role=actor.role,
        token_id=actor.token_id,
        actor=actor.label,
    )
    session.add(change)
    session.flush()
    entrants = len({r.entrant for r in rows})
    return {
        "round": round_key,
        "rows": len(rows),
        "entrants": entrants,
        "kept": kept,
        "version": version,
        "change": change.id,
    }


def _no_teams(definition: ContestDefinition, round_key: str) -> None:
    """Refuse to draw or upload a round whose judged criteria have aspect teams (a criterion's own `judges`): a draw
    or an upload gives every criterion judges of the round's pool, so the team criteria could never be completed."""
    own = teams(definition, definition.round(round_key))
    if own:
        message = Message(
            "round {round!r} has aspect teams ({criteria}: their judges are named in the contest file): "
            "its assignments cannot be drawn or uploaded; use the contest file's {table}",
            round=round_key,
            criteria=", ".join(own),
            table="[[assignments]]",
        )
        raise Invalid(message, "round")


def _names_everyone(session: Session, contest: Contest, round_key: str, named: set[str]) -> None:
    """Refuse the first upload to a round that had no assignments unless it assigns every entrant."""
    left = [e.code for e in queries.entrants_of(session, contest.id) if e.code not in named]
    if left:
        message = Message(
            "round {round!r} had no assignments (every judge judged every entrant): an upload must assign every "
            "entrant, {count} would have no judges: {codes}",
            round=round_key,
            count=len(left),
            codes=_listed(left),
        )
        raise Invalid(message, "entrant")


def _keep_file_plan(
    session: Session, contest: Contest, definition: ContestDefinition, round_key: str, named: set[str]
) -> None:
    """Before the first upload to a round the contest file assigns, store the file's assignments of every entrant
    the upload does not name, so they keep them."""
    plan = assigned.plan_of(session, contest.id, definition, round_key, stored=set())
    if plan is None:
        return
    rows = [
        {
            "contest_id": contest.id,
            "round": round_key,
            "entrant": entrant,
            "item": item,
            "criterion": criterion,
            "judge": judge,
            "panel": duty.panel,
        }
        for entrant, duties in plan.by_entrant.items()
        if entrant not in named
        for duty in duties
        for item in (sorted(duty.items) if duty.items is not None else [0])
        for criterion in (sorted(duty.criteria) if duty.criteria is not None else [""])
        for judge in duty.judges
    ]
    if rows:
        session.execute(insert(Assignment), rows)


def _check(
    session: Session,
    contest: Contest,
    definition: ContestDefinition,
    round_key: str,
    rows: Sequence[Assigned],
    recusal: Recusal,
) -> None:
    """Refuse the round's rows unless every one names a known entrant, judge, item and criterion, no pair is
    recused and each covered item has exactly `panel_size` judges; every problem of a kind is listed."""
    rnd = definition.round(round_key)
    judged = [k for k in rnd.criteria if definition.criterion(k).judged]
    people = {e.code: e.organization for e in queries.entrants_of(session, contest.id)}
    judges = {j.code for j in queries.judges_of(session, contest.id) if not j.chief}
    pool = set(definition.panel(round_key) or judges)
    if bad := _listed([r.entrant for r in rows if r.entrant not in people]):
        raise Invalid(Message("no entrant has the code {codes}", codes=bad), "entrant")
    if bad := _listed([r.judge for r in rows if r.judge not in pool]):
        raise Invalid(Message("{codes}: not a judge of round {round!r}", codes=bad, round=round_key), "judge")
    if bad := _listed([str(r.item) for r in rows if not 0 <= r.item <= rnd.items]):
        raise Invalid(Message("no item {items} in round {round!r}", items=bad, round=round_key), "item")
    if bad := _listed([r.criterion for r in rows if r.criterion and r.criterion not in judged]):
        message = Message("{keys}: not a judged criterion of round {round!r}", keys=bad, round=round_key)
        raise Invalid(message, "criterion")
    recused = [why for r in rows if (why := recusal.why(r.judge, r.entrant, people[r.entrant])) is not None]
    if recused:
        raise Invalid(Message("recused (回避): {why}", why=_joined(recused[:SHOWN])), "judge", details=recused[:50])
    size = rnd.scoring.panel_size
    if size is None:
        raise Invalid(
            Message(
                "round {round!r} has no {setting}: say how many judges mark each item",
                round=round_key,
                setting="panel_size",
            ),
            "round",
        )
    plan = plan_from_rows(round_key, rows)
    wrong = [
        Message("entrant {entrant} item {item} {criterion}: {count}", entrant=e, item=i, criterion=c, count=n)
        for e in plan.by_entrant
        for i in range(1, rnd.items + 1)
        for c in judged
        if (n := len(plan.judges(e, i, c))) not in (0, size)
    ]
    if wrong:
        message = Message(
            "each item needs exactly {size} judges ({setting}), got: {wrong}",
            size=size,
            setting="panel_size",
            wrong="; ".join(wrong[:SHOWN]),
        )
        raise Invalid(message, "judge", details=[str(w) for w in wrong[:50]])


def _listed(bad: list[str]) -> str:
    """The first few of `bad` (and how many more), or "" when there are none."""
    unique = sorted(set(bad), key=natural)
    more = f" (+{len(unique) - SHOWN})" if len(unique) > SHOWN else ""
    return ", ".join(repr(b) for b in unique[:SHOWN]) + more if unique else ""


def _joined(messages: Sequence[str], more: int = 0) -> str:
    """`messages` joined by "; " (and how many more), kept as a Message so that each is translated on a page."""
    joined = messages[0] if messages else ""
    for message in messages[1:]:
        joined = Message("{first}; {then}", first=joined, then=message)
    return Message("{listed} (+{more})", listed=joined, more=more) if more > 0 else joined

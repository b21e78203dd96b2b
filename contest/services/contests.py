"""Contests, entrants and judges: creating and replacing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Entrant, Judge, Mark, RoundState
from contest.scoring import ContestDefinition, DefinitionError, parse_definition
from contest.scoring import Entrant as CoreEntrant
from contest.scoring.messages import reason
from contest.scoring.text import MAX_CODE, MAX_GROUP, MAX_NAME, MAX_ORGANIZATION, clean_text
from contest.services import credentials
from contest.services.errors import Conflict, Invalid, NotFound
from contest.services.principals import new_token

MAX_ENTRANTS = 100_000
MAX_JUDGES = 500


def definition_of(contest: Contest) -> ContestDefinition:
    return _parsed(contest.definition)


@lru_cache(maxsize=64)
def _parsed(text: str) -> ContestDefinition:
    """Contest files are parsed once per process (definitions are frozen values; the text is the key)."""
    return parse_definition(text)


def next_version(session: Session, contest: Contest) -> int:
    """Take the contest's next change number (the board's version) inside the caller's transaction."""
    return session.execute(
        update(Contest).where(Contest.id == contest.id).values(seq=Contest.seq + 1).returning(Contest.seq)
    ).scalar_one()


def get_contest(session: Session, slug: str) -> Contest:
    contest = queries.contest_by_slug(session, slug)
    if contest is None:
        raise NotFound(f"no contest {slug!r}", "slug")
    return contest


def title_of(db: sessionmaker[Session], slug: str) -> str:
    with db() as session:
        return get_contest(session, slug).title


def create_contest(db: sessionmaker[Session], text: str) -> ContestDefinition:
    """Store a new contest from its TOML; its rounds start open with their boards live."""
    definition = checked_definition(text)
    with db.begin() as session:
        add_contest(session, definition, text)
    return definition


def checked_definition(text: str) -> ContestDefinition:
    """The contest file parsed, or Invalid naming the first problem's field (every problem in `details`)."""
    try:
        return parse_definition(text)
    except DefinitionError as exc:
        first = exc.problems[0] if exc.problems else None
        raise Invalid(
            exc.as_message(), first.where if first else None, details=[str(p) for p in exc.problems]
        ) from None


def add_contest(session: Session, definition: ContestDefinition, text: str) -> None:
    """`create_contest` inside the caller's transaction."""
    if queries.contest_by_slug(session, definition.slug) is not None:
        raise Conflict(f"a contest with slug {definition.slug!r} exists already", "slug")
    contest = Contest(slug=definition.slug, title=definition.title, definition=text)
    session.add(contest)
    session.flush()
    for rnd in definition.rounds:
        session.add(RoundState(contest_id=contest.id, round=rnd.key))


def _checked_text(value: str, field: str, most: int, *, required: bool = False) -> str:
    """A text under the policy of contest/scoring/text.py, or Invalid naming `field`."""
    try:
        return clean_text(value, max_length=most, required=required)
    except ValueError as exc:
        raise Invalid(reason(exc), field) from None


def put_entrants(db: sessionmaker[Session], slug: str, entrants: Sequence[CoreEntrant]) -> int:
    """Replace the entrant list (matched by code). An entrant who already has marks cannot be removed."""
    with db.begin() as session:
        return replace_entrants(session, slug, entrants)


def replace_entrants(session: Session, slug: str, entrants: Sequence[CoreEntrant]) -> int:
    """`put_entrants` inside the caller's transaction; every text checked again under the text policy."""
    if len(entrants) > MAX_ENTRANTS:
        raise Invalid(f"at most {MAX_ENTRANTS} entrants", "entrants")
    for index, entrant in enumerate(entrants):
        _checked_text(entrant.code, f"[{index}].code", MAX_CODE, required=True)
        _checked_text(entrant.name, f"[{index}].name", MAX_NAME)
        _checked_text(entrant.organization, f"[{index}].organization", MAX_ORGANIZATION)
        _checked_text(entrant.group, f"[{index}].group", MAX_GROUP)
        for key, value in entrant.attributes.items():
            _checked_text(key, f"[{index}].attributes", MAX_NAME)
            _checked_text(value, f"[{index}].attributes.{key}", MAX_ORGANIZATION)
    codes = [e.code for e in entrants]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise Invalid(f"code {dup!r} is listed twice", "code")
    contest = get_contest(session, slug)
    existing = {e.code: e for e in queries.entrants_of(session, contest.id)}
    if set(codes) != set(existing) and queries.sealing(session, contest.id)[0]:  # a standing draw (抽签加密)
        raise Conflict("the entrants' codes were drawn: withdraw the draw before changing the list", "code")
    gone = set(existing) - set(codes)
    if gone:
        marked = session.execute(
            select(Mark.entrant).where(Mark.contest_id == contest.id, Mark.entrant.in_(gone)).limit(1)
        ).scalar_one_or_none()
        if marked is not None:
            raise Conflict(f"entrant {marked!r} has marks and cannot be removed from the list", "code")
        session.execute(delete(Entrant).where(Entrant.contest_id == contest.id, Entrant.code.in_(gone)))
    for position, entrant in enumerate(entrants):
        row = existing.get(entrant.code)
        if row is None:
            row = Entrant(contest_id=contest.id, code=entrant.code)
            session.add(row)
        row.name, row.organization, row.group = entrant.name, entrant.organization, entrant.group
        row.attributes = dict(entrant.attributes)
        row.position = position
    next_version(session, contest)  # the list changed: screens refresh names
    return len(entrants)


@dataclass(frozen=True)
class NewJudge:
    code: str
    name: str
    token: str
    chief: bool


def create_judges(db: sessionmaker[Session], slug: str, judges: Sequence[tuple[str, str, bool]]) -> list[NewJudge]:
    """Add judges (code, name, chief) with a token each; the token is shown once, only its hash is kept."""
    with db.begin() as session:
        return add_judges(session, slug, judges)


def add_judges(session: Session, slug: str, judges: Sequence[tuple[str, str, bool]]) -> list[NewJudge]:
    """`create_judges` inside the caller's transaction."""
    if len(judges) > MAX_JUDGES:
        raise Invalid(f"at most {MAX_JUDGES} judges at once", "judges")
    for index, (code, name, _) in enumerate(judges):
        _checked_text(code, f"[{index}].code", MAX_CODE, required=True)
        _checked_text(name, f"[{index}].name", MAX_NAME)
    created: list[NewJudge] = []
    contest = get_contest(session, slug)
    existing = {j.code: j for j in queries.judges_of(session, contest.id)}
    known = set(existing)
    for code, name, chief in judges:
        if code in existing:  # without a valid login (loaded with marks, revoked): one now; with one: 409
            judge = existing.pop(code)
            token = credentials.login_for_existing(session, judge, name, chief)
            created.append(NewJudge(code, judge.name, token, judge.chief))
            continue
        if code in known:
            raise Conflict(f"judge {code!r} exists already in {slug!r}", "code")
        known.add(code)
        judge = Judge(contest_id=contest.id, code=code, name=name, chief=chief)
        session.add(judge)
        session.flush()
        token = new_token(session, "judge", contest_id=contest.id, judge_id=judge.id)
        created.append(NewJudge(code, name, token, chief))
    next_version(session, contest)  # panels changed: boards everywhere catch up
    return created

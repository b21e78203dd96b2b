"""Blind codes (抽签加密) and their decryption (解密): the organizer's use cases.

A draw deals one layer of codes to the entrants with a cryptographically secure shuffle (`secrets.SystemRandom`):
layer 1 (一次加密) seat or workstation numbers, layer 2 (二次加密) sealed codes for the judged work (the pure part:
contest/scoring/lots.py). The entrants are then *known by the drawn code*: their `code` becomes the newest layer's
code, so judges' queues, marks, the chief judge's page, the standings and the screens all speak in drawn codes
without knowing a draw happened. The permutation is kept in `draws` (who, when, layer, pairs), the sealed mapping
(code -> entrant) is for organizers only, and each showing or printing of it is logged.

Rules:
- a draw, a redraw and a withdrawal come before the first mark of the contest (marks name entrants by code), and
  never after the decryption; layer 2 needs a standing layer 1; drawing layer 1 again starts over from the
  entrants' own codes (a standing layer 2 is superseded with it);
- while a draw stands, the entrant list keeps its codes (contest/services/contests.py refuses another list:
  withdraw the draw, change the list, draw again);
- a blind or drawn contest shows codes only to everyone but organizers (judges, chief judge, public standings and
  screens) until the decryption: an explicit act with a reason, refused until every round is locked, logged (who,
  when, why); then names are shown with the codes everywhere. There is no undoing it.
"""

from __future__ import annotations

import getpass
import re
import secrets
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Draw, DrawEvent, Entrant, Mark, now
from contest.scoring import lots
from contest.scoring.definition import ContestDefinition
from contest.services.contests import definition_of, get_contest, next_version
from contest.services.errors import Conflict, Forbidden, Invalid, Message
from contest.services.principals import Principal

Json = dict[str, Any]
PREFIX = re.compile(r"[A-Za-z0-9-]{0,8}")
MAX_REASON = 1000
ACTIONS = ("decrypt", "withdraw", "view", "print")

_random = secrets.SystemRandom()  # the OS's CSPRNG: a draw nobody can predict or replay


@dataclass(frozen=True)
class Actor:
    """Who acts: the role and token of a request, or the command line (which holds the database itself)."""

    role: str
    token_id: int | None
    label: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        if not principal.is_organizer:
            raise Forbidden(Message("only organizers draw lots and decrypt; you are {role}", role=principal.role))
        return cls(principal.role, principal.token_id, f"{principal.role} (token {principal.token_id})")

    @classmethod
    def command_line(cls) -> Actor:
        try:
            user = getpass.getuser()
        except Exception:  # no user name in this environment
            user = "?"
        return cls("organizer", None, f"command line ({user}@{socket.gethostname()})"[:200])


@dataclass
class _Standing:
    """The draws in effect and what they say of the entrants' codes."""

    first: Draw | None
    second: Draw | None

    def rows(self) -> list[Draw]:
        return [d for d in (self.first, self.second) if d is not None]

    def own_code(self) -> dict[str, str]:
        """current code -> the entrant's own code (before any draw)."""
        if self.first is None:
            return {}
        own = {after: before for before, after in self.first.pairs}
        if self.second is None:
            return own
        return {after: own[before] for before, after in self.second.pairs}

    def seat(self) -> dict[str, str]:
        """current code -> the layer-1 code."""
        if self.second is None:
            return {} if self.first is None else {after: after for _, after in self.first.pairs}
        return {after: before for before, after in self.second.pairs}


def _standing(session: Session, contest_id: int) -> _Standing:
    query = select(Draw).where(Draw.contest_id == contest_id, Draw.superseded_at.is_(None)).order_by(Draw.id)
    found = {d.layer: d for d in session.execute(query).scalars()}
    return _Standing(found.get(1), found.get(2))


def _has_marks(session: Session, contest_id: int) -> bool:
    query = select(Mark.id).where(Mark.contest_id == contest_id).limit(1)
    return session.execute(query).scalar_one_or_none() is not None


def _checked_reason(reason: str, *, required: bool = False) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise Invalid(Message("give a reason: it is kept with who and when"), "reason")
    if len(text) > MAX_REASON:
        raise Invalid(Message("at most {count} characters", count=MAX_REASON), "reason")
    return text


def _before_marks(session: Session, contest: Contest, field: str) -> None:
    if _decrypted(session, contest.id) is not None:
        raise Conflict(Message("the contest was decrypted: its codes can no longer change"), field)
    if _has_marks(session, contest.id):
        raise Conflict(Message("marks exist: codes can be drawn or withdrawn only before the first mark"), field)


def _decrypted(session: Session, contest_id: int) -> DrawEvent | None:
    query = select(DrawEvent).where(DrawEvent.contest_id == contest_id, DrawEvent.action == "decrypt").limit(1)
    return session.execute(query).scalar_one_or_none()


def _rename(session: Session, entrants: list[Entrant], new_code: dict[int, str]) -> None:
    """Give every entrant its new code in two steps, so no moment has two entrants with one code."""
    for row in entrants:
        row.code = f"~draw~{row.id}"
    session.flush()
    for row in entrants:
        row.code = new_code[row.id]
    session.flush()


def _current(session: Session, contest: Contest, standing: _Standing) -> list[Entrant]:
    entrants = list(queries.entrants_of(session, contest.id))
    if not entrants:
        raise Conflict(Message("the contest has no entrants to draw"), "entrants")
    if standing.first is not None and set(standing.own_code()) != {e.code for e in entrants}:
        raise Conflict(Message("the entrant list changed since the draw: withdraw it and draw again"), "entrants")
    return entrants


def draw(db: sessionmaker[Session], actor: Actor, slug: str, layer: int, *, reason: str = "", prefix: str = "") -> Json:
    """Draw `layer` (1 or 2) now: the new codes, and the contest's version."""
    if layer not in lots.LAYERS:
        raise Invalid(Message("the layer is 1 (seat numbers) or 2 (sealed codes)"), "layer")
    if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
        raise Invalid(Message("a prefix is up to 8 letters, digits or hyphens"), "prefix")
    text = _checked_reason(reason)
    with db.begin() as session:
        contest = get_contest(session, slug)
        _before_marks(session, contest, "layer")
        standing = _standing(session, contest.id)
        entrants = _current(session, contest, standing)
        if layer == 2 and standing.first is None:
            raise Conflict(Message("draw layer 1 (seat numbers) before layer 2"), "layer")
        own = standing.own_code() or {e.code: e.code for e in entrants}
        seat = standing.seat()
        if layer == 1:
            before = [own[e.code] for e in entrants]
            pairs = lots.assign(before, lots.seat_codes(len(entrants), prefix), _random.shuffle)
            dealt = dict(pairs)
            new_code = {e.id: dealt[own[e.code]] for e in entrants}
            superseded = standing.rows()
        else:
            before = [seat[e.code] for e in entrants]
            pairs = lots.assign(before, lots.sealed_codes(len(entrants), _random.sample, prefix), _random.shuffle)
            dealt = dict(pairs)
            new_code = {e.id: dealt[seat[e.code]] for e in entrants}
            superseded = [standing.second] if standing.second is not None else []
        assert lots.is_permutation(pairs, before)
        for old in superseded:
            old.superseded_at = now()
        _rename(session, entrants, new_code)
        seq = next_version(session, contest)  # the boards reload the entrants: screens show the new codes
        record = Draw(
            contest_id=contest.id,
            layer=layer,
            seq=seq,
            pairs=[list(p) for p in pairs],
            role=actor.role,
            token_id=actor.token_id,
            actor=actor.label,
            reason=text,
        )
        session.add(record)
        session.flush()
        return {"draw": record.id, "layer": layer, "version": seq, "codes": [{"from": a, "to": b} for a, b in pairs]}


def withdraw(db: sessionmaker[Session], actor: Actor, slug: str, *, reason: str) -> int:
    """Undo the standing draw (both layers) before any mark: the entrants get their own codes back."""
    text = _checked_reason(reason, required=True)
    with db.begin() as session:
        contest = get_contest(session, slug)
        _before_marks(session, contest, "draw")
        standing = _standing(session, contest.id)
        if standing.first is None:
            raise Conflict(Message("there is no draw to withdraw"), "draw")
        entrants = _current(session, contest, standing)
        own = standing.own_code()
        for old in standing.rows():
            old.superseded_at = now()
        _rename(session, entrants, {e.id: own[e.code] for e in entrants})
        seq = next_version(session, contest)
        _log(session, contest, actor, "withdraw", text, seq)
        return seq


def decrypt(db: sessionmaker[Session], actor: Actor, slug: str, *, reason: str) -> Json:
    """Release the names (解密): refused before every round is locked; logged with who, when and why."""
    text = _checked_reason(reason, required=True)
    with db.begin() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        drawn, _ = queries.sealing(session, contest.id)
        done = _decrypted(session, contest.id)
        if done is not None:
            when = done.created_at.isoformat(timespec="seconds") + "Z"
            raise Conflict(Message("the contest was decrypted already ({when})", when=when), "reason")
        if not (definition.blind or drawn):
            raise Conflict(Message("nothing to decrypt: the contest is not blind and has no draw"), "reason")
        states = queries.round_states(session, contest.id)
        still_open = [r.key for r in definition.rounds if states[r.key].status != "locked"]
        if still_open:
            message = Message("lock every round before decrypting; still open: {rounds}", rounds=", ".join(still_open))
            raise Conflict(message, "status")
        seq = next_version(session, contest)  # the boards reload: names reach the screens
        event = _log(session, contest, actor, "decrypt", text, seq)
        return {"version": seq, "decrypted": _event_json(event)}


def _log(session: Session, contest: Contest, actor: Actor, action: str, reason: str, seq: int) -> DrawEvent:
    assert action in ACTIONS
    event = DrawEvent(
        contest_id=contest.id,
        action=action,
        seq=seq,
        role=actor.role,
        token_id=actor.token_id,
        actor=actor.label,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event


def _event_json(event: DrawEvent) -> Json:
    return {
        "action": event.action,
        "version": event.seq,
        "at": event.created_at.isoformat(timespec="seconds") + "Z",
        "by": event.actor,
        "role": event.role,
        "reason": event.reason,
    }


def names_released(session: Session, contest: Contest, definition: ContestDefinition | None = None) -> bool:
    """Whether results may carry names for everyone: the contest is neither blind nor drawn, or was decrypted.
    (Exports and the public standings ask this; organizers hold the seal and see names anyway.)"""
    drawn, decrypted = queries.sealing(session, contest.id)
    return decrypted or not ((definition or definition_of(contest)).blind or drawn)


def status(db: sessionmaker[Session], slug: str) -> Json:
    """The contest's draws (without their codes), decryption and log, and what is possible now."""
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        records = session.execute(select(Draw).where(Draw.contest_id == contest.id).order_by(Draw.id)).scalars()
        events = session.execute(
            select(DrawEvent).where(DrawEvent.contest_id == contest.id).order_by(DrawEvent.id)
        ).scalars()
        states = queries.round_states(session, contest.id)
        drawn, decrypted = queries.sealing(session, contest.id)
        standing = _standing(session, contest.id)
        drawn_json = [
            {
                "id": d.id,
                "layer": d.layer,
                "version": d.seq,
                "at": d.created_at.isoformat(timespec="seconds") + "Z",
                "by": d.actor,
                "role": d.role,
                "reason": d.reason,
                "entrants": len(d.pairs),
                "standing": d.superseded_at is None,
            }
            for d in records
        ]
        events_json = [_event_json(e) for e in events]
        log = sorted([{**d, "action": "draw"} for d in drawn_json] + events_json, key=lambda e: (e["at"], e["version"]))
        return {
            "contest": contest.slug,
            "title": contest.title,
            "blind": definition.blind,
            "layers": [d.layer for d in standing.rows()],
            "sealed": (definition.blind or drawn) and not decrypted,
            "decrypted": decrypted,
            "marks": _has_marks(session, contest.id),
            "entrants": len(queries.entrants_of(session, contest.id)),
            "open_rounds": [r.key for r in definition.rounds if states[r.key].status != "locked"],
            "draws": drawn_json,
            "events": events_json,
            "log": log,  # both, oldest first
        }


def mapping(db: sessionmaker[Session], actor: Actor, slug: str, *, action: str = "view") -> Json:
    """The sealed mapping, code by code (the code judges see -> seat -> the entrant's own code, name, organization,
    group); each showing ("view") or printing ("print") is logged."""
    if action not in ("view", "print"):
        raise Invalid(Message("expected {view} or {print}", view="view", print="print"), "action")
    with db.begin() as session:
        contest = get_contest(session, slug)
        standing = _standing(session, contest.id)
        own, seat = standing.own_code(), standing.seat()
        rows = [
            {
                "code": e.code,
                "seat": seat.get(e.code, ""),
                "own": own.get(e.code, e.code),
                "name": e.name,
                "organization": e.organization,
                "group": e.group,
            }
            for e in queries.entrants_of(session, contest.id)
        ]
        rows.sort(key=lambda r: (len(r["code"]), r["code"]))
        drawn = [
            {"layer": d.layer, "at": d.created_at.isoformat(timespec="seconds") + "Z", "by": d.actor}
            for d in standing.rows()
        ]
        event = _log(session, contest, actor, action, "", contest.seq)
        return {
            "contest": contest.slug,
            "title": contest.title,
            "layers": [d.layer for d in standing.rows()],
            "draws": drawn,
            "rows": rows,
            "logged": _event_json(event),
        }

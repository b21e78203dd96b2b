"""The tables. Marks are append-only: a correction is a new row; the current value is the newest row.

Every change of a contest (a submission, a round's state) takes the next number of `contests.seq` in the same
transaction; that number orders all changes and is the board's `version`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Contest(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    definition: Mapped[str] = mapped_column(Text)  # the contest file (TOML) as given
    seq: Mapped[int] = mapped_column(default=0)  # the number of the latest change: the board's version
    created_at: Mapped[datetime] = mapped_column(default=now)


class Entrant(Base):
    __tablename__ = "entrants"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    group: Mapped[str] = mapped_column(String(100), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)  # order of the entrant list


class Judge(Base):
    __tablename__ = "judges"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    chief: Mapped[bool] = mapped_column(default=False)  # 裁判长: may lock and unlock rounds


class Token(Base):
    """An API token, stored only as its SHA-256. Organizer and recorder tokens are for every contest."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # organizer | recorder | judge
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("judges.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginSession(Base):
    """A device signed in from a judge's QR link. The browser's cookie carries only the session's random id (and
    the page's form token), never the judge's token; the id is stored as its SHA-256. A session ends when it
    expires, when the judge signs out, or when its token is revoked or re-issued."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int | None] = mapped_column(ForeignKey("judges.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    seen_at: Mapped[datetime] = mapped_column(default=now)  # last request, to within a few minutes
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)  # signed out, or the token was revoked
    ip: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(300), default="")


class Submission(Base):
    """One acknowledged submission: the values one person entered for one item of one entrant, at once."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("contest_id", "client_id"), UniqueConstraint("contest_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    seq: Mapped[int]
    client_id: Mapped[str] = mapped_column(String(100))
    entrant: Mapped[str] = mapped_column(String(64))
    round: Mapped[str] = mapped_column(String(64))
    item: Mapped[int]
    judge: Mapped[str] = mapped_column(String(64), default="")  # the judge's code, "" for recorders and organizers
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    ip: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)


class Mark(Base):
    """One value of a submission. `value` is the decimal as text, so no database rounds it through a float."""

    __tablename__ = "marks"
    __table_args__ = (
        Index("ix_marks_contest_seq", "contest_id", "seq"),
        Index("ix_marks_entrant_item", "contest_id", "entrant", "round", "item"),  # current values, corrections
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    entrant: Mapped[str] = mapped_column(String(64))
    round: Mapped[str] = mapped_column(String(64))
    item: Mapped[int]
    criterion: Mapped[str] = mapped_column(String(64))
    judge: Mapped[str] = mapped_column(String(64), default="")  # "" for criteria that are not judged
    value: Mapped[str] = mapped_column(String(40))
    previous: Mapped[str | None] = mapped_column(String(40), default=None)  # the value it corrects, if any


class RoundState(Base):
    __tablename__ = "round_states"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    round: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | locked
    board: Mapped[str] = mapped_column(String(16), default="live")  # hidden | live | frozen | reveal
    # the version the public sees while frozen (as of the freeze) or hidden (as of the round's last change)
    frozen_seq: Mapped[int | None] = mapped_column(default=None)
    # the entrants and the default panel as they were at the freeze (JSON): a frozen board is built from them
    frozen_field: Mapped[str | None] = mapped_column(Text, default=None)
    reveal_by: Mapped[str | None] = mapped_column(String(16), default=None)  # rank | award, while board = reveal
    reveal_step: Mapped[int | None] = mapped_column(default=None)  # places or tiers uncovered from the bottom
    updated_at: Mapped[datetime] = mapped_column(default=now)


class RoundEvent(Base):
    """Who opened, locked, unlocked, froze or revealed a round, when, and why."""

    __tablename__ = "round_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    change: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Secret(Base):
    """Secrets the server makes once and keeps: the key that signs judges' session cookies survives restarts."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ContestRevision(Base):
    """A change of a contest file from the organizer console: who (token, address, device), when, why, the file
    before and after, and how many mark versions existed then (a change after marks needs a reason)."""

    __tablename__ = "contest_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # the contest's version the change took
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    ip: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(1000), default="")
    marks: Mapped[int] = mapped_column(default=0)
    old_definition: Mapped[str] = mapped_column(Text)
    new_definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Draw(Base):
    """A drawing of lots (抽签加密): one layer's codes dealt to the entrants at random (contest/services/draws.py).
    `pairs` is the permutation, [[code before, code after], ...] in the entrants' order; a later draw of the same
    or a lower layer supersedes it (before any mark only)."""

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    layer: Mapped[int]  # 1: seat numbers (一次加密); 2: sealed codes of the judged work (二次加密)
    seq: Mapped[int]  # the contest's version the draw took
    pairs: Mapped[list[list[str]]] = mapped_column(JSON)
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="")  # who, as shown: "organizer (token 3)", "cli: ..."
    reason: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)  # redrawn or withdrawn


class DrawEvent(Base):
    """What was done with a contest's sealed mapping, who did it, when and why: decrypt (解密, names released),
    withdraw (the draw undone before any mark), view and print (the mapping shown to an organizer)."""

    __tablename__ = "draw_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # decrypt | withdraw | view | print
    seq: Mapped[int]
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)


class Announcement(Base):
    """The published award list (公示) of a contest: the final standing's winners as they were when an organizer
    published it (after the final round was locked), the publication date and the objection period (公示期, in
    working days). Publishing again replaces it (contest/services/announcements.py)."""

    __tablename__ = "announcements"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int]  # the standings version the list was read from
    round: Mapped[str] = mapped_column(String(64))
    published_on: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    objection_days: Mapped[int] = mapped_column(default=5)
    issuer: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{rank, entrant, name, organization, group, ...}]
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Assignment(Base):
    """Who judges whom in a round (评委分组), drawn or uploaded (contest/services/assignments.py): one judge on one
    entrant's item (0: every item) and criterion ("": every judged criterion), sitting as `panel` ("": one by one).
    A round with rows here follows them instead of the contest file's ``[[assignments]]``."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_entrant", "contest_id", "round", "entrant"),
        Index("ix_assignments_judge", "contest_id", "round", "judge"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    round: Mapped[str] = mapped_column(String(64))
    entrant: Mapped[str] = mapped_column(String(64))
    item: Mapped[int] = mapped_column(default=0)
    criterion: Mapped[str] = mapped_column(String(64), default="")
    judge: Mapped[str] = mapped_column(String(64))
    panel: Mapped[str] = mapped_column(String(64), default="")


class AssignmentChange(Base):
    """Each drawing, upload or withdrawal of a round's assignments: who, when, why, the seed and method of a draw
    (so it can be drawn again and checked), and the marks already given on the entrants it touched (a judge who
    marked an item stays on it)."""

    __tablename__ = "assignment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))  # draw | upload | withdraw
    method: Mapped[str] = mapped_column(String(16), default="")  # a draw's: judges | panels
    seed: Mapped[str] = mapped_column(String(40), default="")
    conflicts: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)  # a draw's own [{judge, entrant}]
    rows: Mapped[int] = mapped_column(default=0)
    marks: Mapped[int] = mapped_column(default=0)  # mark versions of the round when it was made
    kept: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # marks given by then, on its entrants
    reason: Mapped[str] = mapped_column(String(1000), default="")
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)

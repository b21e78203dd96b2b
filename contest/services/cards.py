"""Judges' login cards: printing them gives every judge a fresh login.

A card carries the judge's token in its QR link, and tokens are kept only as hashes, so a card can only be made
with a new token: printing cards re-issues the logins of the judges printed (in one transaction: all or none),
their old cards and QR links stop working at once and their signed-in devices are signed out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from contest.db.models import Contest, Judge
from contest.services.credentials import Reissued, issue_login
from contest.services.errors import Invalid, Message, NotFound
from contest.services.principals import Principal, require


@dataclass(frozen=True)
class Printed:
    slug: str
    title: str
    judges: list[Reissued]


def reissue_for_cards(
    db: sessionmaker[Session], principal: Principal, slug: str, codes: Sequence[str] | None = None
) -> Printed:
    """A new token for every judge of the contest (or only those of `codes`), in the judges' order. Organizers
    only: the cards include the chief judges'."""
    require(principal, "organizer")
    with db.begin() as session:
        contest = session.scalar(select(Contest).where(Contest.slug == slug))
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        judges = list(session.scalars(select(Judge).where(Judge.contest_id == contest.id).order_by(Judge.id)))
        if codes is not None:
            known = {j.code for j in judges}
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise NotFound(Message("no judge {code!r} in this contest", code=unknown[0]), "code")
            judges = [j for j in judges if j.code in set(codes)]
        if not judges:
            raise Invalid(Message("this contest has no judges yet: add them first"), "judges")
        issued = [Reissued(j.code, j.name, j.chief, issue_login(session, j)) for j in judges]
        return Printed(contest.slug, contest.title, issued)

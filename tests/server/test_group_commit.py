"""Group commit: many submissions checked and stored in one transaction, each answered on its own.

The batch is the real `write_batch` on the real database (SQLite and PostgreSQL) of a real app; what was stored
is read back through the API. A refused submission stores nothing and disturbs none of the others; submissions
later in a batch see the earlier ones (a replay, a correction); each is answered only after the commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from contest.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError, Unauthorized, Unavailable
from contest.services.marks import MarkRequest, Pending, Receipt, write_batch
from contest.services.writer import MarkWriter
from tests.server.conftest import Venue

pytestmark = pytest.mark.asyncio


def ask(entrant: str, value: str, client_id: str, *, item: int = 1, reason: str = "", **extra: Any) -> MarkRequest:
    values = {"execution": Decimal(value)}
    return MarkRequest(entrant, "prelim", item, values, client_id, reason=reason, **extra)


async def test_one_batch_stores_what_passes_and_refuses_the_rest(app: Starlette, venue: Venue) -> None:
    j1, j2 = venue.judges["J1"], venue.judges["J2"]
    before = await venue.version()
    batch = [
        Pending(j1, venue.slug, ask("E1", "8.5", "a")),
        Pending("not-a-token", venue.slug, ask("E2", "7", "b")),  # unknown token
        Pending(j1, venue.slug, ask("E2", "7.3", "c")),  # off the 0.5 step
        Pending(j2, venue.slug, ask("E1", "6", "d")),
        Pending(j1, venue.slug, ask("E1", "8.5", "a")),  # the first one again: a replay, stored once
        Pending(j1, venue.slug, ask("E3", "9", "a")),  # its client_id, other content
        Pending(j1, venue.slug, ask("E1", "9", "e")),  # corrects "a" without a reason
        Pending(j1, venue.slug, ask("E1", "9", "f", reason="看错了 / misread")),  # corrects "a" with one
        Pending(venue.recorder, venue.slug, ask("E2", "5", "g", judge="J1")),  # judged marks are not a recorder's
        Pending(j1, "no-such-contest", ask("E1", "5", "h")),
        Pending(venue.outsider, venue.slug, ask("E1", "5", "i")),  # another contest's chief judge
        Pending(j2, venue.slug, ask("NOBODY", "5", "j")),
    ]
    with app.state.db.begin() as session:
        outcomes = write_batch(session, batch)

    kinds = [type(o) for o in outcomes]
    assert kinds == [
        Receipt,
        Unauthorized,
        Invalid,
        Receipt,
        Receipt,
        Conflict,
        Invalid,
        Receipt,
        Forbidden,
        NotFound,
        Forbidden,
        Invalid,
    ]
    errors = {i: o for i, o in enumerate(outcomes) if isinstance(o, ServiceError)}
    assert (errors[2].field, errors[5].field, errors[6].field, errors[11].field) == (
        "values.execution",
        "client_id",
        "reason",
        "entrant",
    )
    assert "8.5 → 9" in errors[6].message
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    assert [(r.created, r.seq - before, r.corrected) for r in receipts] == [
        (True, 1, ()),
        (True, 2, ()),
        (False, 1, ()),  # the replay answers with the version it was stored with
        (True, 3, ("execution",)),
    ]

    history = await venue.history()
    stored = [(m["client_id"], m["entrant"], m["judge"], m["new"], m["old"]) for m in history]
    assert stored == [("a", "E1", "J1", "8.5", None), ("d", "E1", "J2", "6", None), ("f", "E1", "J1", "9", "8.5")]
    assert [m["version"] for m in history] == [before + 1, before + 2, before + 3]
    assert await venue.version() == before + 3


async def test_a_batch_replays_what_an_earlier_batch_stored(app: Starlette, venue: Venue) -> None:
    j1 = venue.judges["J1"]
    with app.state.db.begin() as session:
        [first] = write_batch(session, [Pending(j1, venue.slug, ask("E1", "8", "x"))])
    with app.state.db.begin() as session:
        again, other = write_batch(
            session, [Pending(j1, venue.slug, ask("E1", "8", "x")), Pending(j1, venue.slug, ask("E1", "7", "x"))]
        )
    assert isinstance(first, Receipt) and first.created
    assert again == Receipt(False, first.seq)
    assert isinstance(other, Conflict)
    assert len(await venue.history()) == 1


async def test_queued_submissions_share_one_commit_and_are_answered_after_it(app: Starlette, venue: Venue) -> None:
    engine = app.state.db.kw["bind"]
    commits: list[int] = []
    answered_at_commit: list[int] = []
    writer = MarkWriter(app.state.db, max_batch=40)
    futures = [
        writer.submit(
            venue.judges[f"J{1 + n % 3}"], venue.slug, ask(f"E{1 + n // 3 % 4}", "5", f"q{n}", item=1 + n // 12)
        )
        for n in range(36)  # 3 judges x 4 entrants x 3 items, every one a first mark
    ]
    futures += [writer.submit(venue.judges["J1"], venue.slug, ask("E1", "6", f"late{n}", item=3)) for n in range(8)]

    def on_commit(_conn: Any) -> None:
        commits.append(len(commits) + 1)
        answered_at_commit.append(sum(f.done() for f in futures))

    event.listen(engine, "commit", on_commit)
    try:
        writer.start()  # everything is queued already: the writer takes 40, then the last 4
        writer.close()
    finally:
        event.remove(engine, "commit", on_commit)

    assert len(commits) == 2
    assert answered_at_commit == [0, 40]  # nobody hears back before the commit that stored them
    results = [f.result() if f.exception() is None else f.exception() for f in futures]
    created = [r for r in results if isinstance(r, Receipt) and r.created]
    refused = [r for r in results if isinstance(r, Invalid)]
    # the 36 first marks are stored; each "late" one would correct J1's 5 for E1's item 3 without a reason
    assert len(created) == 36
    assert len(refused) == 8 and all(r.field == "reason" for r in refused)
    assert len(await venue.history()) == 36
    with pytest.raises(Unavailable):
        writer.submit(venue.judges["J1"], venue.slug, ask("E1", "5", "after-close"))

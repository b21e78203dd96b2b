"""When the database refuses a whole batch because of one submission, the writer stores each of the others on its
own: the judges whose marks were fine are acknowledged, and their marks are stored and ranked.

The failure is the database's own: a trigger that aborts any insert of a mark for one entrant (as a constraint an
administrator added, or a damaged page, would), so the batch's single insert statement fails and its transaction
rolls back with every other submission in it.
"""

from __future__ import annotations

from concurrent.futures import Future
from decimal import Decimal

import pytest
from sqlalchemy import exc, text
from starlette.applications import Starlette

from contest.services.marks import MarkRequest, Receipt
from contest.services.writer import MarkWriter
from tests.server.conftest import Venue

pytestmark = [pytest.mark.asyncio, pytest.mark.parametrize("db_kind", ["sqlite"])]

REFUSE_E3 = """
CREATE TRIGGER refuse_e3 BEFORE INSERT ON marks WHEN NEW.entrant = 'E3'
BEGIN SELECT RAISE(ABORT, 'the disk refuses E3'); END
"""


def ask(entrant: str, value: str, client_id: str) -> MarkRequest:
    return MarkRequest(entrant, "prelim", 1, {"execution": Decimal(value)}, client_id)


async def test_one_submission_the_database_refuses_does_not_sink_the_rest_of_its_batch(
    app: Starlette, venue: Venue
) -> None:
    with app.state.db.begin() as session:
        session.execute(text(REFUSE_E3))
    writer = MarkWriter(app.state.db)
    futures: dict[str, Future[Receipt]] = {
        entrant: writer.submit(venue.judges[judge], venue.slug, ask(entrant, value, f"retry-{entrant}"))
        for entrant, judge, value in (("E1", "J1", "8"), ("E2", "J1", "7"), ("E3", "J1", "9"), ("E4", "J2", "6"))
    }
    writer.start()  # all four are queued already: the writer takes them as one batch
    writer.close()

    refused = futures.pop("E3").exception(timeout=10)
    assert isinstance(refused, exc.IntegrityError) and "the disk refuses E3" in str(refused)
    receipts = [futures[code].result(timeout=10) for code in ("E1", "E2", "E4")]
    assert all(r.created for r in receipts)
    assert len({r.seq for r in receipts}) == 3

    stored = [(m["entrant"], m["judge"], m["new"], m["client_id"]) for m in await venue.history()]
    assert stored == [("E1", "J1", "8", "retry-E1"), ("E2", "J1", "7", "retry-E2"), ("E4", "J2", "6", "retry-E4")]
    answer = await venue.standings(venue.organizer, round="prelim")
    marked = {row["entrant"] for row in answer.json()["rows"]}
    assert marked == {"E1", "E2", "E4"}

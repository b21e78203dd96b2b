"""Two panels score their halves of the field at the same time through a real `contest serve` (SQLite and
PostgreSQL): every mark of a judge on their own panel's entrants is acknowledged and stored once, every mark on the
other panel's entrants is refused with 403 naming the panel, and the standing ranks the whole field from each
entrant's own panel."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

import httpx
import pytest

from tests.server.conftest import ServerProcess, bearer, make_token

pytestmark = pytest.mark.asyncio

ENTRANTS = 20
PANELS = {"A": ["J1", "J2", "J3"], "B": ["J4", "J5", "J6"]}
TOML = """\
[contest]
slug = "halves"
title = "两组并行 / two panels at once"
decimals = 2

[[criteria]]
key = "execution"
min = 0
max = 10
step = 0.5

[scoring]
panel = "mean"
panel_size = 3

[[rounds]]
key = "main"
items = 2

[[panels]]
key = "A"
judges = ["J1", "J2", "J3"]

[[panels]]
key = "B"
judges = ["J4", "J5", "J6"]

[[assignments]]
round = "main"
panel = "A"
entrants = { range = ["E01", "E10"] }

[[assignments]]
round = "main"
panel = "B"
entrants = { range = ["E11", "E20"] }
"""
_ids = itertools.count(1)


def value_of(judge: int, entrant: int, item: int) -> Decimal:
    return Decimal((judge * 5 + entrant * 3 + item) % 21) / 2


async def test_two_panels_score_their_halves_in_parallel(live_server: ServerProcess, db_url: str) -> None:
    organizer = make_token(db_url, "organizer")
    async with httpx.AsyncClient(base_url=live_server.url, headers=bearer(organizer), timeout=60) as admin:
        answer = await admin.post("/api/contests", content=TOML.encode(), headers={"content-type": "application/toml"})
        assert answer.status_code == 201, answer.text
        people = [{"code": f"E{e:02d}"} for e in range(1, ENTRANTS + 1)]
        assert (await admin.put("/api/contests/halves/entrants", json=people)).status_code == 200
        answer = await admin.post("/api/contests/halves/judges", json=[{"code": f"J{j}"} for j in range(1, 7)])
        tokens = {j["code"]: j["token"] for j in answer.json()}

    acked: list[tuple[str, int, int, str]] = []
    refused: list[str] = []

    async def judge(code: str, panel: str) -> None:
        own = range(1, 11) if panel == "A" else range(11, 21)
        other = 11 if panel == "A" else 1
        number = int(code[1:])
        async with httpx.AsyncClient(base_url=live_server.url, headers=bearer(tokens[code]), timeout=60) as client:
            queue = (await client.get("/judge/api/queue?round=main")).json()
            assert [e["code"] for e in queue["entrants"]] == [f"E{e:02d}" for e in own]

            async def send(entrant: int, item: int) -> httpx.Response:
                body = {
                    "entrant": f"E{entrant:02d}",
                    "round": "main",
                    "item": item,
                    "values": {"execution": str(value_of(number, entrant, item))},
                    "client_id": f"{code}-{next(_ids)}",
                }
                return await client.post("/api/contests/halves/marks", json=body)

            jobs = [send(e, i) for e in own for i in (1, 2)] + [send(other, 1)]
            for (entrant, item), answer in zip(
                [(e, i) for e in own for i in (1, 2)] + [(other, 0)], await asyncio.gather(*jobs), strict=True
            ):
                if item == 0:
                    assert answer.status_code == 403, answer.text
                    refused.append(answer.json()["error"]["message"])
                else:
                    assert answer.status_code == 201, answer.text
                    acked.append((code, entrant, item, str(value_of(number, entrant, item))))

    await asyncio.gather(*(judge(code, panel) for panel, codes in PANELS.items() for code in codes))
    assert len(acked) == 6 * 10 * 2
    assert sum("is panel B's (J4, J5, J6)" in m for m in refused) == 3
    assert sum("is panel A's (J1, J2, J3)" in m for m in refused) == 3

    async with httpx.AsyncClient(base_url=live_server.url, headers=bearer(organizer), timeout=60) as admin:
        history = (await admin.get("/api/contests/halves/history")).json()["marks"]
        stored = sorted((m["by_judge"], int(m["entrant"][1:]), m["item"], m["new"]) for m in history)
        assert stored == sorted(acked)  # each acknowledged mark once, nothing else
        rows = (await admin.get("/api/contests/halves/standings?round=main")).json()["rows"]
    assert len(rows) == ENTRANTS and all(r["rank"] is not None for r in rows)
    for row in rows:
        entrant = int(row["entrant"][1:])
        judges = (1, 2, 3) if entrant <= 10 else (4, 5, 6)
        total = sum(sum(value_of(j, entrant, i) for j in judges) / 3 for i in (1, 2))
        assert Decimal(row["total"]) == total.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")

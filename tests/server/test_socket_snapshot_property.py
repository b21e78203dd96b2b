"""A socket's first board comes from a cache (one render per view and version, contest/live/snapshots.py); after any
sequence of operations it must still equal a fresh computation from the database, like GET standings.

The machine of tests/server/test_board_property.py (generated contests with relative criteria, deductions, groups,
trimmed panels, awards, advancement; marks, corrections, uploads, new judges, locks, hidden, frozen and revealed
boards; one worker or two on one database), with the socket's snapshot path checked as well: every round as
organizers and as the public after every step, and any view (group, limit, `entrant=`) as a rule. Asking again
without a change in between must not render again (the cache serves it). With two workers a change made through
one must reach the other's new sockets at once: the cache reads the contest's version before serving.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from contest.live.snapshots import Snapshot, Snapshots
from contest.services.standings import View
from tests.server.test_board_property import (
    CODES,
    EXAMPLES,
    HEALTH,
    STEPS,
    BoardMachine,
    Fresh,
    Server,
    differences,
)


class SocketSnapshots(BoardMachine):
    def snapshot(self, server: Server, view: View) -> Snapshot:
        snapshots: Snapshots = server.app.state.snapshots
        snapshots.gap = 0.0  # a read of the version for every check (a server spaces them by 50 ms in a storm)

        async def get() -> Snapshot:
            return await snapshots.get(view)

        found: Snapshot = server.portal.call(get)
        return found

    def check_socket(self, server: Server, fresh: Fresh, round_key: str | None, *, public: bool, **params: Any) -> None:
        view = View(self.contest.slug, round_key, organizer=not public, hidden_as_empty=True, **params)
        got = self.snapshot(server, view).payload
        key = round_key or fresh.default_round(public=public)
        expected = fresh.payload(key, public=public, **params)
        if expected is None:  # a hidden board: the socket stays open on an empty view as of the round's last change
            hidden = fresh.states[key].frozen_seq
            assert hidden is not None and hidden <= fresh.version, (key, hidden)
            assert (got["board"], got["rows"], got["version"]) == ("hidden", [], hidden), got
            return
        shown = {k: got[k] for k in ("version", "round", "rows", "groups")}
        if public and fresh.states[key].board == "reveal":
            rows = {r["entrant"]: r for r in fresh.payload(key, public=True, group=params.get("group"))["rows"]}
            assert all(row == rows.get(row["entrant"]) for row in got["rows"]), differences(shown, expected)
            shown["rows"] = expected["rows"] = []
        assert shown == expected, (
            f"{'public' if public else 'organizer'} socket snapshot of {key} {params} on worker "
            f"{self.servers.index(server)} differs from a fresh computation:\n"
            + "\n".join(differences(shown, expected))
            + f"\n{self.contest.toml}"
        )
        # asked again with nothing changed in between: served from the cache, the very same snapshot
        snapshots: Snapshots = server.app.state.snapshots
        before = snapshots.renders
        again = self.snapshot(server, view)
        assert snapshots.renders == before and again.payload is got, "an unchanged view was rendered again"

    @rule(data=st.data())
    def socket_standings(self, data: st.DataObject) -> None:
        """Any round, group, limit and entrant, as organizer or public, on any worker, through the socket's path."""
        fresh = self.fresh()
        key = data.draw(st.sampled_from([None, *(r.key for r in self.contest.rounds)]), label="round")
        groups = [*sorted({e["group"] for e in self.entrants}), "无此组"]
        params = {
            "group": data.draw(st.none() | st.sampled_from(groups), label="group"),
            "limit": data.draw(st.integers(1, 8), label="limit"),
            "entrant": data.draw(st.none() | st.sampled_from(CODES), label="entrant"),
        }
        public = data.draw(st.booleans(), label="public")
        worker = data.draw(st.integers(0, len(self.servers) - 1), label="worker")
        self.check_socket(self.servers[worker], fresh, key, public=public, **params)

    @invariant()
    def every_socket_snapshot_equals_a_fresh_computation(self) -> None:
        if self.plan is None:
            return
        fresh = self.fresh()
        for server in self.servers:
            for rnd in self.contest.rounds:
                self.check_socket(server, fresh, rnd.key, public=False, limit=1000)
                self.check_socket(server, fresh, rnd.key, public=True, limit=1000)


class TwoWorkerSocketSnapshots(SocketSnapshots):
    workers = 2


TestOneWorkerSockets = SocketSnapshots.TestCase
TestOneWorkerSockets.settings = settings(
    max_examples=EXAMPLES or 25, stateful_step_count=STEPS or 20, deadline=None, suppress_health_check=HEALTH
)
TestTwoWorkerSockets = TwoWorkerSocketSnapshots.TestCase
TestTwoWorkerSockets.settings = settings(
    max_examples=EXAMPLES or 6, stateful_step_count=STEPS or 20, deadline=None, suppress_health_check=HEALTH
)

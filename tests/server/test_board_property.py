"""Every board the server shows equals a fresh computation, after any sequence of operations (hypothesis).

A stateful test against the real app (`create_app`, a fresh SQLite file per example, the real API): it generates a
contest the way real ones are written — relative measured values (sales against the best, lower-is-better times),
deductions, groups ranked separately, trimmed panels and per-judge formulas, several items, multi-round standings,
tie-breakers, awards, advancement — then marks, corrections, entrant uploads, new judges, locks and unlocks, board
states (hidden, live, frozen) and standings requests for any round, group, limit and entrant, one at a time or in
bursts. After every step each standing, as organizers see it and as the public sees it, must equal a brand-new
core `Board` built from the entrants, judges and marks read straight from the database (a frozen board: from the
marks up to its `frozen_version`). `TestTwoWorkers` runs two app instances on the same database file, sending the
requests to either.

The example counts keep the file under a minute (60 one-worker examples found the yield scored against 0 of issue 8
in one try of two; tests/server/test_demo_board.py holds that case for certain); CONTEST_PROPERTY_EXAMPLES=200 (and
CONTEST_PROPERTY_STEPS=60) run it longer.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from contest.db.models import Contest, RoundState
from contest.db.models import Entrant as EntrantRow
from contest.db.models import Judge as JudgeRow
from contest.db.models import Mark as MarkRow
from contest.exports.tables import as_json
from contest.scoring import Board, Entrant, Mark, MarkSheet, parse_definition
from contest.services.principals import new_token
from contest.settings import Settings
from contest.web.app import create_app

EXAMPLES = int(os.environ.get("CONTEST_PROPERTY_EXAMPLES", "0"))
STEPS = int(os.environ.get("CONTEST_PROPERTY_STEPS", "0"))
ALL_ROWS = 1000  # the API's largest limit: every row
JUDGES = ("J1", "J2", "J3", "J4")
CODES = ("E1", "E2", "E3", "E4", "E5", "E6")
NAMES = ("林浩然", "陈一鸣", "张子墨", "李泽宇", "王芳", "赵玥")
GROUPS = ("甲", "乙", "")

# -- contests -----------------------------------------------------------------------------------------------------

CRITERIA = {
    "q1": "min = 0\nmax = 10\nstep = 0.5",
    "q2": "min = 0\nmax = 5\nstep = 1",
    "dd": "judged = false\nmin = 1\nmax = 3\nstep = 0.5",
    "gmv": "judged = false\nrelative = true\nmin = 0\nmax = 900\nstep = 100",
    "secs": 'judged = false\nrelative = true\nbetter = "lower"\nmin = 10\nmax = 40\nstep = 10',
    "ded": "judged = false\ndeduction = true\nmin = 0\nmax = 2\nstep = 0.5",
    "theory": "judged = false\nmin = 0\nmax = 100\nstep = 25",
}
# values a mark takes (few, so that ties and equal bests happen), and a few the server must refuse
VALUES = {
    "q1": ("0", "5", "6.5", "7", "8", "10"),
    "q2": ("0", "2", "3", "5"),
    "dd": ("1", "1.5", "2", "3"),
    "gmv": ("0", "100", "300", "900"),
    "secs": ("10", "20", "40"),
    "ded": ("0", "0.5", "2"),
    "theory": ("0", "50", "75", "100"),
}
REFUSED = {"q1": "7.3", "q2": "6", "dd": "0.5", "gmv": "950", "secs": "5", "ded": "3", "theory": "60"}
JUDGED = ("q1", "q2")


@dataclass(frozen=True)
class RoundPlan:
    key: str
    items: int
    criteria: tuple[str, ...]
    scoring: dict[str, str]  # [rounds.scoring] lines, already TOML values
    judges: tuple[str, ...] | None
    standing: str | None
    advance: int | None


@dataclass(frozen=True)
class ContestPlan:
    slug: str
    toml: str
    rounds: tuple[RoundPlan, ...]
    groups: bool  # entrants carry groups
    named: bool  # the contest names its panel (judges = [...])

    def round(self, key: str) -> RoundPlan:
        return next(r for r in self.rounds if r.key == key)


def _toml_list(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{n}"' for n in names) + "]"


@st.composite
def round_plans(draw: st.DrawFn, key: str, earlier: tuple[str, ...], last: bool, named: bool) -> RoundPlan:
    # the richer choice first (hypothesis draws, and shrinks towards, the first ones most): measured values early
    # (the tea contest's yield, the sales round), judged and entered rounds later adding them up
    kinds = ["judged", "entered", "judged", "measured"] if earlier else ["measured", "judged", "measured", "entered"]
    kind = draw(st.sampled_from(kinds))
    scoring: dict[str, str] = {}
    judges: tuple[str, ...] | None = None
    if kind == "judged":
        criteria = ["q1"] + (["q2"] if draw(st.booleans()) else [])
        with_dd = draw(st.booleans())
        with_gmv = draw(st.integers(0, 3)) == 0
        panel = draw(st.sampled_from(["mean", "median", "sum", "trimmed_mean", "trimmed_sum"]))
        scoring["panel"] = f'"{panel}"'
        if panel.startswith("trimmed") or draw(st.booleans()):
            judges = tuple(draw(st.sampled_from([JUDGES[:3], JUDGES, ("J2", "J3", "J4")])))
        if panel.startswith("trimmed"):
            scoring["drop"] = draw(st.sampled_from(["1", "{ 3 = 1, 4 = 1 }"]))
        if len(criteria) == 2 and draw(st.booleans()):
            scoring["judge"] = draw(st.sampled_from(['"q1 + q2"', '"q1 + 2*q2"']))
            item = "panel"
        else:
            item = draw(st.sampled_from(["q1", "2 * q1"])) if len(criteria) == 1 else '"max(q1, q2) + q2"'
            item = item.strip('"')
        if with_dd:
            item = f"({item}) * dd"
            criteria.append("dd")
        if with_gmv:
            item = f"{item} + 10 * gmv"
            criteria.append("gmv")
        scoring["item"] = f'"{item}"'
    elif kind == "measured":
        criteria = draw(st.sampled_from([["gmv"], ["secs"], ["gmv", "secs"], ["gmv", "theory"]]))
        item = {
            ("gmv",): "100 * gmv",
            ("secs",): "50 * secs",
            ("gmv", "secs"): "60 * gmv + 40 * secs",
            ("gmv", "theory"): "theory + 100 * gmv",
        }[tuple(criteria)]
        scoring["item"] = f'"{item}"'
    else:
        criteria = ["theory"]
    if draw(st.booleans()):
        criteria.append("ded")
    items = draw(st.integers(1, 2))
    if items > 1:
        scoring["round"] = draw(st.sampled_from(['"sum"', '"mean"', '"best"']))
    if draw(st.booleans()):
        scoring["missing_items"] = draw(st.sampled_from(['"zero"', '"incomplete"']))
    if judges is None and named and kind == "judged":
        judges = None  # the contest's panel applies
    standing = None
    if earlier and draw(st.integers(0, 3)) < 3:
        added = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
        if len(added) == 1 and draw(st.booleans()):
            standing = f"0.3*{added[0]} + 0.7*{key}"
        else:
            standing = " + ".join([*added, key])
    advance = None if last or draw(st.booleans()) else draw(st.integers(1, 3))
    return RoundPlan(key, items, tuple(criteria), scoring, judges, standing, advance)


@st.composite
def contests(draw: st.DrawFn) -> ContestPlan:
    slug = f"p-{uuid.uuid4().hex[:8]}"
    count = draw(st.sampled_from([2, 3, 2, 3, 1]))  # most contests have several rounds
    named = draw(st.integers(0, 3)) == 0  # the contest names its panel
    rounds: list[RoundPlan] = []
    for n in range(count):
        key = f"r{n + 1}"
        rounds.append(draw(round_plans(key, tuple(r.key for r in rounds), n == count - 1, named)))
    used = sorted({c for r in rounds for c in r.criteria}, key=list(CRITERIA).index)
    lines = ["[contest]", f'slug = "{slug}"', 'title = "性质测试 / Property"']
    lines.append(f"decimals = {draw(st.integers(0, 3))}")
    lines.append(f"blind = {str(draw(st.booleans())).lower()}")
    if named:
        lines.append(f"judges = {_toml_list(JUDGES)}")
    for key in used:
        lines += ["", "[[criteria]]", f'key = "{key}"', CRITERIA[key]]
        if key == "dd" and draw(st.booleans()):
            lines.append("default = 1")
    for r in rounds:
        lines += ["", "[[rounds]]", f'key = "{r.key}"', f"items = {r.items}", f"criteria = {_toml_list(r.criteria)}"]
        if r.judges:
            lines.append(f"judges = {_toml_list(r.judges)}")
        if r.standing:
            lines.append(f'standing = "{r.standing}"')
        if r.advance:
            lines.append(f"advance = {r.advance}")
        if r.scoring:
            lines.append("[rounds.scoring]")
            lines += [f"{k} = {v}" for k, v in r.scoring.items()]
    breakers = draw(st.lists(st.sampled_from([r.key for r in rounds] + [c for c in used if c != "ded"]), unique=True))
    groups = draw(st.booleans())
    lines += ["", "[ranking]", f"tie_breakers = {_toml_list(tuple(breakers[:2]))}"]
    lines.append(f'groups = "{draw(st.sampled_from(["separate", "together"]))}"')
    lines.append(f'incomplete = "{draw(st.sampled_from(["unranked", "rank"]))}"')
    for n in range(draw(st.integers(0, 3))):
        lines += ["", "[[awards]]", f'name = "奖{n + 1}"']
        if draw(st.booleans()):
            lines.append(f"top = {draw(st.integers(1, 2))}")
        else:
            lines.append(f"share = {draw(st.sampled_from(['0.25', '0.5']))}")
            lines.append(f'rounding = "{draw(st.sampled_from(["down", "half_up", "up"]))}"')
        if draw(st.integers(0, 2)) == 0:
            lines.append(f"min_total = {draw(st.sampled_from(['5', '20', '100']))}")
    return ContestPlan(slug, "\n".join(lines) + "\n", tuple(rounds), groups, named)


# -- a fresh computation, straight from the database -----------------------------------------------------------


@dataclass
class Fresh:
    """The contest as the database holds it, and fresh boards built from it by the core."""

    definition: Any
    entrants: list[Entrant]
    panels: dict[str, tuple[str, ...]]
    marks: list[tuple[int, Mark]]  # (version, mark), oldest first
    version: int
    states: dict[str, RoundState]
    boards: dict[tuple[str, int | None], Board] = field(default_factory=dict)

    @classmethod
    def read(cls, engine: Engine, slug: str) -> Fresh:
        with Session(engine) as db:
            contest = db.execute(select(Contest).where(Contest.slug == slug)).scalar_one()
            definition = parse_definition(contest.definition)
            people = db.scalars(
                select(EntrantRow)
                .where(EntrantRow.contest_id == contest.id)
                .order_by(EntrantRow.position, EntrantRow.id)
            ).all()
            default_panel = tuple(
                db.scalars(
                    select(JudgeRow.code)
                    .where(JudgeRow.contest_id == contest.id, JudgeRow.chief.is_(False))
                    .order_by(JudgeRow.id)
                )
            )
            rows = db.scalars(
                select(MarkRow).where(MarkRow.contest_id == contest.id).order_by(MarkRow.seq, MarkRow.id)
            ).all()
            states = db.scalars(select(RoundState).where(RoundState.contest_id == contest.id)).all()
        return cls(
            definition=definition,
            entrants=[Entrant(e.code, e.name, e.organization, e.group, e.attributes) for e in people],
            panels={r.key: r.judges or definition.judges or default_panel for r in definition.rounds},
            marks=[(m.seq, Mark(m.entrant, m.round, m.item, m.criterion, m.judge, Decimal(m.value))) for m in rows],
            version=contest.seq,
            states={s.round: s for s in states},
        )

    def default_round(self, *, public: bool) -> str:
        """The round a request that names none shows: the latest round with marks (for the public, the latest such
        round whose board is not hidden, if any); before any mark, the first round."""
        keys = [r.key for r in self.definition.rounds]
        marked = [k for k in keys if any(mark.round == k for _, mark in self.marks)]
        shown = [k for k in marked if not public or self.states[k].board != "hidden"]
        return (shown or marked or keys[:1])[-1]

    def board(self, round_key: str, frozen: bool = False) -> Board:
        """The round's board now, or as it was frozen: the marks up to the freeze, with the entrants and the panel
        kept at the freeze."""
        found = self.boards.get((round_key, frozen))
        if found is None:
            state = self.states[round_key]
            version, entrants, panels = self.version, self.entrants, self.panels
            if frozen:
                assert state.frozen_seq is not None and state.frozen_field is not None
                version = state.frozen_seq
                then = json.loads(state.frozen_field)
                entrants = [Entrant(*entrant) for entrant in then["entrants"]]
                definition = self.definition
                panels = {r.key: r.judges or definition.judges or tuple(then["panel"]) for r in definition.rounds}
            sheet = MarkSheet(mark for seq, mark in self.marks if seq <= version)
            found = Board(self.definition, round_key, entrants, sheet, panels=panels, version=version)
            self.boards[(round_key, frozen)] = found
        return found

    def payload(
        self,
        round_key: str,
        *,
        public: bool,
        group: str | None = None,
        limit: int = ALL_ROWS,
        entrant: str | None = None,
    ) -> dict[str, Any] | None:
        """What GET standings must answer (its rows and version), or None when the public may not see it."""
        shown = self.states[round_key].board
        if public and shown == "hidden":
            return None
        board = self.board(round_key, frozen=public and shown == "frozen")
        payload = as_json(board, board.rows(group=group, limit=limit, entrant=entrant))
        if public and self.definition.blind:
            for row in payload["rows"]:
                row["name"] = row["organization"] = ""
        groups = board.groups if self.definition.ranking.groups == "separate" else []
        return {"version": payload["version"], "round": payload["round"], "rows": payload["rows"], "groups": groups}


def differences(shown: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Each way the server's answer differs from the fresh one, a line each (what a failing example prints)."""
    heads = ("version", "round", "groups")
    lines = [f"{k}: shown {shown[k]!r}, fresh {fresh[k]!r}" for k in heads if shown[k] != fresh[k]]
    shown_rows = {r["entrant"]: r for r in shown["rows"]}
    fresh_rows = {r["entrant"]: r for r in fresh["rows"]}
    if list(shown_rows) != list(fresh_rows):
        lines.append(f"rows: shown {list(shown_rows)}, fresh {list(fresh_rows)}")
    for code in shown_rows.keys() & fresh_rows.keys():
        a, b = shown_rows[code], fresh_rows[code]
        lines += [f"{code} {k}: shown {a[k]!r}, fresh {b[k]!r}" for k in a if a[k] != b.get(k)]
    return lines


# -- the machine --------------------------------------------------------------------------------------------------


class Server:
    """One app instance (a worker) on the shared database file, reached through httpx over ASGI."""

    def __init__(self, stack: ExitStack, portal: BlockingPortal, url: str) -> None:
        app = create_app(Settings(database_url=url, secret_key="property", public_url="http://testserver"))

        async def lifespan() -> LifespanManager:  # made in the portal's event loop, where they are used
            return LifespanManager(app, startup_timeout=60)

        async def connect() -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 50000), raise_app_exceptions=False)
            return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60)

        stack.enter_context(portal.wrap_async_context_manager(portal.call(lifespan)))
        self.client = stack.enter_context(portal.wrap_async_context_manager(portal.call(connect)))
        self.portal = portal
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.portal.call(lambda: self.client.request(method, path, **kwargs))
        return response


OK = {200, 201}
REFUSALS = {403, 409, 422}  # what a refused operation may answer; never a 500


class BoardMachine(RuleBasedStateMachine):
    workers = 1

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.folder = Path(tempfile.mkdtemp(prefix="contest-property-"))
        self.db_url = f"sqlite:///{self.folder / 'contest.db'}"
        self.engine = create_engine(self.db_url)  # the test's own reader of the database
        self.stack.callback(self.engine.dispose)
        portal = self.stack.enter_context(start_blocking_portal())
        self.servers = [Server(self.stack, portal, self.db_url) for _ in range(self.workers)]
        with self.servers[0].app.state.db.begin() as session:
            self.organizer = new_token(session, "organizer")
            self.recorder = new_token(session, "recorder")
        self.plan: ContestPlan | None = None
        self.judges: dict[str, str] = {}
        self.entrants: list[dict[str, str]] = []
        self.frozen: dict[str, int] = {}  # round -> frozen_version from the PATCH answer
        self.stored: list[tuple[str, dict[str, Any]]] = []  # marks the server stored: (sender, body)
        self.performed: dict[str, int] = {}  # entrant -> how many rounds it has performed in
        self.turn = 0

    def teardown(self) -> None:
        self.stack.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------------------------------

    @property
    def contest(self) -> ContestPlan:
        assert self.plan is not None
        return self.plan

    def server(self, pick: int | None = None) -> Server:
        """The worker to send to: the one asked for, else the next in turn."""
        if pick is None:
            self.turn += 1
            pick = self.turn
        return self.servers[pick % len(self.servers)]

    def url(self, path: str) -> str:
        return f"/api/contests/{self.contest.slug}{path}"

    def headers(self, token: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {token}"} if token else {}

    def send(self, method: str, path: str, token: str | None, *, worker: int | None = None, **kw: Any) -> Any:
        response = self.server(worker).request(method, self.url(path), headers=self.headers(token), **kw)
        assert response.status_code in OK | REFUSALS, (method, path, kw, response.status_code, response.text)
        return response

    def fresh(self) -> Fresh:
        return Fresh.read(self.engine, self.contest.slug)

    def check(self, server: Server, fresh: Fresh, round_key: str | None, *, public: bool, **params: Any) -> None:
        key = round_key or fresh.default_round(public=public)
        query = {k: v for k, v in {"round": round_key, **params}.items() if v is not None}
        response = server.request(
            "GET", self.url("/standings"), params=query, headers=self.headers(None if public else self.organizer)
        )
        expected = fresh.payload(key, public=public, **params)
        if expected is None:
            assert response.status_code == 403, response.text
            return
        assert response.status_code == 200, response.text
        got = response.json()
        shown = {k: got[k] for k in ("version", "round", "rows", "groups")}
        if public and fresh.states[key].board == "reveal":
            # a ceremony uncovers places from the bottom: whatever it shows is the live board's row as it is
            rows = {r["entrant"]: r for r in fresh.payload(key, public=True, group=params.get("group"))["rows"]}
            assert all(row == rows.get(row["entrant"]) for row in got["rows"]), differences(shown, expected)
            shown["rows"] = expected["rows"] = []
        assert shown == expected, (
            f"{'public' if public else 'organizer'} standings of {key} {params} on worker "
            f"{self.servers.index(server)} differ from a fresh computation:\n"
            + "\n".join(differences(shown, expected))
            + f"\n{self.contest.toml}"
        )

    # -- setting up -----------------------------------------------------------------------------------------------

    @initialize(plan=contests(), groups=st.lists(st.sampled_from(GROUPS), min_size=6, max_size=6))
    def create(self, plan: ContestPlan, groups: list[str]) -> None:
        self.plan = plan
        response = self.server(0).request(
            "POST",
            "/api/contests",
            content=plan.toml.encode(),
            headers={**self.headers(self.organizer), "content-type": "application/toml"},
        )
        assert response.status_code == 201, (response.text, plan.toml)
        self.entrants = [
            {"code": code, "name": name, "organization": "", "group": group if plan.groups else ""}
            for code, name, group in zip(CODES[:4], NAMES, groups, strict=False)
        ]
        assert self.send("PUT", "/entrants", self.organizer, json=self.entrants).status_code == 200
        people = [{"code": code, "name": ""} for code in JUDGES] + [{"code": "CJ", "name": "", "chief": True}]
        answer = self.send("POST", "/judges", self.organizer, json=people)
        assert answer.status_code == 201
        self.judges = {j["code"]: j["token"] for j in answer.json()}

    # -- operations -----------------------------------------------------------------------------------------------

    def _mark(self, data: st.DataObject, *, worker: int | None = None) -> None:
        plan = self.contest
        rnd = data.draw(st.sampled_from(plan.rounds), label="round")
        entrant = data.draw(st.sampled_from([*CODES[:4], *CODES[:4], "E5"]), label="entrant")  # E5: not listed
        item = data.draw(st.integers(1, rnd.items + (1 if data.draw(st.integers(0, 9)) == 0 else 0)), label="item")
        judged = [c for c in rnd.criteria if c in JUDGED]
        entered = [c for c in rnd.criteria if c not in JUDGED]
        kind = data.draw(st.sampled_from(["judged"] * bool(judged) + ["entered"] * bool(entered)), label="kind")
        keys = judged if kind == "judged" else entered
        chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, unique=True), label="criteria")
        values = {}
        for key in chosen:
            refused = data.draw(st.integers(0, 19)) == 0
            values[key] = REFUSED[key] if refused else data.draw(st.sampled_from(VALUES[key]), label=key)
        body: dict[str, Any] = {"entrant": entrant, "round": rnd.key, "item": item, "values": values}
        body["client_id"] = uuid.uuid4().hex
        if data.draw(st.integers(0, 4)) > 0:
            body["reason"] = "更正 / correction"
        if kind == "judged":
            judge = data.draw(st.sampled_from([*JUDGES, *JUDGES, "CJ"]), label="judge")
            if data.draw(st.booleans(), label="organizer enters the paper sheet"):
                token = self.organizer
                body["judge"] = judge
            else:
                token = self.judges[judge]
        else:
            token = data.draw(st.sampled_from([self.organizer, self.recorder, self.judges["CJ"]]), label="sender")
        if self.send("POST", "/marks", token, worker=worker, json=body).status_code == 201:
            self.stored.append((token, body))

    @rule(data=st.data())
    def mark(self, data: st.DataObject) -> None:
        self._mark(data)

    @rule(data=st.data())
    def perform(self, data: st.DataObject) -> None:
        """An entrant performs an item: every judge of the panel marks every judged criterion, and the recorder
        enters the measured values, so the entrant's item is complete (as most are, at a real contest)."""
        plan = self.contest
        entrant = data.draw(st.sampled_from(CODES[:4]), label="entrant")
        # mostly the entrant's next round, as entrants go through a contest, else any
        following = plan.rounds[min(self.performed.get(entrant, 0), len(plan.rounds) - 1)]
        rnd = data.draw(st.sampled_from([following, following, *plan.rounds]), label="round")
        self.performed[entrant] = plan.rounds.index(rnd) + 1
        item = data.draw(st.integers(1, rnd.items), label="item")
        panel = rnd.judges or (JUDGES if plan.named else tuple(j for j in self.judges if j != "CJ"))
        judged = [c for c in rnd.criteria if c in JUDGED]
        entered = [c for c in rnd.criteria if c not in JUDGED]
        sends: list[tuple[str, dict[str, Any]]] = []
        for judge in panel if judged else ():
            values = {c: data.draw(st.sampled_from(VALUES[c]), label=f"{judge} {c}") for c in judged}
            sends.append((self.judges[judge], {"values": values}))
        if entered:
            values = {c: data.draw(st.sampled_from(VALUES[c]), label=c) for c in entered}
            sends.append((self.recorder, {"values": values}))
        for token, body in sends:
            body.update(entrant=entrant, round=rnd.key, item=item, client_id=uuid.uuid4().hex, reason="重赛 / rerun")
            if self.send("POST", "/marks", token, json=body).status_code == 201:
                self.stored.append((token, body))

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        """A mark given before, corrected with a reason (a round locked meanwhile refuses it)."""
        token, body = data.draw(st.sampled_from(self.stored), label="stored mark")
        key = data.draw(st.sampled_from(sorted(body["values"])), label="criterion")
        value = data.draw(st.sampled_from(VALUES[key]), label="new value")
        fixed = {**body, "values": {**body["values"], key: value}, "client_id": uuid.uuid4().hex}
        fixed["reason"] = "抄录错误 / typo"
        self.send("POST", "/marks", token, json=fixed)

    @rule(data=st.data(), count=st.integers(2, 6))
    def burst(self, data: st.DataObject, count: int) -> None:
        """Several marks before anyone looks: a worker catches up many versions at once."""
        for _ in range(count):
            self._mark(data)

    @rule(data=st.data())
    def upload_entrants(self, data: st.DataObject) -> None:
        codes = data.draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=6, unique=True), label="codes")
        people = []
        for code in codes:
            group = data.draw(st.sampled_from(GROUPS), label=f"group {code}") if self.contest.groups else ""
            name = data.draw(st.sampled_from([NAMES[CODES.index(code)], "改名 " + code]), label=f"name {code}")
            people.append({"code": code, "name": name, "organization": "单位", "group": group})
        if self.send("PUT", "/entrants", self.organizer, json=people).status_code == 200:
            self.entrants = people

    @precondition(lambda self: "J5" not in self.judges)
    @rule()
    def add_judge(self) -> None:
        """A judge created mid-contest joins every panel the contest does not name."""
        answer = self.send("POST", "/judges", self.organizer, json=[{"code": "J5", "name": "替补"}])
        self.judges["J5"] = answer.json()[0]["token"]

    @rule(data=st.data())
    def change_round(self, data: st.DataObject) -> None:
        """Lock or unlock (organizer or chief judge), hide, show, freeze or reveal a board, or step a reveal."""
        rnd = data.draw(st.sampled_from(self.contest.rounds), label="round")
        change = data.draw(st.sampled_from(["status", "status", "board", "board", "reveal"]), label="change")
        if change == "status":
            status = data.draw(st.sampled_from(["open", "locked"]), label="status")
            token = data.draw(st.sampled_from([self.organizer, self.judges["CJ"]]), label="by")
            self.send("PATCH", f"/rounds/{rnd.key}", token, json={"status": status, "reason": "复核 / review"})
        elif change == "board":
            board = data.draw(st.sampled_from(["hidden", "live", "frozen", "frozen", "reveal"]), label="board")
            answer = self.send("PATCH", f"/rounds/{rnd.key}", self.organizer, json={"board": board})
            if answer.status_code != 200:
                assert board == "reveal" and answer.status_code == 409, answer.text  # a ceremony needs a lock
                return
            state = answer.json()
            if state["board"] == "frozen":
                self.frozen.setdefault(rnd.key, state["frozen_version"])
            else:
                self.frozen.pop(rnd.key, None)
        else:
            body = {"reveal_by": data.draw(st.sampled_from(["rank", "award"])), "reveal": data.draw(st.integers(0, 4))}
            self.send("PATCH", f"/rounds/{rnd.key}", self.organizer, json=body)

    @rule(data=st.data())
    def standings(self, data: st.DataObject) -> None:
        """Any round (or none: the last), any group, limit and entrant, as organizer or public, on any worker."""
        fresh = self.fresh()
        keys = [r.key for r in self.contest.rounds]
        round_key = data.draw(st.sampled_from([None, *keys]), label="round")
        groups = [*sorted({e["group"] for e in self.entrants}), "无此组"]
        params = {
            "group": data.draw(st.none() | st.sampled_from(groups), label="group"),
            "limit": data.draw(st.integers(1, 8), label="limit"),
            "entrant": data.draw(st.none() | st.sampled_from(CODES), label="entrant"),
        }
        public = data.draw(st.booleans(), label="public")
        worker = data.draw(st.integers(0, len(self.servers) - 1), label="worker")
        self.check(self.servers[worker], fresh, round_key, public=public, **params)

    # -- the invariant --------------------------------------------------------------------------------------------

    @invariant()
    def every_board_equals_a_fresh_computation(self) -> None:
        if self.plan is None:
            return
        fresh = self.fresh()
        for key, version in self.frozen.items():
            assert (fresh.states[key].board, fresh.states[key].frozen_seq) == ("frozen", version), key
        for server in self.servers:
            for rnd in self.contest.rounds:
                self.check(server, fresh, rnd.key, public=False)
                self.check(server, fresh, rnd.key, public=True)


class TwoWorkers(BoardMachine):
    workers = 2


HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
TestOneWorker = BoardMachine.TestCase
TestOneWorker.settings = settings(
    max_examples=EXAMPLES or 60, stateful_step_count=STEPS or 25, deadline=None, suppress_health_check=HEALTH
)
TestTwoWorkers = TwoWorkers.TestCase
TestTwoWorkers.settings = settings(
    max_examples=EXAMPLES or 12, stateful_step_count=STEPS or 25, deadline=None, suppress_health_check=HEALTH
)

"""Reading ``[[panels]]``, ``[[assignments]]`` and ``[recusal]`` of a contest file (see contest/scoring/panels.py).

```toml
[[panels]]
key = "A"
label = "第一组"
judges = ["J1", "J2", "J3", "J4", "J5"]

[[assignments]]
round = "prelim"
panel = "A"
entrants = { range = ["A001", "A040"] }   # or { codes = ["A001", "A007"] }, or { group = "高职组" }; none: all
items = [1, 2, 3]                         # optional: these items only (dives 1-3)
criteria = ["外形", "汤色"]               # optional: these judged criteria only (an aspect team)

[recusal]
organizations = { J1 = "茶科所", J2 = "农业大学" }   # a judge never scores an entrant of their organization
conflicts = [{ judge = "J3", entrants = ["A017"] }]  # and never these entrants
```

A round with assignments needs ``panel_size`` in its scoring, and each panel it uses must have exactly that many
judges (an item's panel is whoever marked it, complete at ``panel_size`` marks). So does every judged round of a
contest with ``[recusal]``: a fixed panel needs each of its judges, so a recused one would leave the entrant short.
"""

from __future__ import annotations

from typing import Any

from contest.scoring.definition import KEY, Criterion, Round
from contest.scoring.messages import Message
from contest.scoring.panels import Assignment, Entrants, Panel, Panels, Recusal, split_code
from contest.scoring.toml_reader import Reader

TOP_KEYS = ("panels", "assignments", "recusal")
MAX_CODES = 100_000


def read_panels(root: Reader, rounds: list[Round], criteria: list[Criterion], judges: tuple[str, ...] | None) -> Panels:
    panels = _panels(root, judges)
    assignments = _assignments(root, rounds, criteria, panels)
    recusal = _recusal(root, rounds, criteria)
    return Panels(tuple(panels), tuple(assignments), recusal)


def _panels(root: Reader, judges: tuple[str, ...] | None) -> list[Panel]:
    found: list[Panel] = []
    for t in root.tables("panels"):
        t.check_keys(("key", "label", "judges"))
        key = t.text("key", required=True, max_length=64).strip()
        if key and not KEY.match(key):
            t.problem("key", Message("{key!r} is not a usable panel key: letters, digits and _", key=key))
        if key and any(p.key == key for p in found):
            t.problem("key", Message("{key!r} is used by another panel", key=key))
        members = t.text_list("judges")
        if members is None or not members:
            t.problem("judges", Message("a panel needs at least one judge, e.g. {example}", example='["J1", "J2"]'))
            members = ()
        if judges is not None:
            for code in members:
                if code not in judges:
                    t.problem(
                        "judges",
                        Message(
                            "{code!r} is not one of the contest's judges ({known})", code=code, known=", ".join(judges)
                        ),
                    )
        if key:
            found.append(Panel(key, t.text("label", key, max_length=200), members))
    return found


def _assignments(root: Reader, rounds: list[Round], criteria: list[Criterion], panels: list[Panel]) -> list[Assignment]:
    by_round = {r.key: r for r in rounds}
    judged = {c.key for c in criteria if c.judged}
    found: list[Assignment] = []
    for t in root.tables("assignments"):
        t.check_keys(("round", "panel", "entrants", "items", "criteria"))
        round_key = t.text("round", required=True, max_length=64)
        rnd = by_round.get(round_key)
        if round_key and rnd is None:
            t.problem(
                "round", Message("{key!r} is not a round key; known: {known}", key=round_key, known=", ".join(by_round))
            )
        panel_key = t.text("panel", required=True, max_length=64)
        panel = next((p for p in panels if p.key == panel_key), None)
        if panel_key and panel is None:
            known = ", ".join(p.key for p in panels) or Message("none: add {tables} tables", tables="[[panels]]")
            t.problem("panel", Message("{key!r} is not a panel key; known: {known}", key=panel_key, known=known))
        entrants = _entrants(t)
        items = _items(t, rnd)
        keys = _criteria(t, rnd, judged)
        if rnd is not None and panel is not None:
            size = rnd.scoring.panel_size
            if size is None:
                t.problem(
                    "round",
                    Message(
                        "round {round!r} has assigned panels: give its {setting} (how many judges mark each item)",
                        round=rnd.key,
                        setting="panel_size",
                    ),
                )
            elif len(panel.judges) != size:
                t.problem(
                    "panel",
                    Message(
                        "panel {panel!r} has {count} judges but round {round!r} has {setting} = {size}",
                        setting="panel_size",
                        panel=panel.key,
                        count=len(panel.judges),
                        round=rnd.key,
                        size=size,
                    ),
                )
            if rnd.judges is not None:
                outside = [j for j in panel.judges if j not in rnd.judges]
                if outside:
                    t.problem(
                        "panel",
                        Message(
                            "panel {panel!r}: {judges} not on round {round!r}'s judges",
                            panel=panel.key,
                            judges=", ".join(outside),
                            round=rnd.key,
                        ),
                    )
            assignment = Assignment(rnd.key, panel.key, entrants, items, keys)
            twin = next((a for a in found if _same_ground(a, assignment)), None)
            if twin is not None:
                t.problem(
                    "entrants",
                    Message(
                        "panel {other!r} already judges these entrants, items and criteria in round {round!r}",
                        other=twin.panel,
                        round=rnd.key,
                    ),
                )
            found.append(assignment)
    return found


def _same_ground(a: Assignment, b: Assignment) -> bool:
    return (a.round, a.entrants, a.items, a.criteria) == (b.round, b.entrants, b.items, b.criteria)


def _entrants(t: Reader) -> Entrants:
    if not t.has("entrants"):
        return Entrants()
    raw: Any = t.table["entrants"]
    example = Message(
        "expected one of {codes}, {group} or {range}",
        codes='{ codes = ["A001", "A002"] }',
        group='{ group = "高职组" }',
        range='{ range = ["A001", "A040"] }',
    )
    if not isinstance(raw, dict) or len(raw) != 1:
        t.problem("entrants", example)
        return Entrants(codes=())
    sub = t.child("entrants", raw)
    sub.check_keys(("codes", "group", "range"))
    if "codes" in raw:
        codes = sub.text_list("codes")
        if not codes:
            sub.problem("codes", Message("a list of at least one entrant code"))
        elif len(codes) > MAX_CODES:
            sub.problem("codes", Message("at most {most} codes", most=MAX_CODES))
        return Entrants(codes=codes or ())
    if "group" in raw:
        return Entrants(group=sub.text("group", required=True, max_length=100))
    if "range" in raw:
        bounds = sub.text_list("range")
        if bounds is None or len(bounds) != 2:
            sub.problem(
                "range", Message("expected the first and last code, e.g. {example}", example='["A001", "A040"]')
            )
            return Entrants(codes=())
        low, high = split_code(bounds[0]), split_code(bounds[1])
        if low is None or high is None or low[0] != high[0]:
            sub.problem(
                "range",
                Message(
                    "both ends must be codes with the same prefix ending in a number, e.g. {example}", example="A001"
                ),
            )
            return Entrants(codes=())
        if low[1] > high[1]:
            sub.problem("range", Message("{first} comes after {last}", first=bounds[0], last=bounds[1]))
        return Entrants(range=(bounds[0], bounds[1]))
    return Entrants(codes=())


def _items(t: Reader, rnd: Round | None) -> frozenset[int] | None:
    if not t.has("items"):
        return None
    raw = t.table["items"]
    most = rnd.items if rnd is not None else 10_000
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= most for i in raw)
    ):
        t.problem(
            "items",
            Message("expected a list of item numbers from 1 to {most}, e.g. {example}", most=most, example="[1, 2, 3]"),
        )
        return None
    return frozenset(raw)


def _criteria(t: Reader, rnd: Round | None, judged: set[str]) -> frozenset[str] | None:
    listed = t.text_list("criteria")
    if listed is None:
        return None
    allowed = [k for k in (rnd.criteria if rnd is not None else judged) if k in judged]
    for key in listed:
        if key not in allowed:
            t.problem(
                "criteria",
                Message(
                    "{key!r} is not a judged criterion of this round; known: {known}", key=key, known=", ".join(allowed)
                ),
            )
    if not listed:
        t.problem("criteria", Message("a list of at least one judged criterion"))
    return frozenset(listed)


def _recusal(root: Reader, rounds: list[Round], criteria: list[Criterion]) -> Recusal:
    t = root.table_at("recusal")
    if t is None:
        return Recusal()
    judged = {c.key for c in criteria if c.judged}
    fixed = [r.key for r in rounds if r.scoring.panel_size is None and judged.intersection(r.criteria)]
    if fixed:
        why = Message(
            "round {rounds} has no {setting}: a recused judge would leave the entrant's fixed panel short; set "
            "{setting} so that each entrant's panel is drawn without them",
            rounds=", ".join(repr(k) for k in fixed),
            setting="panel_size",
        )
        for key in ("organizations", "conflicts"):
            if t.has(key):
                t.problem(key, why)
    t.check_keys(("organizations", "conflicts"))
    organizations: dict[str, str] = {}
    orgs = t.table_at("organizations")
    if orgs is not None:
        for judge in orgs.table:
            text = orgs.text(judge, required=True, max_length=300).strip()
            if text:
                organizations[judge] = text
    conflicts: set[tuple[str, str]] = set()
    for c in t.tables("conflicts"):
        c.check_keys(("judge", "entrants"))
        judge = c.text("judge", required=True, max_length=64).strip()
        codes = c.text_list("entrants")
        if not codes:
            c.problem("entrants", Message("a list of at least one entrant code"))
        conflicts |= {(judge, code) for code in codes or ()}
    return Recusal(organizations, frozenset(conflicts))

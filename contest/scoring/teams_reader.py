"""Reading aspect teams: a criterion's own judges (`judges = [...]` on a [[criteria]] entry, for every round) and a
round's `criterion_judges = { key = [...] }` (this round only, over the criterion's own), with their checks: a team
inside a named panel (the round's `judges`, else `[contest] judges`), since a judge off the panel can never mark.
"""

from __future__ import annotations

from contest.scoring.definition import Criterion, Round, Scoring
from contest.scoring.messages import Message
from contest.scoring.toml_reader import Reader


def read_team(t: Reader, field: str, judged: bool) -> tuple[str, ...] | None:
    """A criterion's own judges (an aspect team): a list of distinct judge codes, for judged criteria only."""
    team = t.text_list(field)
    if team is None:
        return None
    if not judged:
        t.problem(field, Message("only judged criteria have their own judges"))
        return None
    if not team or len(set(team)) != len(team):
        t.problem(field, Message("expected a list of distinct judge codes, e.g. {example}", example='["J1", "J2"]'))
        return None
    return team


def read_teams(t: Reader, criteria: list[Criterion], scoring: Scoring) -> dict[str, tuple[str, ...]] | None:
    """A round's `criterion_judges = { key = [judges] }`, checked; and a judge formula only over criteria that
    share one panel (each judge's own total needs that judge's mark on each of them)."""
    own: dict[str, tuple[str, ...]] = {}
    table = t.table_at("criterion_judges")
    by_key = {c.key: c for c in criteria}
    if table is not None:
        for key in table.table:
            crit = by_key.get(key)
            if crit is None or not crit.judged:
                known = ", ".join(c.key for c in criteria if c.judged)
                table.problem(
                    key,
                    Message("{name!r} is not a judged criterion of this round; known: {known}", name=key, known=known),
                )
                continue
            team = read_team(table, key, True)
            if team is not None:
                own[key] = team
    if scoring.judge is not None:
        teams = {own.get(k, by_key[k].judges if k in by_key else None) for k in scoring.judge.names}
        if len(teams) > 1:
            t.problem(
                "criterion_judges" if table is not None else "criteria",
                Message(
                    "the judge formula needs one panel for {names}: their judges differ",
                    names=", ".join(sorted(scoring.judge.names)),
                ),
            )
    for crit in criteria:
        team = own.get(crit.key, crit.judges)
        if team is not None and scoring.panel_size is None and scoring.panel.startswith("trimmed"):
            drop = scoring.drop_for(len(team))
            if drop is None or 2 * drop >= len(team):
                t.problem(
                    "scoring",
                    Message(
                        "{key}: its panel of {size} judges cannot drop {drop} highest and {drop} lowest",
                        key=crit.key,
                        size=len(team),
                        drop="?" if drop is None else drop,
                    ),
                )
        if team is not None and scoring.panel_size is not None and scoring.panel_size > len(team):
            t.problem(
                "scoring",
                Message(
                    "{key}: a panel of {size} cannot be drawn from its {count} judges",
                    key=crit.key,
                    size=scoring.panel_size,
                    count=len(team),
                ),
            )
    return own or None


def check_teams_on_panels(
    root: Reader, criteria: list[Criterion], rounds: list[Round], judges: tuple[str, ...] | None
) -> None:
    """Refuse an aspect team with judges off the round's named panel: a mark from one would be refused as "not on
    the panel" (offline and by the server), so the criterion could never be complete. Names the key and the judges."""
    by_key = {c.key: c for c in criteria}
    crit_at = {str(t.table.get("key", "")).strip(): t for t in root.tables("criteria")}
    round_at = {str(t.table.get("key", "")).strip(): t for t in root.tables("rounds")}
    for rnd in rounds:
        panel = rnd.judges or judges
        if not panel:
            continue
        for key in rnd.criteria:
            crit = by_key.get(key)
            own = (rnd.criterion_judges or {}).get(key)
            team = own if own is not None else crit.judges if crit is not None else None
            outside = [j for j in team or () if j not in panel]
            if not outside:
                continue
            if rnd.judges:
                why = Message(
                    "{key}: {judges} not on round {round}'s judges ({panel}): they could never mark there",
                    key=key,
                    judges=", ".join(outside),
                    round=rnd.key,
                    panel=", ".join(panel),
                )
            else:
                why = Message(
                    "{key}: {judges} not among the contest's judges ({setting} = {panel}): they could never mark",
                    key=key,
                    judges=", ".join(outside),
                    setting="[contest] judges",
                    panel=", ".join(panel),
                )
            at = round_at.get(rnd.key) if own is not None else crit_at.get(key)
            if at is None:
                root.problem("criteria", why)
            elif own is not None:
                at.child("criterion_judges", {}).problem(key, why)
            else:
                at.problem("judges", why)

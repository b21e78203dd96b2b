"""Who judges whom, as the organizer console's 评委分组 page shows it (contest/web/pages/admin/panels.py): per round
the groups of judges that share entrants (a panel of the contest file, or the judges a draw put together), each with
its judges (and their names), its entrants (names only once they are released: a blind or drawn contest shows codes
until the decryption, as the score sheets do) and the items it judges; every judge's load; the pairs in force that
recusal (回避) forbids; and the log of draws and uploads.

It reads through the same functions as the API's GET (contest/services/assigned.py: `export`, `recused`,
`changes`), so the page and the API agree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Mark
from contest.scoring.panels import natural
from contest.services import assigned
from contest.services.contests import definition_of, get_contest
from contest.services.draws import names_released

Json = dict[str, Any]
SHOWN_ENTRANTS = 200  # entrants listed per group; the count says how many there are
SHOWN_GROUPS = 100  # groups listed per round (a draw by judges can make many)


def overview(db: sessionmaker[Session], slug: str) -> Json:
    """Everything the panels page shows, read once."""
    rows = assigned.export(db, slug)
    by_round: dict[str, list[Json]] = defaultdict(list)
    for row in rows:
        by_round[row["round"]].append(row)
    recused = {key: assigned.recused(db, slug, mine) for key, mine in by_round.items()}
    log = assigned.changes(db, slug)
    with db() as session:
        contest = get_contest(session, slug)
        definition = definition_of(contest)
        names = names_released(session, contest, definition)
        people = {e.code: e.name for e in queries.entrants_of(session, contest.id)}
        judges = {j.code: j.name for j in queries.judges_of(session, contest.id) if not j.chief}
        marks = _marks_by_round(session, contest.id)
    panels = {p.key: p for p in definition.panels.panels}
    last_source = {c["round"]: c["source"] for c in log}
    rounds = []
    for rnd in definition.rounds:
        mine = by_round.get(rnd.key, [])
        pool = definition.panel(rnd.key) or tuple(judges)
        if not mine:
            source = "none"
        elif rnd.key in last_source:
            source = last_source[rnd.key]
        else:
            source = "file"
        groups = _groups(mine, panels, judges, people if names else {})
        loads = _loads(mine, pool, judges)
        rounds.append(
            {
                "key": rnd.key,
                "label": rnd.label,
                "panel_size": rnd.scoring.panel_size,
                "source": source,
                "marks": marks.get(rnd.key, 0),
                "entrants": len({r["entrant"] for r in mine}),
                "groups": groups[:SHOWN_GROUPS],
                "group_count": len(groups),
                "loads": loads,
                "spread": (max(n for _, _, n in loads) - min(n for _, _, n in loads)) if loads else 0,
                "recused": recused.get(rnd.key, []),
            }
        )
    sizes = {r.scoring.panel_size for r in definition.rounds if r.scoring.panel_size}
    return {
        "title": contest.title,
        "names": names,
        "rounds": rounds,
        "drawable": [{"key": r["key"], "label": r["label"], "marks": r["marks"]} for r in rounds if r["panel_size"]],
        "panels": [
            {"key": p.key, "label": p.label, "judges": [(j, judges.get(j, "")) for j in p.judges]}
            for p in definition.panels.panels
        ],
        "by_panels": any(len(p.judges) in sizes for p in definition.panels.panels),
        "changes": list(reversed(log)),
    }


def _groups(rows: list[Json], panels: dict[str, Any], judges: dict[str, str], people: dict[str, str]) -> list[Json]:
    """The round's rows gathered by who judges together: (panel, judges) -> its entrants, items and criteria."""
    duties: dict[tuple[str, str, int | str, str], set[str]] = defaultdict(set)
    for r in rows:
        duties[(r["entrant"], r["panel"], r["item"], r["criterion"])].add(r["judge"])
    entrants: dict[tuple[str, tuple[str, ...]], dict[str, None]] = defaultdict(dict)
    items: dict[tuple[str, tuple[str, ...]], set[int]] = defaultdict(set)
    criteria: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
    for (entrant, panel, item, criterion), who in duties.items():
        key = (panel, tuple(sorted(who, key=natural)))
        entrants[key][entrant] = None
        items[key].add(int(item or 0))
        criteria[key].add(criterion)
    ordered = sorted(entrants, key=lambda k: (k[0] == "", natural(k[0]), [natural(j) for j in k[1]]))
    out = []
    for key in ordered:
        panel, judged_by = key
        codes = sorted(entrants[key], key=natural)
        out.append(
            {
                "panel": panel,
                "label": panels[panel].label if panel in panels else "",
                "judges": [(j, judges.get(j, "")) for j in judged_by],
                "on_items": [] if 0 in items[key] else sorted(items[key]),
                "on_criteria": [] if "" in criteria[key] else sorted(criteria[key]),
                "count": len(codes),
                "entrants": [(c, people.get(c, "")) for c in codes[:SHOWN_ENTRANTS]],
            }
        )
    return out


def _loads(rows: list[Json], pool: tuple[str, ...], judges: dict[str, str]) -> list[tuple[str, str, int]]:
    """Each judge of the round (and any other assigned) with the number of entrants they judge."""
    if not rows:
        return []
    seen: dict[str, set[str]] = {j: set() for j in pool}
    for r in rows:
        seen.setdefault(r["judge"], set()).add(r["entrant"])
    return [(j, judges.get(j, ""), len(seen[j])) for j in sorted(seen, key=natural)]


def _marks_by_round(session: Session, contest_id: int) -> dict[str, int]:
    """How many judged marks (every version, as a reassignment counts them) each round has."""
    query = select(Mark.round, func.count()).where(Mark.contest_id == contest_id, Mark.judge != "").group_by(Mark.round)
    return {key: int(count) for key, count in session.execute(query).all()}

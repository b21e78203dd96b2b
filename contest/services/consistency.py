"""Judge consistency (评委一致性), with pandas: for each round and judge,

- mean deviation: the judge's marks minus the panel's median on the same entrant, item and criterion, averaged
  (signed: above 0 the judge marks higher than the panel; also its absolute value averaged);
- flagged: how many of the judge's marks the chief judge's spread rule flags (more than `[review] spread`
  points from that median, as contest/scoring/review.py and the chief page do), and their share;
- trimmed: how often the judge's value was the one a trimmed panel dropped (highest or lowest), counted over the
  complete panels of the round exactly as the core drops them (contest/scoring/panel.py: per criterion, or per
  judge total when the round has a `judge` formula; among equal values the later judge of the panel is dropped
  as highest and the earlier as lowest);
- spearman: the rank correlation of the judge's ranking of entrants (the sum of their marks) with the panel's
  (the sum of the panel's medians on the same marks): 1 the same order, -1 the reverse.

`judge_consistency(marks, definition, panels)` is pure (a DataFrame in, a DataFrame out); `for_contest` reads a
contest's marks through services.snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from contest.scoring import ContestDefinition, Mark
from contest.scoring.errors import ScoringError
from contest.scoring.numbers import precise
from contest.services.snapshot import Snapshot

KEYS = ["round", "entrant", "item", "criterion"]
COLUMNS = [
    "round",
    "judge",
    "marks",
    "mean_deviation",
    "mean_abs_deviation",
    "flagged",
    "flagged_share",
    "panels",
    "trimmed_high",
    "trimmed_low",
    "trimmed_share",
    "entrants",
    "spearman",
]
_TOLERANCE = 1e-9  # medians of decimal marks taken in floats: |mark - median| > spread as the chief page decides it


def marks_frame(marks: Iterable[Mark]) -> pd.DataFrame:
    """The current judged marks (a newer version of a mark replaces an older one), one row each."""
    rows = [(m.round, m.entrant, m.item, m.criterion, m.judge, m.value) for m in marks if m.judge]
    frame = pd.DataFrame(rows, columns=[*KEYS, "judge", "exact"])
    frame = frame.drop_duplicates([*KEYS, "judge"], keep="last").reset_index(drop=True)
    frame["value"] = frame["exact"].astype(float)
    return frame


def judge_consistency(
    marks: pd.DataFrame, definition: ContestDefinition, panels: Mapping[str, tuple[str, ...]], spread: Decimal
) -> pd.DataFrame:
    """One row per round and judge (rounds in the contest's order, judges in the panel's), COLUMNS."""
    out: list[pd.DataFrame] = []
    for rnd in definition.rounds:
        panel = panels.get(rnd.key, ())
        own = marks[(marks["round"] == rnd.key) & marks["judge"].isin(panel)].copy()
        if own.empty:
            continue
        own["median"] = own.groupby(KEYS)["value"].transform("median")
        own["deviation"] = own["value"] - own["median"]
        own["flag"] = own["deviation"].abs() > float(spread) + _TOLERANCE
        stats = own.groupby("judge").agg(
            marks=("value", "size"),
            mean_deviation=("deviation", "mean"),
            mean_abs_deviation=("deviation", lambda d: d.abs().mean()),
            flagged=("flag", "sum"),
        )
        stats["flagged_share"] = stats["flagged"] / stats["marks"]
        stats = stats.join(_trimmed(own, definition, rnd.key, panel)).join(_spearman(own))
        stats = stats.reindex([j for j in panel if j in stats.index])
        stats.insert(0, "round", rnd.key)
        out.append(stats.rename_axis("judge").reset_index())
    if not out:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(out, ignore_index=True)
    for name in ("panels", "trimmed_high", "trimmed_low", "flagged", "marks", "entrants"):
        table[name] = table[name].fillna(0).astype(int)
    return table[COLUMNS]


def _trimmed(own: pd.DataFrame, definition: ContestDefinition, key: str, panel: tuple[str, ...]) -> pd.DataFrame:
    """judge -> panels (complete panels the judge sat on), trimmed_high, trimmed_low, trimmed_share."""
    rnd = definition.round(key)
    scoring = rnd.scoring
    drop = scoring.drop_for(len(panel)) or 0
    if scoring.judge is not None:  # the panel combines each judge's total of the item
        values = _judge_totals(own, scoring.judge.names, scoring.judge.compute)
        groups = ["entrant", "item"]
    else:
        values = own[[*KEYS, "judge", "exact"]]
        groups = KEYS
    position = {judge: i for i, judge in enumerate(panel)}
    values = values.assign(position=values["judge"].map(position))
    size = values.groupby(groups)["judge"].transform("size")
    complete = values[size == len(panel)].copy()
    result = pd.DataFrame(index=pd.Index(list(panel), name="judge"))
    result["panels"] = complete.groupby("judge").size()
    result["trimmed_high"] = 0
    result["trimmed_low"] = 0
    if scoring.panel.startswith("trimmed") and drop > 0 and not complete.empty:
        complete = complete.sort_values([*groups, "exact", "position"], kind="stable")
        order = complete.groupby(groups).cumcount()
        result["trimmed_low"] = complete[order < drop].groupby("judge").size()
        result["trimmed_high"] = complete[order >= len(panel) - drop].groupby("judge").size()
    result = result.fillna(0)
    shares = (result["trimmed_high"] + result["trimmed_low"]) / result["panels"].where(result["panels"] > 0)
    result["trimmed_share"] = shares
    return result


def _judge_totals(own: pd.DataFrame, names: Iterable[str], compute: Any) -> pd.DataFrame:
    """Each judge's total of each item, by the round's `judge` formula (exact, as the core computes it)."""
    wanted = set(names)
    rows = []
    parts = own[own["criterion"].isin(wanted)]
    with precise():
        for (entrant, item, judge), group in parts.groupby(["entrant", "item", "judge"]):
            env = dict(zip(group["criterion"], group["exact"], strict=True))
            if wanted <= env.keys():
                try:
                    rows.append((entrant, item, judge, compute(env)))
                except (ArithmeticError, ScoringError):
                    continue
    return pd.DataFrame(rows, columns=["entrant", "item", "judge", "exact"])


def _spearman(own: pd.DataFrame) -> pd.DataFrame:
    """judge -> entrants, spearman: the judge's sums per entrant against the panel's medians on the same marks."""
    sums = own.groupby(["judge", "entrant"])[["value", "median"]].sum()
    found: dict[str, tuple[int, float]] = {}
    for judge, part in sums.groupby(level="judge"):
        ranks = part.rank(method="average")
        rho = float("nan")
        if len(part) >= 2 and ranks["value"].std() > 0 and ranks["median"].std() > 0:
            rho = float(ranks["value"].corr(ranks["median"]))
        found[str(judge)] = (len(part), rho)
    return pd.DataFrame.from_dict(found, orient="index", columns=["entrants", "spearman"]).rename_axis("judge")


def for_snapshot(snapshot: Snapshot, spread: Decimal | None = None) -> pd.DataFrame:
    """The consistency table of a contest as of the snapshot's version (spread: the contest's own by default)."""
    definition = snapshot.definition
    rule = spread if spread is not None else definition.review.spread
    return judge_consistency(marks_frame(snapshot.marks), definition, snapshot.panels(), rule)


def as_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as plain values (None for what cannot be computed, such as a correlation over one entrant)."""
    records: list[dict[str, Any]] = []
    for row in table.to_dict(orient="records"):
        records.append({str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
    return records


def for_contest(db: sessionmaker[Session], slug: str, spread: Decimal | None = None) -> tuple[Snapshot, pd.DataFrame]:
    """Read the contest (one transaction, services.snapshot) and compute its table."""
    from contest.services import snapshot

    found = snapshot.read(db, slug)
    return found, for_snapshot(found, spread)

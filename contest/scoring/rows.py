"""A standing's rows as screens, exports and the CLI show them, and what changed between two views of one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(slots=True)  # not frozen: a frozen __init__ costs 3x, and screens build 50 rows per change
class Row:
    """One line of a standing as screens, exports and the CLI show it (totals rounded to the contest's decimals)."""

    rank: int | None  # None: not ranked (incomplete)
    entrant: str
    name: str
    organization: str
    group: str
    rounds: Mapping[str, Decimal | None]
    total: Decimal | None
    award: str | None
    advances: bool
    complete: bool
    issues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    entrant: str
    rank_before: int | None
    rank_after: int | None
    total_before: Decimal | None
    total_after: Decimal | None


def diff_rows(before: Sequence[Row], after: Sequence[Row]) -> list[Change]:
    """What changed between two views of a standing, in the order of `after` (then entrants that left)."""
    old = {r.entrant: r for r in before}
    changes = []
    for row in after:
        prev = old.pop(row.entrant, None)
        if prev is None or (prev.rank, prev.total, prev.award) != (row.rank, row.total, row.award):
            changes.append(
                Change(row.entrant, prev.rank if prev else None, row.rank, prev.total if prev else None, row.total)
            )
    changes.extend(Change(r.entrant, r.rank, None, r.total, None) for r in old.values())
    return changes

"""What a viewer sees of a round's standings: the live board, the board as it was frozen, or a ceremony reveal.

Organizers always see the live board. Everyone else sees it while it is live, the board as it was at the freeze
(marks, entrants and panel then) while it is frozen, and during a ceremony reveal only the places (or award tiers)
uncovered so far, counted from the bottom. A hidden board shows nothing. A blind or drawn contest shows the
public codes only, until it is decrypted. The same function answers `GET .../standings` and renders every view
the live hub pushes, so a screen, a phone and the API never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contest.exports.tables import as_json
from contest.language import gettext_for
from contest.live.boards import BoardRegistry, ContestBoards, Shown, UnknownContest
from contest.scoring import Board, Row
from contest.scoring.messages import translated
from contest.services.errors import Forbidden, Invalid, Message, NotFound, ServiceError

Json = dict[str, Any]


@dataclass(frozen=True)
class View:
    """One distinct view of a standing: every socket and request asking for it sees the same bytes."""

    slug: str
    round: str | None = None  # None: the latest round with marks (default_round)
    group: str | None = None
    limit: int = 100
    entrant: str | None = None
    organizer: bool = False
    hidden_as_empty: bool = False  # a screen's socket: a hidden board is an empty one, and the socket stays open
    language: str | None = None  # a supported locale (zh_CN): the rows' `issues` in it; None: English


def standings(registry: BoardRegistry, view: View) -> Json:
    """The view as of now; raises NotFound, Invalid (an unknown round) or Forbidden (a hidden board)."""
    rendered = render(registry, view.slug, [view])[view]
    if isinstance(rendered, ServiceError):
        raise rendered
    return rendered


def render(
    registry: BoardRegistry, slug: str, views: Iterable[View], known: int | None = None
) -> dict[View, Json | ServiceError]:
    """Catch the contest's boards up once (at least to `known`, a version known to be committed; else to the
    newest), then each view: its payload, or the error a viewer of it gets."""
    try:
        state = registry.current(slug, known=known)
    except UnknownContest:
        missing = NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        return dict.fromkeys(views, missing)
    out: dict[View, Json | ServiceError] = {}
    for view in views:
        try:
            out[view] = _payload(registry, state, view)
        except ServiceError as exc:
            out[view] = exc
    return out


def _payload(registry: BoardRegistry, state: ContestBoards, view: View) -> Json:
    definition = state.definition
    key = view.round or default_round(state, organizer=view.organizer)
    if not definition.has_round(key):
        rounds = ", ".join(r.key for r in definition.rounds)
        raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=key, rounds=rounds), "round")
    shown = state.states.get(key, Shown())
    board_state = "live" if view.organizer else shown.board
    with state.lock:
        if board_state in ("live", "reveal"):
            board: Board | None = state.board(key)
        elif board_state == "frozen" and shown.frozen_seq is not None:
            board = registry.frozen(state, view.slug, key)
        elif view.hidden_as_empty:
            board = None
        else:
            raise Forbidden(Message("the board of round {round!r} is hidden", round=key), "round")
        if board is None:  # a screen's socket on a hidden board: an empty view, until the board is shown, as of
            # the round's last change (hiding, locking...): the marks entered behind it do not move its version
            version = state.seq if shown.frozen_seq is None else shown.frozen_seq
            payload: Json = {"contest": definition.slug, "version": version, "round": key, "rows": [], "groups": []}
        else:
            revealed, reveal = _revealed(board, view, shown) if shown.board == "reveal" else ([], None)
            if board_state == "reveal":
                rows = revealed
            else:
                rows = board.rows(group=view.group, limit=view.limit, entrant=view.entrant)
            payload = as_json(board, rows)
            payload["groups"] = board.groups if definition.ranking.groups == "separate" else []
            if reveal is not None:  # the public sees the ceremony; organizers, how far it has gone
                payload["reveal"] = reveal
    labels = {k: definition.round(k).label for k in definition.standing_rounds(key)}
    if view.language is not None:  # what an incomplete entrant lacks, and the 成绩 / Score label, in their language
        gettext = gettext_for(view.language)
        for row in payload["rows"]:
            row["issues"] = [str(translated(issue, gettext)) for issue in row["issues"]]
        labels = {k: str(translated(label, gettext)) for k, label in labels.items()}
    if state.sealed and not view.organizer:
        # blind judging (加密: a blind contest, or drawn codes): codes only until the decryption (解密) releases the
        # names; organizers hold the seal (contest/services/draws.py)
        for row in payload["rows"]:
            row["name"] = row["organization"] = ""
    payload["title"] = definition.title
    payload["labels"] = labels
    payload["status"] = shown.status
    payload["board"] = board_state
    return payload


def default_round(state: ContestBoards, *, organizer: bool = False) -> str:
    """The round a view that names none shows: the latest round that has marks (where the contest is now), skipping,
    for the public, rounds whose board is hidden; before any mark, the first round (where the first marks will go).
    A contest whose last round has not started yet thus shows the standing so far, not an empty board."""
    keys = [r.key for r in state.definition.rounds]
    marked = _marked_rounds(state)
    for key in reversed(keys):
        if key in marked and (organizer or state.states.get(key, Shown()).board != "hidden"):
            return key
    return next((k for k in reversed(keys) if k in marked), keys[0])


def _marked_rounds(state: ContestBoards) -> set[str]:
    """The rounds with at least one mark (current as of the state's version)."""
    wanted = len(state.definition.rounds)
    found: set[str] = set()
    with state.lock:
        for code in state.sheet.entrants():
            found.update(state.sheet.entrant(code))
            if len(found) >= wanted:
                break
    return found


def _revealed(board: Board, view: View, shown: Shown) -> tuple[list[Row], Json]:
    """The rows a ceremony has uncovered so far among the view's top `limit` places, and how far it is.

    Each group is uncovered from its bottom: one place a step (entrants sharing a place together), or one award
    tier a step (those with no award first, then the awards from the last named to the first). Unranked rows are
    not part of a ceremony. Covered rows are left out entirely, so nothing of them reaches a screen."""
    by = shown.reveal_by or "rank"
    step = shown.reveal_step or 0
    tiers = [a.name for a in reversed(board.definition.awards)]  # the lowest tier first
    shown_rows: list[Row] = []
    steps = hidden = 0
    hidden_by_group: dict[str, int] = {}
    ranked = [r for r in board.rows(group=view.group) if r.rank is not None][: view.limit]
    groups: dict[str, list[Row]] = {}
    for row in ranked:
        groups.setdefault(row.group if board.definition.ranking.groups == "separate" else "", []).append(row)
    for group, rows in groups.items():
        unit_of = _award_units(rows, tiers) if by == "award" else _place_units(rows)
        used = sorted(set(unit_of))
        steps = max(steps, len(used))
        uncovered = set(used[:step])
        for row, unit in zip(rows, unit_of, strict=True):
            if unit in uncovered:
                shown_rows.append(row)
            else:
                hidden += 1
                hidden_by_group[group] = hidden_by_group.get(group, 0) + 1
    info = {"by": by, "step": min(step, steps), "steps": steps, "hidden": hidden, "hidden_by_group": hidden_by_group}
    return shown_rows, info


def _place_units(rows: list[Row]) -> list[int]:
    """Each row's place counted from the bottom (0: the last place; entrants sharing a place share it)."""
    places = sorted({r.rank or 0 for r in rows}, reverse=True)
    return [places.index(r.rank or 0) for r in rows]


def _award_units(rows: list[Row], tiers: list[str]) -> list[int]:
    """Each row's award tier counted from the bottom (0: no award; then the last named award, and up)."""
    return [tiers.index(r.award) + 1 if r.award in tiers else 0 for r in rows]

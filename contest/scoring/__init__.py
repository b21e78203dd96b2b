"""The scoring core: pure functions and values, standard library only.

definition = parse_definition(toml_text)
board = Board(definition, "final", entrants, MarkSheet(marks))
board.rows(limit=50)
explain(board, "A07")
"""

from contest.scoring.board import Board, Change, Row, diff_rows
from contest.scoring.definition import ContestDefinition, Criterion, Round, parse_definition
from contest.scoring.entrants import Entrant
from contest.scoring.errors import ContestError, DefinitionError, MarkError, Problem, ScoringError
from contest.scoring.explain import Explanation, explain
from contest.scoring.marks import Mark, MarkSheet, mark_problems
from contest.scoring.numbers import format_decimal, parse_decimal, round_half_up

__all__ = [
    "Board",
    "Change",
    "ContestDefinition",
    "ContestError",
    "Criterion",
    "DefinitionError",
    "Entrant",
    "Explanation",
    "Mark",
    "MarkError",
    "MarkSheet",
    "Problem",
    "Round",
    "Row",
    "ScoringError",
    "diff_rows",
    "explain",
    "format_decimal",
    "mark_problems",
    "parse_decimal",
    "parse_definition",
    "round_half_up",
]

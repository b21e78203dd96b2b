"""Reading entrants (CSV or XLSX) and marks (CSV) into the core's values, with every bad row reported by file,
row number and column; the file itself is read by contest/table_files.py (type, encoding). `preview_entrants`
checks an upload row by row without saving it (the console's import preview), warning of formula-like cells.
Headers may be Chinese or English (ENTRANT_HEADERS, MARK_HEADERS; spaces, a leading "*" and a note in brackets
are ignored: "* 姓 名（必填）").
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from contest.scoring import ContestDefinition, Entrant, Mark, MarkError, Problem, mark_problems, parse_decimal
from contest.scoring.messages import Message, reason
from contest.scoring.numbers import MAX_ITEM, parse_whole
from contest.scoring.text import MAX_CODE, MAX_GROUP, MAX_NAME, MAX_ORGANIZATION, clean_text, refused_character
from contest.table_files import TableError, read_rows, rows_of

__all__ = ["TableError", "entrants_of", "preview_entrants", "read_entrants", "read_marks", "read_rows", "rows_of"]

MAX_PROBLEMS = 50

ENTRANT_HEADERS = {
    "code": ("code", "编号", "参赛编号", "选手编号", "工位号", "entrant", "参赛号", "考号", "准考证号", "号码", "工位"),
    "name": ("name", "姓名", "选手姓名", "选手", "参赛选手", "参赛者", "参赛人员"),
    "organization": (
        "organization",
        "单位",
        "参赛单位",
        "工作单位",
        "organisation",
        "所在单位",
        "单位名称",
        "推荐单位",
        "代表队",
        "参赛队",
        "队伍",
    ),
    "group": ("group", "组别", "分组", "参赛组别", "组", "类别"),
}
MARK_HEADERS = {
    "entrant": ("entrant", "编号", "选手编号", "参赛编号", "选手"),
    "round": ("round", "轮次", "场次", "赛段"),
    "item": ("item", "序号", "项", "作品"),
    "criterion": ("criterion", "评分项", "指标", "项目"),
    "judge": ("judge", "裁判", "评委"),
    "value": ("value", "分数", "得分", "成绩", "数值"),
}


def _label(header: str) -> str:
    """A header as the column lists spell it: without spaces (also the full-width one), a leading "*" that marks a
    required column in many templates, or a note in brackets: "* 姓 名（必填）" -> "姓名"."""
    text = "".join(header.split()).replace("\u3000", "").lstrip("*＊").lower()
    for opening, closing in (("（", "）"), ("(", ")")):
        if text.endswith(closing) and opening in text:
            text = text[: text.rindex(opening)]
    return text


def _columns(
    name: str, headers: list[str], known: dict[str, tuple[str, ...]], required: Sequence[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        label = _label(header)
        for field, aliases in known.items():
            if label in aliases and field not in found:
                found[field] = index
    missing = [f for f in required if f not in found]
    if missing:
        wanted = ", ".join(f"{f} ({'/'.join(known[f][1:3])})" for f in missing)
        has = ", ".join(headers) if any(headers) else Message("nothing")
        raise TableError(
            Message(
                "{file} row 1: missing column {wanted}; the first row has: {has}", file=name, wanted=wanted, has=has
            )
        )
    return found


def _at(name: str, row: int, column: str) -> str:
    """Where a cell is, as problems name it: "marks.csv row 3, column value"."""
    return Message("{file} row {row}, column {column}", file=name, row=row, column=column)


def read_entrants(path: Path) -> list[Entrant]:
    headers, rows = read_rows(path)
    return _entrants(path.name, headers, rows)


def entrants_of(name: str, data: bytes) -> list[Entrant]:
    """Entrants from an uploaded CSV or XLSX file's content."""
    headers, rows = rows_of(name, data)
    return _entrants(name, headers, rows)


@dataclass(frozen=True)
class RowCheck:
    """One row of an entrant file as it will be saved, with what stops it (problems) or deserves a look
    (warnings: kept as written)."""

    row: int
    cells: dict[str, str]  # code, name, organization, group: as they will be stored
    attributes: dict[str, str]
    problems: list[Problem]
    warnings: list[Problem]

    def entrant(self) -> Entrant:
        c = self.cells
        return Entrant(c["code"], c.get("name", ""), c.get("organization", ""), c.get("group", ""), self.attributes)


@dataclass(frozen=True)
class EntrantPreview:
    """Every row of an entrant file checked, before anything is saved."""

    file: str
    headers: dict[str, str]  # field -> the file's header for it
    extra: list[str]  # other columns, kept as the entrants' attributes
    rows: list[RowCheck]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def warnings(self) -> list[Problem]:
        return [w for r in self.rows for w in r.warnings]

    def entrants(self) -> list[Entrant]:
        return [r.entrant() for r in self.rows if not r.problems]


FORMULA_START = ("=", "+", "-", "@")


def preview_entrants(name: str, data: bytes, existing: Collection[str] = ()) -> EntrantPreview:
    """Check an uploaded entrant file row by row (nothing is saved): TableError when the file as a whole cannot be
    read (type, encoding, missing columns), else every row with its problems. `existing`: codes already in the
    contest that the file may not repeat (when adding to the list rather than replacing it)."""
    headers, rows = rows_of(name, data, formulas=True)
    return _preview(name, headers, rows, set(existing))


def _preview(
    name: str, headers: list[str], rows: Iterator[tuple[int, list[str]]], existing: set[str]
) -> EntrantPreview:
    columns = _columns(name, headers, ENTRANT_HEADERS, ("code", "name"))
    extra = [(i, h) for i, h in enumerate(headers) if i not in columns.values() and h]
    checked: list[RowCheck] = []
    first_row: dict[str, int] = {}
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = {field: (row[i].strip() if i < len(row) else "") for field, i in columns.items()}
        problems = _refused_cells(name, number, headers, columns, cells)
        warnings = [
            Problem(_at(name, number, headers[columns[field]]), _formula_warning(value))
            for field, value in cells.items()
            if value.startswith(FORMULA_START)
        ]
        code = cells["code"]
        code_at = _at(name, number, headers[columns["code"]])
        if code and code in first_row:
            why = Message("code {code!r} is already used in row {row}", code=code, row=first_row[code])
            problems.append(Problem(code_at, why))
        elif code and code in existing:
            problems.append(Problem(code_at, Message("code {code!r} is already in this contest", code=code)))
        elif code:
            first_row[code] = number
        if code and not cells["name"]:
            warnings.append(Problem(_at(name, number, headers[columns["name"]]), Message("the name is empty")))
        attributes: dict[str, str] = {}
        for i, header in extra:
            if i >= len(row) or not row[i].strip():
                continue
            try:
                value = clean_text(row[i], max_length=MAX_ORGANIZATION)
                attributes[clean_text(header, max_length=MAX_NAME)] = value
            except ValueError as exc:
                problems.append(Problem(_at(name, number, header), reason(exc)))
                continue
            if value.startswith(FORMULA_START):
                warnings.append(Problem(_at(name, number, header), _formula_warning(value)))
        checked.append(RowCheck(number, {f: cells.get(f, "") for f in ENTRANT_HEADERS}, attributes, problems, warnings))
    found = {field: headers[i] for field, i in columns.items()}
    return EntrantPreview(name, found, [h for _, h in extra], checked)


def _formula_warning(value: str) -> Message:
    return Message(
        "starts with {start!r} like a spreadsheet formula: kept as text, and exports mark it as text",
        start=value[:1],
    )


def _entrants(name: str, headers: list[str], rows: Iterator[tuple[int, list[str]]]) -> list[Entrant]:
    checked = _preview(name, headers, rows, set())
    problems = checked.problems
    if problems:
        raise TableError(
            problems[:MAX_PROBLEMS], title=Message("{file}: {count} bad rows", file=name, count=len(problems))
        )
    return checked.entrants()


ENTRANT_TEXTS = {"code": MAX_CODE, "name": MAX_NAME, "organization": MAX_ORGANIZATION, "group": MAX_GROUP}


def _refused_cells(
    name: str, number: int, headers: list[str], columns: dict[str, int], cells: dict[str, str]
) -> list[Problem]:
    """The entrant's code, name, organization and group under the text policy: a problem for each refused cell."""
    found: list[Problem] = []
    for field, most in ENTRANT_TEXTS.items():
        if field not in columns:
            continue
        at = _at(name, number, headers[columns[field]])
        if field == "code" and not cells[field]:
            found.append(Problem(at, Message("the entrant code is empty")))
            continue
        try:
            clean_text(cells[field], max_length=most)
        except ValueError as exc:
            found.append(Problem(at, reason(exc)))
    return found


def read_marks(path: Path, definition: ContestDefinition, entrants: Sequence[Entrant] | None = None) -> list[Mark]:
    """Marks from CSV, each checked against the contest (range, step, keys, panel) and the entrant list."""
    headers, rows = read_rows(path)
    columns = _columns(path.name, headers, MARK_HEADERS, ("entrant", "criterion", "value"))
    if "round" not in columns and len(definition.rounds) > 1:
        several = Message(
            "{file} row 1: missing column {column}; this contest has several rounds", file=path.name, column="round"
        )
        raise TableError(several)
    codes = {e.code for e in entrants} if entrants else None
    problems: list[Problem] = []
    marks: list[Mark] = []
    seen: dict[tuple[str, str, int, str, str], int] = {}
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = {field: (row[i].strip() if i < len(row) else "") for field, i in columns.items()}

        def column(field: str, number: int = number) -> str:
            return _at(path.name, number, headers[columns[field]] if field in columns else field)

        bad = False
        for field in ("entrant", "round", "criterion", "judge"):
            if field in columns and (why := refused_character(cells[field])) is not None:
                problems.append(Problem(column(field), why))
                bad = True
        try:
            item = parse_whole(cells.get("item") or "1", low=1, high=MAX_ITEM)
        except ValueError as exc:
            problems.append(Problem(column("item"), reason(exc)))
            bad = True
            item = 1
        try:
            value = parse_decimal(cells["value"])
        except ValueError as exc:
            problems.append(Problem(column("value"), reason(exc)))
            bad = True
            value = Decimal(0)
        if not cells["entrant"]:
            problems.append(Problem(column("entrant"), Message("the entrant code is empty")))
            bad = True
        if bad:
            continue
        mark = Mark(
            cells["entrant"],
            cells.get("round") or definition.rounds[0].key,
            item,
            cells["criterion"],
            cells.get("judge", ""),
            value,
        )
        panel = definition.panel(mark.round) if definition.has_round(mark.round) else None
        for problem in mark_problems(definition, mark, entrants=codes, panel=panel):
            problems.append(Problem(column(problem.where), problem.message))
            bad = True
        key = (mark.entrant, mark.round, mark.item, mark.criterion, mark.judge)
        if not bad and key in seen:
            repeated = Message(
                "repeats the mark of row {row} (same entrant, round, item, criterion and judge); keep one",
                row=seen[key],
            )
            problems.append(Problem(Message("{file} row {row}", file=path.name, row=number), repeated))
            continue
        if not bad:
            seen[key] = number
            marks.append(mark)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            title = Message(
                "{file}: {count} bad marks (the first {shown} shown)",
                file=path.name,
                count=len(problems),
                shown=MAX_PROBLEMS,
            )
        else:
            title = Message("{file}: {count} bad marks", file=path.name, count=len(problems))
        raise MarkError(shown, title=title)
    return marks

"""Reading entrants (CSV or XLSX) and marks (CSV) into the core's values, with every bad row reported by file,
row number and column. CSV files may be UTF-8 (with or without BOM) or GB18030/GBK as Excel saves them on Chinese
Windows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from contest.scoring import ContestDefinition, Entrant, Mark, MarkError, Problem, mark_problems, parse_decimal
from contest.scoring.errors import ContestError
from contest.scoring.messages import Message, reason
from contest.scoring.numbers import MAX_ITEM, parse_whole
from contest.scoring.text import MAX_CODE, MAX_GROUP, MAX_NAME, MAX_ORGANIZATION, clean_text, refused_character

MAX_PROBLEMS = 50

ENTRANT_HEADERS = {
    "code": ("code", "编号", "参赛编号", "选手编号", "工位号", "entrant"),
    "name": ("name", "姓名", "选手姓名", "选手"),
    "organization": ("organization", "单位", "参赛单位", "工作单位", "organisation"),
    "group": ("group", "组别", "分组"),
}
MARK_HEADERS = {
    "entrant": ("entrant", "编号", "选手编号", "参赛编号", "选手"),
    "round": ("round", "轮次", "场次", "赛段"),
    "item": ("item", "序号", "项", "作品"),
    "criterion": ("criterion", "评分项", "指标", "项目"),
    "judge": ("judge", "裁判", "评委"),
    "value": ("value", "分数", "得分", "成绩", "数值"),
}


class TableError(ContestError):
    """A data file (entrants or marks) cannot be read."""


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Headers and (row number, cells) of a CSV or XLSX file; row numbers as a spreadsheet shows them."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(Message("{file}: cannot read the file ({why})", file=str(path), why=exc.strerror)) from None
    return rows_of(path.name, data)


def rows_of(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Like `read_rows`, for a file's content (an upload); the name's suffix says CSV or XLSX."""
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _xlsx_rows(name, data)
    if suffix in (".csv", ".txt", ""):
        return _csv_rows(name, data)
    raise TableError(Message("{file}: expected a .csv or .xlsx file, got {suffix}", file=name, suffix=suffix))


def _decode(name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(
        Message("{file}: not a text file in UTF-8 or GB18030 (save it as CSV UTF-8)", file=name)
    )  # pragma: no cover


def _csv_rows(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    text = _decode(name, data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = next(reader)
    except StopIteration:
        raise TableError(Message("{file}: the file is empty; the first row must name the columns", file=name)) from None
    except csv.Error as exc:
        raise TableError(Message("{file} row {row}: {why}", file=name, row=1, why=str(exc))) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise TableError(Message("{file} row {row}: {why}", file=name, row=reader.line_num, why=str(exc))) from None

    return [h.strip() for h in headers], rows()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(
            Message("{file}: not a readable .xlsx workbook ({why})", file=name, why=type(exc).__name__)
        ) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        raise TableError(Message("{file}: the first sheet is empty; its first row must name the columns", file=name))
    headers = [_cell(v) for v in first]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(values, start=2):
            yield number, [_cell(v) for v in row]
        book.close()

    return headers, rows()


def _columns(
    name: str, headers: list[str], known: dict[str, tuple[str, ...]], required: Sequence[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        label = header.strip().lower()
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


def _entrants(name: str, headers: list[str], rows: Iterator[tuple[int, list[str]]]) -> list[Entrant]:
    columns = _columns(name, headers, ENTRANT_HEADERS, ("code", "name"))
    extra = [(i, h) for i, h in enumerate(headers) if i not in columns.values() and h]
    problems: list[Problem] = []
    entrants: list[Entrant] = []
    first_row: dict[str, int] = {}
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = {field: (row[i].strip() if i < len(row) else "") for field, i in columns.items()}
        refused = _refused_cells(name, number, headers, columns, cells)
        if refused:
            problems.extend(refused)
            continue
        code = cells["code"]
        if code in first_row:
            why = Message("code {code!r} is already used in row {row}", code=code, row=first_row[code])
            problems.append(Problem(_at(name, number, headers[columns["code"]]), why))
            continue
        attributes: dict[str, str] = {}
        refused = []
        for i, header in extra:
            if i >= len(row) or not row[i].strip():
                continue
            try:
                attributes[clean_text(header, max_length=MAX_NAME)] = clean_text(row[i], max_length=MAX_ORGANIZATION)
            except ValueError as exc:
                refused.append(Problem(_at(name, number, header), reason(exc)))
        if refused:
            problems.extend(refused)
            continue
        first_row[code] = number
        entrants.append(Entrant(code, cells["name"], cells.get("organization", ""), cells.get("group", ""), attributes))
    if problems:
        raise TableError(
            problems[:MAX_PROBLEMS], title=Message("{file}: {count} bad rows", file=name, count=len(problems))
        )
    return entrants


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

"""Assignment files (评委分组): the columns a download has, a workbook of them, and the rows of an uploaded CSV or
XLSX (``entrant, round, item, panel`` or ``entrant, round, judge``; item and criterion optional; Chinese headers
too) as one row per judge. The API (contest/web/assignments_api.py) and `contest panels` share them.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from contest.scoring.panels import Assigned
from contest.services import assignments
from contest.services.contests import definition_of, get_contest
from contest.services.errors import Invalid, Message
from contest.table_files import TableError, rows_of

COLUMNS = ("entrant", "round", "item", "criterion", "panel", "judge")
HEADERS = {  # Chinese headers too
    "编号": "entrant",
    "选手": "entrant",
    "轮次": "round",
    "项": "item",
    "作品": "item",
    "评分项": "criterion",
    "评委组": "panel",
    "评委": "judge",
}


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] if c == "item" and row[c] != "" else str(row[c]) for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value:
                cell.data_type = "s"  # text as entered, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MAX_KEY = 64  # the longest panel key shown back


Raw = tuple[int, str, str, int, str, str, str]  # line, entrant, round, item, criterion, panel, judge


def table_rows(name: str, body: bytes) -> list[Raw]:
    try:
        headers, rows = rows_of(name, body)
        columns = [HEADERS.get(h.strip(), h.strip().lower()) for h in headers]
        if not {"entrant", "round"} <= set(columns) or not {"panel", "judge"} & set(columns):
            message = Message(
                "expected the columns {panel} or {judge}, got {got}",
                panel="entrant, round, item, panel",
                judge="entrant, round, judge",
                got=", ".join(headers),
            )
            raise Invalid(message, "body")
        out: list[Raw] = []
        for line, cells in rows:
            row = dict(zip(columns, (c.strip() for c in cells), strict=False))
            if not any(row.values()):
                continue
            item_text = row.get("item", "") or "0"
            if not (item_text.isascii() and item_text.isdigit()) or len(item_text) > 5:  # not ² or ٣
                raise Invalid(
                    Message("row {line}: item must be a whole number, got {raw!r}", line=line, raw=item_text), "item"
                )
            out.append(
                (
                    line,
                    row.get("entrant", ""),
                    row.get("round", ""),
                    int(item_text),
                    row.get("criterion", ""),
                    row.get("panel", ""),
                    row.get("judge", ""),
                )
            )
        return out
    except TableError as exc:
        first = exc.problems[0] if exc.problems else None
        raise Invalid(
            exc.as_message(), first.where if first else "body", details=[str(p) for p in exc.problems]
        ) from None


def assigned_rows(db: sessionmaker[Session], slug: str, raw: list[Raw]) -> list[Assigned]:
    """Each row as rows of one judge: a panel's row becomes one per judge of the contest file's panel."""
    with db() as session:
        definition = definition_of(get_contest(session, slug))
    out: list[Assigned] = []
    panels: list[tuple[int, str, str, int, str]] = []
    known = {p.key for p in definition.panels.panels}
    for line, entrant, round_key, item, criterion, panel, judge in raw:
        if not entrant or not round_key:
            raise Invalid(Message("row {line}: entrant and round are required", line=line), "entrant")
        if panel and panel not in known:  # a judge's row keeps a panel of the contest file, or none
            shown = panel if len(panel) <= MAX_KEY else panel[:MAX_KEY] + "…"
            raise Invalid(
                Message(
                    "row {line}: no panel {panel!r}; panels: {known}",
                    line=line,
                    panel=shown,
                    known=", ".join(sorted(known)) or "-",
                ),
                "panel",
            )
        if not panel and not judge:
            raise Invalid(Message("row {line}: give a panel or a judge", line=line), "panel")
        if judge:  # a judge's own row (as downloaded, the panel they sit as kept with it)
            out.append(Assigned(entrant, round_key, judge, item, criterion, panel))
        else:
            panels.append((line, entrant, round_key, item, panel))
            if criterion:
                raise Invalid(
                    Message("row {line}: a panel judges every criterion it is given in the contest file", line=line),
                    "criterion",
                )
    return out + assignments.expand_panels(definition, panels)

"""The results workbook (成绩册, xlsx) and the results CSV, from one consistent version of a contest.

Sheets, in order: an info sheet naming the contest and the version shown ("as of version N"); the final standing
(the last round's); each earlier round's standing; one sheet per group where groups are ranked separately; every
judge's marks per entrant and criterion; judge consistency (services.consistency); the audit history (every version
of every mark: who, when, device, reason). Headers in Chinese for zh_CN, English otherwise; the header row frozen;
columns sized to their content (a CJK character counts double); totals formatted with the contest's decimals.

Text from uploads and devices (names, organizations, codes, reasons) is written as string cells, which Excel and
LibreOffice show exactly as written and never evaluate: an entrant named ``=1+2`` stays the text ``=1+2``. The CSV
guards the same text with `tables.safe_text` (a leading apostrophe) and carries a BOM for Excel on Chinese Windows.

The workbook is written in openpyxl's write-only mode (streamed, row by row): 10,000 entrants fit in little memory
(bench/bench_workbook.py); pandas shapes the per-judge breakdown and computes the consistency table.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pandas as pd

from contest.exports.tables import safe_text
from contest.language import gettext_for
from contest.scoring import Board, Row
from contest.scoring.messages import translated
from contest.services import consistency
from contest.services.snapshot import Snapshot

Progress = Callable[[str, int, int], None]  # (what is being written, steps done, steps in all)
MAX_WIDTH = 60
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORBIDDEN = str.maketrans({"[": "(", "]": ")", ":": "：", "*": "_", "?": "_", "/": "／", "\\": "＼"})


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK (wide and full-width) characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def number_format(decimals: int) -> str:
    return "0" if decimals == 0 else "0." + "0" * decimals


class Sheet:
    """A sheet's header and rows, kept until written: the widths are known before the first row is streamed."""

    def __init__(self, title: str, header: Sequence[str], formats: dict[int, str] | None = None) -> None:
        self.title = title
        self.header = list(header)
        self.formats = formats or {}  # column index -> number format
        self.rows: list[list[Any]] = []

    def widths(self) -> list[float]:
        found = [display_width(h) for h in self.header]
        for row in self.rows:
            for i, value in enumerate(row):
                if value is None:
                    continue
                shown = value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)
                found[i] = max(found[i], display_width(shown))
        return [min(MAX_WIDTH, w + 2) for w in found]


class Labels:
    """Headers and words in one language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._gettext = gettext_for(locale)

    def __call__(self, text: str, **values: object) -> str:
        """`text` (a literal English header or phrase) in this language, its {placeholders} filled."""
        try:
            return str(self._gettext(text)).format(**values)
        except (KeyError, IndexError, ValueError):  # a catalog entry with other placeholders: English
            return text.format(**values)


def _title(text: str, used: set[str]) -> str:
    """A sheet name Excel takes: no []:*?/\\, at most 31 characters, unique (case-insensitively)."""
    base = (text.translate(_FORBIDDEN).strip("' ") or "sheet")[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _label(snapshot: Snapshot, key: str, _: Labels) -> str:
    return str(translated(snapshot.definition.round(key).label or key, _._gettext))


def standing_sheet(board: Board, rows: Sequence[Row], title: str, snapshot: Snapshot, _: Labels) -> Sheet:
    """A standing: rank, code, name, organization, [group], each round it adds up, total, award, [advances], note."""
    definition = snapshot.definition
    rounds = definition.standing_rounds(board.round.key)
    groups = any(r.group for r in rows)
    advances = board.round.advance is not None
    header = [_("Rank"), _("Code"), _("Name"), _("Organization")]
    header += [_("Group")] if groups else []
    first_number = len(header)
    header += [_label(snapshot, k, _) for k in rounds] + [_("Total"), _("Award")]
    header += [_("Advances")] if advances else []
    header.append(_("Note"))
    fmt = number_format(definition.decimals)
    sheet = Sheet(title, header, {i: fmt for i in range(first_number, first_number + len(rounds) + 1)})
    yes = _("yes")
    for row in rows:
        line: list[Any] = [row.rank, row.entrant, row.name, row.organization]
        line += [row.group] if groups else []
        line += [row.rounds.get(k) for k in rounds] + [row.total, row.award or ""]
        line += [yes if row.advances else ""] if advances else []
        line.append("; ".join(str(translated(issue, _._gettext)) for issue in row.issues))
        sheet.rows.append(line)
    return sheet


def standing_sheets(snapshot: Snapshot, used: set[str], _: Labels) -> Iterable[Sheet]:
    """The final standing first, then each earlier round; each followed by its groups when ranked separately."""
    definition = snapshot.definition
    sheet_of_marks = snapshot.sheet()
    keys = [r.key for r in definition.rounds]
    for key in [keys[-1], *keys[:-1]]:
        board = snapshot.board(key, sheet_of_marks)
        label = _label(snapshot, key, _)
        title = _("Final standing ({round})", round=label) if key == keys[-1] else label
        yield standing_sheet(board, board.rows(), _title(title, used), snapshot, _)
        if definition.ranking.groups == "separate" and len(board.groups) > 1:
            for group in board.groups:
                name = _title(f"{label} · {group or '—'}", used)
                yield standing_sheet(board, board.rows(group=group), name, snapshot, _)


def judges_sheet(snapshot: Snapshot, title: str, _: Labels) -> Sheet:
    """Every judge's current mark per entrant, item and criterion (values entered once in their own column)."""
    definition = snapshot.definition
    judges = list(dict.fromkeys(j for panel in snapshot.panels().values() for j in panel))
    marks = pd.DataFrame(
        [(m.round, m.entrant, m.item, m.criterion, m.judge, m.value) for m in snapshot.marks],
        columns=["round", "entrant", "item", "criterion", "judge", "value"],
    )
    extra = sorted(set(marks["judge"]) - set(judges) - {""})
    judges += extra
    columns = [*judges, ""]
    header = [_("Round"), _("Code"), _("Name"), _("Item"), _("Criterion")]
    header += [(snapshot.judge_names.get(j) and f"{j} {snapshot.judge_names[j]}") or j for j in judges]
    header += [_("Median"), _("Entered")]
    sheet = Sheet(title, header)
    if marks.empty:
        return sheet
    current = marks.drop_duplicates(["round", "entrant", "item", "criterion", "judge"], keep="last")
    wide = current.pivot(index=["round", "entrant", "item", "criterion"], columns="judge", values="value")
    wide = wide.reindex(columns=columns)
    names = {e.code: e.name for e in snapshot.entrants}
    round_order = {r.key: i for i, r in enumerate(definition.rounds)}
    entrant_order = {e.code: i for i, e in enumerate(snapshot.entrants)}
    criterion_order = {c.key: i for i, c in enumerate(definition.criteria)}
    labels = {c.key: c.label or c.key for c in definition.criteria}
    round_labels = {r.key: _label(snapshot, r.key, _) for r in definition.rounds}
    ordered = sorted(
        wide.itertuples(name=None),
        key=lambda t: (
            round_order.get(t[0][0], 1 << 30),
            entrant_order.get(t[0][1], 1 << 30),
            t[0][1],
            t[0][2],
            criterion_order.get(t[0][3], 1 << 30),
        ),
    )
    for (key, code, item, criterion), *values in ordered:
        given = [v if isinstance(v, Decimal) else None for v in values]
        judged = sorted(v for v in given[:-1] if v is not None)
        median = None
        if judged:
            middle = len(judged) // 2
            median = judged[middle] if len(judged) % 2 else (judged[middle - 1] + judged[middle]) / 2
        row = [round_labels.get(key, key), code, names.get(code, ""), item, labels.get(criterion, criterion)]
        sheet.rows.append([*row, *given[:-1], median, given[-1]])
    return sheet


def consistency_sheet(snapshot: Snapshot, table: pd.DataFrame, title: str, _: Labels) -> Sheet:
    header = [
        _("Round"),
        _("Judge"),
        _("Marks"),
        _("Mean deviation from the panel median"),
        _("Mean absolute deviation"),
        _("Flagged (spread rule)"),
        _("Flagged share"),
        _("Complete panels"),
        _("Trimmed as highest"),
        _("Trimmed as lowest"),
        _("Trimmed share"),
        _("Entrants ranked"),
        _("Spearman correlation with the panel"),
    ]
    formats = {3: "0.00", 4: "0.00", 6: "0.0%", 10: "0.0%", 12: "0.00"}
    sheet = Sheet(title, header, formats)
    for record in consistency.as_records(table):
        judge = record["judge"]
        name = snapshot.judge_names.get(judge, "")
        sheet.rows.append(
            [
                _label(snapshot, record["round"], _),
                f"{judge} {name}" if name else judge,
                *(record[c] for c in consistency.COLUMNS[2:]),
            ]
        )
    return sheet


def history_sheet(snapshot: Snapshot, title: str, _: Labels) -> Sheet:
    header = [
        _("Version"),
        _("Time (UTC)"),
        _("Code"),
        _("Round"),
        _("Item"),
        _("Criterion"),
        _("Judge"),
        _("Value"),
        _("Previous value"),
        _("Entered by"),
        _("Device"),
        _("IP address"),
        _("Reason"),
    ]
    sheet = Sheet(title, header, {1: "yyyy-mm-dd hh:mm:ss"})
    for h in snapshot.history:
        who = f"{h.role} {h.by_judge}" if h.by_judge else h.role
        sheet.rows.append(
            [
                h.version,
                h.at,
                h.entrant,
                h.round,
                h.item,
                h.criterion,
                h.judge,
                h.value,
                h.previous,
                who,
                h.device,
                h.ip,
                h.reason,
            ]
        )
    return sheet


def info_sheet(snapshot: Snapshot, title: str, sheets: Sequence[str], _: Labels) -> Sheet:
    sheet = Sheet(title, [_("Results workbook"), snapshot.title])
    made = snapshot.read_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    sheet.rows += [
        [_("Contest"), snapshot.slug],
        [_("Version"), snapshot.version],
        [_("Standings"), _("as of version {version}", version=snapshot.version)],
        [_("Exported at"), made],
        [_("Entrants"), len(snapshot.entrants)],
        [_("Mark versions"), len(snapshot.history)],
        [_("Sheets"), ", ".join(sheets)],
    ]
    if not snapshot.names_released:  # a blind or drawn contest before its decryption
        sheet.rows.append([_("Name"), _("withheld until the decryption: codes only")])
    return sheet


def build(snapshot: Snapshot, locale: str, table: pd.DataFrame | None = None) -> tuple[int, Iterator[Sheet]]:
    """How many sheets the workbook has, and the sheets, info sheet first. The big ones (judges' marks, history)
    are made only when their turn comes, so only one of them is held at a time."""
    _ = Labels(locale)
    used: set[str] = set()
    info = _title(_("About"), used)
    standings = list(standing_sheets(snapshot, used, _))
    later = [_title(_(name), used) for name in ("Judges' marks", "Judge consistency", "Audit history")]

    def sheets() -> Iterator[Sheet]:
        yield info_sheet(snapshot, info, [s.title for s in standings] + later, _)
        while standings:
            yield standings.pop(0)
        yield judges_sheet(snapshot, later[0], _)
        found = table if table is not None else consistency.for_snapshot(snapshot)
        yield consistency_sheet(snapshot, found, later[1], _)
        yield history_sheet(snapshot, later[2], _)

    return 1 + len(standings) + len(later), sheets()


def write_workbook(
    snapshot: Snapshot,
    target: Path | IO[bytes],
    locale: str = "zh_CN",
    *,
    table: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> list[str]:
    """Write the workbook to a path or a binary stream; the sheets' names."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    names = []
    count, sheets = build(snapshot, locale, table)
    for done, sheet in enumerate(sheets):
        if progress is not None:
            progress(sheet.title, done, count + 1)
        ws = book.create_sheet(sheet.title)
        for i, width in enumerate(sheet.widths(), start=1):
            ws.column_dimensions[_column_letter(i)].width = width
        ws.freeze_panes = "A2"

        def header_cell(text: str, ws: Any = ws) -> Any:
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"
            cell.font = bold
            return cell

        ws.append([header_cell(h) for h in sheet.header])
        for row in sheet.rows:
            ws.append([_cell(ws, i, value, sheet.formats, WriteOnlyCell) for i, value in enumerate(row)])
        names.append(sheet.title)
        del sheet  # the next sheet's rows replace this one's
    if progress is not None:
        progress("xlsx", count, count + 1)
    book.save(target)
    if progress is not None:
        progress("xlsx", count + 1, count + 1)
    return names


def _cell(ws: Any, i: int, value: Any, formats: dict[int, str], make: Any) -> Any:
    if isinstance(value, str):
        if not value:
            return None  # no cell at all: an empty text is written as nothing (and read back as empty)
        value = _ILLEGAL.sub("\ufffd", value)  # control characters have no place in a cell: shown as �
        if not value.startswith(("=", "+", "-", "@")):
            return value
        cell = make(ws, value=value)
        cell.data_type = "s"  # written as text, shown as written, never evaluated as a formula
        return cell
    fmt = formats.get(i)
    if fmt is None or value is None:
        return value
    cell = make(ws, value=value)
    cell.number_format = fmt
    return cell


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


def write_csv(snapshot: Snapshot, stream: IO[str], locale: str = "zh_CN", round_key: str | None = None) -> int:
    """The final standing (or `round_key`'s) as CSV, headers in the language, text guarded; rows written."""
    _ = Labels(locale)
    key = round_key or snapshot.definition.rounds[-1].key
    board = snapshot.board(key)
    sheet = standing_sheet(board, board.rows(), key, snapshot, _)
    fmt_columns = set(sheet.formats)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in sheet.header])
    for row in sheet.rows:
        writer.writerow([_csv_value(v, i in fmt_columns) for i, v in enumerate(row)])
    return len(sheet.rows)


def _csv_value(value: Any, number: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and number:
        return f"{value:f}"
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


def write_csv_file(snapshot: Snapshot, path: Path, locale: str = "zh_CN", round_key: str | None = None) -> int:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:  # BOM: Excel on Chinese Windows
        return write_csv(snapshot, stream, locale, round_key)

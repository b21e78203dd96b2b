"""Printable score sheets (评分表) as one PDF: per judge (every entrant the judge marked in the round, each
criterion's mark and the judge's total), per entrant (every judge's marks per criterion with the values the core
dropped in brackets, the panel's result, the item and round totals and the rank), or blank sheets to fill in by
hand before scoring. Each sheet ends with signature lines for the judge (评委签字) and the chief judge (裁判长签字)
and the date; a locked round's sheet carries its digest and the version (数据摘要 … · 版本 N), an open round's says
未锁定，仅供核对. The CJK font is embedded and subset (contest/exports/fonts.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from contest.exports.fonts import cjk_font
from contest.scoring.numbers import plain
from contest.scoring.trimmed import PANEL, dropped
from contest.services.sheets import BlankSheet, EntrantSheetData, JudgeSheet, RoundSheets

Gettext = Callable[[str], str]
Progress = Callable[[int, int], None]
FONT = "cjk"
MARGIN = 12.0
ROW_H = 6.5
PAGE_W = 210.0
WIDTH = PAGE_W - 2 * MARGIN
SIGN_SPACE = 34.0  # the signature block's height
BLANK_ROWS_MIN = 0


class _SheetPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)


def sheets_pdf(
    sheets: RoundSheets,
    by: str = "entrant",
    *,
    blank: bool = False,
    font: Path | None = None,
    gettext: Gettext | None = None,
    progress: Progress | None = None,
    printed: datetime | None = None,
) -> bytes:
    """The PDF of the round's sheets: `by` judge or entrant (the order of `sheets`), or `blank` sheets per judge;
    `gettext` translates the labels (Chinese when None); `progress(done, total)` after each sheet."""
    _ = gettext if gettext is not None else _chinese
    pdf = _SheetPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font(FONT, "", str(cjk_font("sans", font)))
    pdf.set_title(f"{sheets.title} · {sheets.round_label}")
    pdf.set_creator("contest")
    when = (printed or datetime.now()).strftime("%Y-%m-%d %H:%M")
    pdf.footer_text = (
        f"{sheets.title} · {sheets.round_label} · {_('Sheet version')} {sheets.version} · {_('Printed at')} {when}"
    )
    chosen: Sequence[object] = sheets.blanks if blank else sheets.judges if by == "judge" else sheets.entrants
    for done, one in enumerate(chosen, start=1):
        pdf.add_page()
        if isinstance(one, BlankSheet):
            _blank(pdf, sheets, one, _)
        elif isinstance(one, JudgeSheet):
            _judge(pdf, sheets, one, _)
        elif isinstance(one, EntrantSheetData):
            _entrant(pdf, sheets, one, _)
        if progress is not None:
            progress(done, len(chosen))
    if not chosen:
        pdf.add_page()
        _heading(pdf, sheets, _("Score sheet"), "", _)
        pdf.cell(WIDTH, 8, _("No marks in this round yet"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _chinese(text: str) -> str:
    from contest.language import gettext_for

    return gettext_for("zh_CN")(text)


def _heading(pdf: FPDF, sheets: RoundSheets, kind: str, who: str, _: Gettext) -> None:
    pdf.set_font(FONT, size=14)
    pdf.multi_cell(WIDTH, 7, sheets.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=12)
    pdf.cell(WIDTH, 7, f"{sheets.round_label} · {kind}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    if who:
        pdf.multi_cell(WIDTH, 6, who, new_x="LMARGIN", new_y="NEXT")
    state = _("Locked") if sheets.locked else _("Not locked, for checking only")
    pdf.cell(WIDTH, 6, f"{_('Sheet version')} {sheets.version} · {state}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _row(pdf: FPDF, widths: Sequence[float], cells: Sequence[str], *, header: bool = False) -> None:
    if pdf.will_page_break(ROW_H):
        pdf.add_page()
    pdf.set_fill_color(235, 235, 235)
    for width, text in zip(widths, cells, strict=True):
        pdf.cell(width, ROW_H, _fit(pdf, text, width), border=1, align="C", fill=header)
    pdf.ln(ROW_H)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    shown = text
    while len(shown) > 1 and pdf.get_string_width(shown) > width - 1.5:
        shown = shown[:-1]
    return shown if shown == text else shown[:-1] + "…"


def _widths(fixed: Sequence[float], count: int, last: float) -> list[float]:
    rest = WIDTH - sum(fixed) - last
    each = rest / count if count else 0
    return [*fixed, *([each] * count), last]


def _n(value: Decimal | None) -> str:
    return "—" if value is None else plain(value)


def _judge(pdf: FPDF, sheets: RoundSheets, sheet: JudgeSheet, _: Gettext) -> None:
    who = f"{_('Panel judge')}: {sheet.code}" + (f"  {sheet.name}" if sheet.name else "")
    _heading(pdf, sheets, _("Judge's score sheet"), who, _)
    pdf.set_font(FONT, size=9)
    criteria = sheets.criteria
    several = sheets.definition.round(sheets.round).items > 1
    fixed = [22.0, 34.0, 12.0] if several else [22.0, 46.0]
    widths = _widths(fixed, len(criteria), 22.0)
    head = (
        [_("Entrant code"), _("Name")]
        + ([_("Item no.")] if several else [])
        + [c.label for c in criteria]
        + [_("Judge's total")]
    )
    _row(pdf, widths, head, header=True)
    for line in sheet.lines:
        cells = [line.entrant, line.name] + ([str(line.item)] if several else [])
        cells += [_n(line.marks.get(c.key)) for c in criteria]
        _row(pdf, widths, [*cells, _n(line.total)])
    pdf.ln(2)
    count = len({line.entrant for line in sheet.lines})
    pdf.cell(WIDTH, 6, _("Entrants marked: {count}").format(count=count), new_x="LMARGIN", new_y="NEXT")
    _signatures(pdf, sheet.digest, sheets, _)


def _entrant(pdf: FPDF, sheets: RoundSheets, data: EntrantSheetData, _: Gettext) -> None:
    parts = [f"{_('Entrant')}: {data.code}", data.name, data.organization]
    if data.group:
        parts.append(f"{_('Group')}: {data.group}")
    _heading(pdf, sheets, _("Entrant's score sheet"), "  ".join(p for p in parts if p), _)
    core = data.sheet
    panel = list(sheets.panel)
    for p in core.panels:  # anyone else who marked and counted (a panel named by whoever marked)
        panel += [j for j, _v in p.marks if j not in panel]
    labels = {c.key: c.label for c in (*sheets.criteria, *sheets.entered)}
    labels[PANEL] = _("Judges' totals")
    several = sheets.definition.round(sheets.round).items > 1
    fixed = [12.0, 36.0] if several else [48.0]
    widths = _widths(fixed, len(panel), 26.0)
    head = ([_("Item no.")] if several else []) + [_("Scoring criterion")] + panel + [_("Panel result")]
    pdf.set_font(FONT, size=9)
    _row(pdf, widths, head, header=True)
    items = sorted(core.items)
    for item in items:
        lead = [str(item)] if several else []
        for detail in (p for p in core.panels if p.item == item):
            out = dropped(detail)
            values = dict(detail.marks)
            cells = [
                "—" if j not in values else (f"[{plain(values[j])}]" if j in out else plain(values[j])) for j in panel
            ]
            _row(pdf, widths, [*lead, labels.get(detail.part, detail.part), *cells, _n(detail.value)])
        for (at, key), value in sorted(data.entered.items()):
            if at == item:
                _row(pdf, widths, [*lead, labels.get(key, key), *([""] * len(panel)), plain(value)])
        if several or sheets.entered:
            _row(pdf, widths, [*lead, _("Item score"), *([""] * len(panel)), _n(core.items[item])])
    pdf.ln(1)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(WIDTH, 4.5, _("Values in brackets [ ] were dropped (highest and lowest)."), new_x="LMARGIN",
                   new_y="NEXT")  # fmt: skip
    pdf.ln(1)
    pdf.set_font(FONT, size=10)
    row = core.row
    rounds = [
        f"{sheets.definition.round(k).label} {_n(v)}" for k, v in row.rounds.items() if sheets.definition.has_round(k)
    ]
    pdf.multi_cell(WIDTH, 6, "  ".join(rounds), new_x="LMARGIN", new_y="NEXT")
    rank = "—" if row.rank is None else str(row.rank)
    outcome = f"{_('Total')} {_n(row.total)}  {_('Rank')} {rank}"
    if row.award:
        outcome += f"  {_('Award')} {row.award}"
    pdf.cell(WIDTH, 6, outcome, new_x="LMARGIN", new_y="NEXT")
    if row.issues:
        pdf.set_font(FONT, size=8)
        pdf.multi_cell(WIDTH, 4.5, _("Incomplete") + ": " + "; ".join(str(i) for i in row.issues), new_x="LMARGIN",
                       new_y="NEXT")  # fmt: skip
    _signatures(pdf, data.digest, sheets, _)


def _blank(pdf: FPDF, sheets: RoundSheets, sheet: BlankSheet, _: Gettext) -> None:
    who = f"{_('Panel judge')}: {sheet.code}" + (f"  {sheet.name}" if sheet.name else "")
    _heading(pdf, sheets, _("Blank score sheet"), who, _)
    pdf.set_font(FONT, size=8)
    ranges = "; ".join(
        f"{c.label} {plain(c.min)}–{plain(c.max)}" + (f" ({_('in steps of')} {plain(c.step)})" if c.step else "")
        for c in sheets.criteria
    )
    pdf.multi_cell(WIDTH, 4.5, f"{_('Criteria and ranges')}: {ranges}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=9)
    items = sheets.definition.round(sheets.round).items
    several = items > 1
    fixed = [22.0, 34.0, 12.0] if several else [22.0, 46.0]
    widths = _widths(fixed, len(sheets.criteria), 22.0)
    head = [_("Entrant code"), _("Name")] + ([_("Item no.")] if several else []) + [c.label for c in sheets.criteria]
    _row(pdf, widths, [*head, _("Judge's total")], header=True)
    for code, name in sheet.entrants:
        for item in range(1, items + 1):
            lead = [code, name] + ([str(item)] if several else [])
            _row(pdf, widths, [*lead, *([""] * len(sheets.criteria)), ""])
    _signatures(pdf, None, sheets, _, blank=True)


def _signatures(pdf: FPDF, digest: str | None, sheets: RoundSheets, _: Gettext, *, blank: bool = False) -> None:
    if pdf.will_page_break(SIGN_SPACE):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, size=10)
    third = WIDTH / 3
    pdf.cell(third, 8, f"{_('Signature of the judge')}: ________")
    pdf.cell(third, 8, f"{_('Signature of the chief judge')}: ________")
    pdf.cell(third, 8, f"{_('Date signed')}: ____年__月__日", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    if blank:
        return
    if digest is not None:
        foot = f"{_('Data digest')} {digest} · {_('Sheet version')} {sheets.version}"
    else:
        foot = f"{_('Not locked, for checking only')} · {_('Sheet version')} {sheets.version}"
    pdf.cell(WIDTH, 6, foot, new_x="LMARGIN", new_y="NEXT")

"""Judges' QR login cards as one PDF: eight cards per A4 page (2 x 4) with cut marks, each with the contest's title,
the judge's name, code and role (评委 / 裁判长), the QR code of their login link, the link as text and a line asking
them to keep the card safe.

The CJK font is embedded and subset (contest/exports/fonts.py: Noto Sans SC from pip, or the organizer's own); the
QR code is segno's SVG drawn as vectors, so it stays sharp on any printer. A card carries a live token: printing
cards re-issues every judge's login (contest/services/cards.py), and the old QR codes stop working.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode

from contest.exports.fonts import cjk_font

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
COLUMNS, ROWS = 2, 4
CARD_W, CARD_H = 90.0, 66.0
LEFT = (PAGE_W - COLUMNS * CARD_W) / 2
TOP = (PAGE_H - ROWS * CARD_H) / 2
PAD = 4.0
QR_SIZE = 36.0
MARK = 4.0  # length of a cut mark, mm
GAP = 1.5  # cut marks stop this far from the card's corner
FONT = "cjk"


@dataclass(frozen=True)
class Card:
    code: str
    name: str
    chief: bool
    link: str


def qr_svg(link: str) -> bytes:
    """The login link as a QR code (SVG, error correction M: a smudged card still scans)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=2, omitsize=True)
    return out.getvalue()


def cards_pdf(
    title: str,
    cards: Sequence[Card],
    *,
    font: Path | None = None,
    gettext: Callable[[str], str] | None = None,
) -> bytes:
    """The PDF: one card per judge, in the order given; `gettext` translates the card's labels (Chinese when None
    is given, as cards are printed for Chinese venues)."""
    _ = gettext if gettext is not None else _chinese
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font(FONT, "", str(cjk_font("sans", font)))
    pdf.set_title(title)
    pdf.set_creator("contest")
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
            _cut_marks(pdf, min(per_page, len(cards) - index))
        x = LEFT + (slot % COLUMNS) * CARD_W
        y = TOP + (slot // COLUMNS) * CARD_H
        _card(pdf, x, y, title, card, _)
    if not cards:
        pdf.add_page()
    return bytes(pdf.output())


def _chinese(text: str) -> str:
    from contest.language import gettext_for

    return gettext_for("zh_CN")(text)


def _lines(pdf: FPDF, width: float, height: float, text: str) -> list[str]:
    """How `multi_cell` would break the text, without drawing it."""
    found = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    assert isinstance(found, list)
    return [str(line) for line in found]


def _card(pdf: FPDF, x: float, y: float, title: str, card: Card, _: Callable[[str], str]) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    pdf.rect(x, y, CARD_W, CARD_H)  # a faint frame: where the card ends if the cut is off
    pdf.set_text_color(0, 0, 0)
    inner = CARD_W - 2 * PAD
    # the contest's title across the top, made smaller until it fits two lines
    size = 10.0
    pdf.set_font(FONT, size=size)
    while size > 6 and len(_lines(pdf, inner, 4.2, title)) > 2:
        size -= 0.5
        pdf.set_font(FONT, size=size)
    pdf.set_xy(x + PAD, y + PAD)
    lines = _lines(pdf, inner, size * 0.42, title)[:2]
    pdf.multi_cell(inner, size * 0.42, "\n".join(lines), align="C")
    top = y + PAD + 2 * size * 0.42 + 2
    pdf.image(io.BytesIO(qr_svg(card.link)), x=x + PAD - 1, y=top, w=QR_SIZE, h=QR_SIZE)
    right = x + PAD + QR_SIZE + 1
    width = x + CARD_W - PAD - right
    role = _("Chief judge") if card.chief else _("Judge")
    pdf.set_font(FONT, size=11)
    pdf.set_xy(right, top + 2)
    pdf.cell(width, 5, role)
    pdf.set_font(FONT, size=15)
    pdf.set_xy(right, top + 9)
    pdf.multi_cell(width, 6.5, _fit(pdf, card.name or card.code, width, 2), align="L")
    pdf.set_font(FONT, size=10)
    pdf.set_xy(right, top + 24)
    pdf.cell(width, 5, f"{_('Code')}: {card.code}")
    pdf.set_font(FONT, size=9)
    pdf.set_xy(right, top + 31)
    pdf.cell(width, 4, _("Keep this card safe"))
    # the link as text, for a device without a camera: small, broken anywhere
    pdf.set_font(FONT, size=6.5)
    pdf.set_xy(x + PAD, top + QR_SIZE + 1)
    pdf.multi_cell(inner, 2.8, card.link, align="L", wrapmode=WrapMode.CHAR)


def _fit(pdf: FPDF, text: str, width: float, lines: int) -> str:
    """The text, cut with an ellipsis if it would take more than `lines` lines."""
    shown = text
    while len(shown) > 1 and len(_lines(pdf, width, 6.5, shown)) > lines:
        shown = shown[:-1]
    return shown if shown == text else shown[:-1] + "…"


def _cut_marks(pdf: FPDF, count: int) -> None:
    """Short lines in the page's margins along every cut, and small crosses where inner cuts meet."""
    rows = (count + COLUMNS - 1) // COLUMNS
    bottom = TOP + rows * CARD_H
    right = LEFT + COLUMNS * CARD_W
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for column in range(COLUMNS + 1):
        cx = LEFT + column * CARD_W
        pdf.line(cx, TOP - GAP - MARK, cx, TOP - GAP)
        pdf.line(cx, bottom + GAP, cx, bottom + GAP + MARK)
    for row in range(rows + 1):
        cy = TOP + row * CARD_H
        pdf.line(LEFT - GAP - MARK, cy, LEFT - GAP, cy)
        pdf.line(right + GAP, cy, right + GAP + MARK, cy)
    for column in range(1, COLUMNS):
        for row in range(1, rows):
            cx, cy = LEFT + column * CARD_W, TOP + row * CARD_H
            pdf.line(cx - 1.5, cy, cx + 1.5, cy)
            pdf.line(cx, cy - 1.5, cx, cy + 1.5)

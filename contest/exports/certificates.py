"""荣誉证书: one A4 landscape page per certificate, with fpdf2 and an embedded, subset CJK font.

Each page: the title (荣誉证书, or 参赛证书 for taking part), the holder's name and organization, the contest and the
award, the issuing body and the date, the serial and a QR code that opens ``/verify/{serial}``. The font is the OFL
Noto Serif SC of ``pylopdf-fonts-zh-cn`` (contest/exports/fonts.py) unless the organizer gives their own; an optional
background image fills the page (stored once in the PDF, however many pages show it).

Memory: fpdf2 keeps every page of a document until it writes it; a page here costs ~2 KB of that (the QR code is
drawn as one path of rectangles, not an image), so 10,000 certificates stay in one document — see
bench/bench_certificates.py and bench/README.md for the measured peak.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO

import segno
from fpdf import FPDF

from contest.exports.fonts import FONT_SUFFIXES, FontNotFound, cjk_font
from contest.scoring.messages import Message
from contest.services.serials import Holder, Issue

Gettext = Callable[[str], str]
Progress = Callable[[int], None]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
FONT = "cert"


class CertificateError(Exception):
    """A bad option (font, background, output): the message names it."""

    def __init__(self, message: Message, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def verify_url(base: str, serial: str) -> str:
    return f"{base.rstrip('/')}/verify/{serial}"


def long_date(day: date, gettext: Gettext) -> str:
    """2026年12月5日 / 5 December 2026 (the catalog's pattern)."""
    pattern = gettext("{year}-{month}-{day}")
    return pattern.format(year=day.year, month=day.month, day=day.day, month_name=calendar.month_name[day.month])


def check_font(path: Path | None) -> Path:
    """The organizer's font file (a TrueType/OpenType font or collection), else the shipped Noto Serif SC."""
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise CertificateError(Message("font file not found: {path}", path=str(path)), "font")
        if path.suffix.lower() not in FONT_SUFFIXES:
            raise CertificateError(Message("expected a .ttf, .otf or .ttc font: {path}", path=str(path)), "font")
        if not _looks_like_a_font(path):
            raise CertificateError(Message("cannot use this font file: {path}", path=str(path)), "font")
    try:
        return cjk_font("serif", path)
    except FontNotFound as exc:  # the font package missing or broken: its message says what to install
        raise CertificateError(Message("{problem}", problem=str(exc)), "font") from None


def check_background(path: Path | None) -> Path | None:
    if path is None:
        return None
    path = Path(path).expanduser()
    if not path.is_file():
        raise CertificateError(Message("image not found: {path}", path=str(path)), "background")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise CertificateError(Message("expected a PNG or JPEG image: {path}", path=str(path)), "background")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise CertificateError(
            Message("not a readable PNG or JPEG image: {path}", path=str(path)), "background"
        ) from None
    return path


class CertificateWriter:
    """Certificates of one issue, page by page."""

    def __init__(
        self,
        issue: Issue,
        *,
        base_url: str,
        issuer: str,
        gettext: Gettext,
        font: Path | None = None,
        background: Path | None = None,
    ) -> None:
        self.issue = issue
        self.base_url = base_url
        self.issuer = issuer
        self.gettext = gettext
        self.font = check_font(font)
        self.background = check_background(background)
        self.pdf = FPDF(orientation="L", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(f"{issue.title} · {gettext('Certificates')}")
        self.pdf.set_creator("contest")
        try:
            self.pdf.add_font(FONT, "", str(self.font))
        except Exception:  # fontTools and fpdf2 raise many kinds for a file that is no font
            raise CertificateError(Message("cannot use this font file: {path}", path=str(self.font)), "font") from None

    def page(self, holder: Holder) -> None:
        pdf, _ = self.pdf, self.gettext
        pdf.add_page()
        if self.background is not None:
            pdf.image(str(self.background), x=0, y=0, w=pdf.w, h=pdf.h)
        else:
            pdf.set_draw_color(150, 30, 30)
            pdf.set_line_width(1.2)
            pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
            pdf.set_line_width(0.4)
            pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)
        pdf.set_text_color(150, 30, 30)
        pdf.set_font(FONT, size=40)
        pdf.set_xy(20, 28)
        heading = _("Certificate of Honour") if holder.award else _("Certificate of Participation")
        pdf.cell(pdf.w - 40, 20, heading, align="C")
        pdf.set_text_color(20, 20, 20)
        _fitted(pdf, holder.name or holder.code, pdf.w - 60, 26)
        pdf.set_xy(30, 62)
        pdf.cell(pdf.w - 60, 14, holder.name or holder.code, align="C")
        _fitted(pdf, holder.organization, pdf.w - 60, 14)
        pdf.set_xy(30, 77)
        pdf.cell(pdf.w - 60, 8, holder.organization, align="C")
        pdf.set_font(FONT, size=18)
        pdf.set_xy(40, 92)
        if holder.award:
            body = _("took part in {contest} and was awarded {award}.").format(
                contest=self.issue.title, award=holder.award
            )
        else:
            body = _("took part in {contest}.").format(contest=self.issue.title)
        pdf.multi_cell(pdf.w - 80, 11, body, align="C")
        pdf.set_xy(40, pdf.get_y() + 3)
        pdf.multi_cell(pdf.w - 80, 11, _("This certificate is awarded in recognition."), align="C")
        _fitted(pdf, self.issuer, 110, 15)
        pdf.set_xy(pdf.w - 140, 158)
        pdf.cell(110, 9, self.issuer, align="C")
        pdf.set_font(FONT, size=15)
        pdf.set_xy(pdf.w - 140, 168)
        pdf.cell(110, 9, long_date(self.issue.issued, self.gettext), align="C")
        url = verify_url(self.base_url, holder.serial)
        _qr(pdf, url, 28, 150, 30)
        pdf.set_font(FONT, size=8.5)
        pdf.set_xy(60, 162)
        pdf.cell(90, 5, _("Serial: {serial}").format(serial=holder.serial))
        pdf.set_xy(60, 167)
        pdf.cell(90, 5, _("Check it at {url}").format(url=verify_url(self.base_url, "")).rstrip("/"))

    def write(self, out: str | Path | BinaryIO, progress: Progress | None = None) -> int:
        """Every holder's page, then the PDF; returns the number of pages."""
        for done, holder in enumerate(self.issue.holders, 1):
            self.page(holder)
            if progress is not None:
                progress(done)
        if not self.issue.holders:
            raise CertificateError(Message("nobody to give a certificate to"), "holders")
        data = self.pdf.output()
        if isinstance(out, (str, Path)):
            Path(out).write_bytes(data)
        else:
            out.write(data)
        return len(self.issue.holders)


def _fitted(pdf: FPDF, text: str, width: float, size: float) -> None:
    """The font at `size`, or smaller so that `text` fits on one line of `width` (a long organization's name)."""
    pdf.set_font(FONT, size=size)
    wide = pdf.get_string_width(text)
    if wide > width:
        pdf.set_font(FONT, size=max(6.0, size * width / wide * 0.98))


def _looks_like_a_font(path: Path) -> bool:
    """TrueType, OpenType (CFF) or a collection, by its first four bytes (fpdf2 leaves garbage files open)."""
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError:
        return False
    return magic in (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf")


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """A QR code as one filled path of rectangles in module units (a run of dark modules a rectangle), scaled into
    place by one matrix, with a module of quiet zone. Drawn straight into the page's content: fpdf2's rect() per
    run, or its SVG import, costs 5-10x the time."""
    code = segno.make(text, error="m", mask=3)  # a fixed mask: segno's best-mask search is most of the cost
    matrix: Sequence[Sequence[int]] = code.matrix
    module = size / (len(matrix) + 2) * pdf.k  # points
    left, top = (x * pdf.k) + module, (pdf.h - y) * pdf.k - module
    ops: list[str] = []
    for r, row in enumerate(matrix):
        runs = "".join("1" if dark else "0" for dark in row)
        for run in re.finditer("1+", runs):
            ops.append(f"{run.start()} {r} {run.end() - run.start()} 1 re")
    # y grows downwards in module units: the matrix flips it
    pdf._out(f"q 0 g {module:.4f} 0 0 {-module:.4f} {left:.2f} {top:.2f} cm " + " ".join(ops) + " f Q")


def write_certificates(
    issue: Issue,
    out: str | Path | BinaryIO,
    *,
    base_url: str,
    issuer: str,
    gettext: Gettext,
    font: Path | None = None,
    background: Path | None = None,
    progress: Progress | None = None,
) -> int:
    writer = CertificateWriter(
        issue, base_url=base_url, issuer=issuer, gettext=gettext, font=font, background=background
    )
    return writer.write(out, progress)

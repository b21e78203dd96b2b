"""The 公示 as a PDF (A4 portrait, fpdf2, the CJK font embedded and subset): heading, the contest, the publication
date and objection period, the issuing body, and the winners' table (rank, name, organization, award, total),
naming the standings version it shows. The page (templates/announcement.html) shows the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from contest.exports.certificates import long_date
from contest.exports.fonts import cjk_font
from contest.services.announcements import Published

Gettext = Callable[[str], str]
FONT = "cjk"


def announcement_pdf(found: Published, gettext: Gettext, font: Path | None = None) -> bytes:
    _ = gettext
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{found.title} · {_('Award list')}")
    pdf.set_creator("contest")
    pdf.add_font(FONT, "", str(cjk_font("sans", font)))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, size=20)
    pdf.multi_cell(
        0,
        11,
        _("Award list of {contest} (public notice)").format(contest=found.title),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font(FONT, size=11)
    notice = _(
        "The results below are published for public scrutiny from {start} to {end} ({days} working days). "
        "Objections may be raised with the issuing body during this period."
    ).format(
        start=long_date(found.published_on, gettext),
        end=long_date(found.objection_ends, gettext),
        days=found.objection_days,
    )
    pdf.multi_cell(0, 7, notice, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    headings = (_("Rank"), _("Name"), _("Organization"), _("Award"), _("Total"))
    widths = (14, 34, 82, 30, 20)
    with pdf.table(
        col_widths=widths,
        text_align=("CENTER", "LEFT", "LEFT", "CENTER", "RIGHT"),
        headings_style=FontFace(fill_color=(235, 235, 235)),
        line_height=7,
    ) as table:
        table.row(headings)
        for row in found.rows:
            cells = [str(row.get("rank") or ""), row.get("name") or row.get("entrant") or "", row.get("organization")]
            table.row([*(c or "" for c in cells), row.get("award") or "", row.get("total") or ""])
    pdf.ln(6)
    if not found.rows:
        pdf.multi_cell(0, 7, _("No award was given."), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, found.issuer or _("Organizing Committee"), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, long_date(found.published_on, gettext), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(
        0, 5, _("Standings version {version}").format(version=found.version), align="R", new_x="LMARGIN", new_y="NEXT"
    )
    return bytes(pdf.output())

"""The sealed mapping of a draw (抽签加密对照表) as a PDF to seal in an envelope: A4 portrait, fpdf2, the CJK font
embedded and subset (contest/exports/fonts.py). The heading and a confidentiality line, the draws (layer, when, who),
then one row per entrant in the order of the code judges see: that code, the seat number (two layers), the
entrant's own code, name, organization and group; signature lines for the encryption referee (加密裁判) and the
supervisor, and the time of printing. The mapping comes from `services.draws.mapping(action="print")`, which logs
the printing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from contest.exports.fonts import cjk_font

Gettext = Callable[[str], str]
FONT = "cjk"


def sealed_pdf(mapping: dict[str, Any], gettext: Gettext, *, font: Path | None = None) -> bytes:
    _ = gettext
    two = 2 in mapping["layers"]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{mapping['title']} · {_('Sealed code mapping')}")
    pdf.set_creator("contest")
    pdf.add_font(FONT, "", str(cjk_font("sans", font)))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, size=18)
    pdf.multi_cell(0, 10, _("Sealed code mapping"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=12)
    pdf.multi_cell(0, 7, mapping["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0,
        6,
        _(
            "Confidential: seal this sheet in an envelope; "
            "it is opened only at the decryption, after every round is locked."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for drawn in mapping["draws"]:
        line = _("Layer {layer} drawn at {at} by {by}").format(layer=drawn["layer"], at=drawn["at"], by=drawn["by"])
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    if not mapping["draws"]:
        pdf.multi_cell(0, 6, _("No draw: the entrants keep their own codes."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headings = [_("Code"), *([_("Seat")] if two else []), _("Own code"), _("Name"), _("Organization"), _("Group")]
    widths = [22, *([18] if two else []), 26, 34, 64 if two else 82, 26]
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(fill_color=(235, 235, 235)),
        line_height=7,
    ) as table:
        table.row(headings)
        for row in mapping["rows"]:
            cells = [row["code"], *([row["seat"]] if two else []), row["own"], row["name"], row["organization"]]
            table.row([*cells, row["group"]])
    pdf.ln(8)
    pdf.set_font(FONT, size=11)
    for label in (_("Encryption referee (signature)"), _("Supervisor (signature)"), _("Sealed at (date and time)")):
        pdf.multi_cell(0, 10, f"{label}: ______________________", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    printed = _("Printed at {at} by {by}").format(at=mapping["logged"]["at"], by=mapping["logged"]["by"])
    pdf.multi_cell(0, 5, printed, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

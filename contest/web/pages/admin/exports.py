"""The console's downloads page: the results workbook and CSV here, and a list other exports add themselves to.

GET /admin/contests/{slug}/exports                   the page: every registered download of the contest
GET /admin/contests/{slug}/exports/results.xlsx      ?lang=zh_CN|en  the results workbook (tea-2026-v123.xlsx)
GET /admin/contests/{slug}/exports/results.csv       ?round=KEY &lang=  one standing, UTF-8 with BOM

Each download reads one consistent version of the contest (services.snapshot) and names it in its file name (and
the workbook in its info sheet). Other exports (certificates, score sheets, the 公示 list) appear on the page by
calling `register(Download(...))` when their module is imported.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.exports import workbook
from contest.scoring.messages import Message
from contest.services import snapshot
from contest.services.errors import Invalid
from contest.services.principals import Principal
from contest.web.http import reader_of
from contest.web.pages import pages_of
from contest.web.pages.admin import console_page, render, section

section("exports", "Exports", "/admin/contests/{slug}/exports", 60)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """One entry of the downloads page: a title, a line saying what it holds, and its link (``{slug}`` is filled
    in); `round_choice`: the link takes ?round= (the page offers the rounds)."""

    key: str
    title: Message
    hint: Message
    href: str
    round_choice: bool = False
    order: int = 100


DOWNLOADS: dict[str, Download] = {}


def register(download: Download) -> None:
    """Add (or replace, by key) an entry of the downloads page."""
    DOWNLOADS[download.key] = download


register(
    Download(
        "results.xlsx",
        Message("Results workbook (xlsx)"),
        Message(
            "Every round's and group's standing, every judge's marks, judge consistency and the audit history, "
            "as of one version of the standings."
        ),
        "/admin/contests/{slug}/exports/results.xlsx",
        order=10,
    )
)
register(
    Download(
        "results.csv",
        Message("Standing (csv)"),
        Message("One standing (the final one, or the round chosen) as CSV for Excel (UTF-8 with BOM)."),
        "/admin/contests/{slug}/exports/results.csv",
        round_choice=True,
        order=20,
    )
)
register(
    Download(
        "consistency",
        Message("Judge consistency"),
        Message("Each judge's deviation from the panel, flags, trims and rank correlation: table and charts."),
        "/admin/contests/{slug}/consistency",
        order=30,
    )
)


def _attachment(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}


@console_page
async def exports_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    found = await run_in_threadpool(snapshot.read, reader_of(request), slug)
    rounds = [{"key": r.key, "label": r.label or r.key} for r in found.definition.rounds]
    downloads: list[dict[str, Any]] = [
        {
            "key": d.key,
            "title": d.title,
            "hint": d.hint,
            "href": d.href.format(slug=found.slug),
            "rounds": d.round_choice,
        }
        for d in sorted(DOWNLOADS.values(), key=lambda d: (d.order, d.key))
    ]
    context = {
        "title": found.title,
        "active": "exports",
        "version": found.version,
        "rounds": rounds,
        "last_round": rounds[-1]["key"],
        "downloads": downloads,
        "xlsx_name": found.file_name("xlsx"),
    }
    return render(request, "admin/exports.html", context, slug=found.slug)


@console_page
async def results_xlsx(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    locale = pages_of(request).locale_of(request)

    def made() -> tuple[str, bytes]:
        found = snapshot.read(reader_of(request), slug)
        buffer = io.BytesIO()
        workbook.write_workbook(found, buffer, locale)
        return found.file_name("xlsx"), buffer.getvalue()

    name, body = await run_in_threadpool(made)
    return Response(body, media_type=XLSX, headers=_attachment(name))


@console_page
async def results_csv(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    locale = pages_of(request).locale_of(request)
    asked = request.query_params.get("round", "").strip() or None

    def made() -> tuple[str, str]:
        found = snapshot.read(reader_of(request), slug)
        if asked is not None and not found.definition.has_round(asked):
            rounds = ", ".join(r.key for r in found.definition.rounds)
            raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=asked, rounds=rounds), "round")
        text = io.StringIO()
        workbook.write_csv(found, text, locale, asked)
        return found.file_name("csv", asked), "\ufeff" + text.getvalue()  # BOM: Excel on Chinese Windows

    name, body = await run_in_threadpool(made)
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=_attachment(name))


routes = [
    Route("/admin/contests/{slug}/exports", exports_page, methods=["GET"]),
    Route("/admin/contests/{slug}/exports/results.xlsx", results_xlsx, methods=["GET"]),
    Route("/admin/contests/{slug}/exports/results.csv", results_csv, methods=["GET"]),
]

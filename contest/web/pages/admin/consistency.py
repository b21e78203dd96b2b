"""The console's judge consistency page (评委一致性): per round, each judge's mean deviation from the panel median,
the share of marks the spread rule flags, how often their value was trimmed, and the rank correlation with the
panel, as a table and as charts drawn on the server (SVG, contest/exports/svg_chart.py).

GET /admin/contests/{slug}/consistency        ?spread=N overrides the contest's [review] spread for the flags

The figures come from services.consistency over one consistent version of the contest, which the page names.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.exports.svg_chart import bar_chart
from contest.scoring.messages import translated
from contest.services import consistency, reviewing
from contest.services.errors import Invalid
from contest.services.principals import Principal
from contest.services.snapshot import Snapshot
from contest.web.http import reader_of
from contest.web.pages import pages_of
from contest.web.pages.admin import console_page, render, section

section("consistency", "Judge consistency", "/admin/contests/{slug}/consistency", 65)


def _number(value: Any, pattern: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return pattern.format(value)


def rounds_view(snapshot: Snapshot, records: list[dict[str, Any]], gettext: Any) -> list[dict[str, Any]]:
    """Each round with marks: its rows as text and its three charts (SVG, every text in it escaped)."""

    def _(text: str) -> str:
        return str(gettext(text)) if gettext is not None else text

    out = []
    for rnd in snapshot.definition.rounds:
        rows = [r for r in records if r["round"] == rnd.key]
        if not rows:
            continue
        label = str(translated(rnd.label, gettext))
        names = [
            f"{r['judge']} {snapshot.judge_names[r['judge']]}" if snapshot.judge_names.get(r["judge"]) else r["judge"]
            for r in rows
        ]
        charts = [
            bar_chart(
                _("Mean deviation from the panel median"),
                [(n, r["mean_deviation"]) for n, r in zip(names, rows, strict=True)],
            ),
            bar_chart(
                _("Trimmed share"),
                [(n, r["trimmed_share"]) for n, r in zip(names, rows, strict=True)],
                low=0.0,
                high=1.0,
                shown=lambda v: f"{v:.0%}",
            ),
            bar_chart(
                _("Spearman correlation with the panel"),
                [(n, r["spearman"]) for n, r in zip(names, rows, strict=True)],
                low=-1.0,
                high=1.0,
            ),
        ]
        out.append(
            {
                "key": rnd.key,
                "label": label or rnd.key,
                "rows": [
                    {
                        "judge": name,
                        "marks": r["marks"],
                        "mean_deviation": _number(r["mean_deviation"], "{:+.2f}"),
                        "mean_abs_deviation": _number(r["mean_abs_deviation"], "{:.2f}"),
                        "flagged": r["flagged"],
                        "flagged_share": _number(r["flagged_share"], "{:.0%}"),
                        "trimmed_high": r["trimmed_high"],
                        "trimmed_low": r["trimmed_low"],
                        "panels": r["panels"],
                        "trimmed_share": _number(r["trimmed_share"], "{:.0%}"),
                        "spearman": _number(r["spearman"], "{:+.2f}"),
                        "entrants": r["entrants"],
                    }
                    for name, r in zip(names, rows, strict=True)
                ],
                "charts": [Markup(svg) for svg in charts],  # built by svg_chart with every text escaped
            }
        )
    return out


@console_page
async def consistency_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    pages = pages_of(request)
    gettext = pages.gettext(pages.locale_of(request))
    raw = request.query_params.get("spread", "")
    error: str | None = None
    try:
        spread: Decimal | None = reviewing.parse_spread(raw)
    except Invalid as exc:
        spread, error = None, exc.message
    found, table = await run_in_threadpool(consistency.for_contest, reader_of(request), slug, spread)
    rule = spread if spread is not None else found.definition.review.spread
    context = {
        "title": found.title,
        "active": "consistency",
        "version": found.version,
        "spread": f"{rule:f}",
        "spread_input": raw if error else (raw or ""),
        "error": error,
        "rounds": rounds_view(found, consistency.as_records(table), gettext),
    }
    return render(request, "admin/consistency.html", context, slug=found.slug, status_code=422 if error else 200)


routes = [Route("/admin/contests/{slug}/consistency", consistency_page, methods=["GET"])]

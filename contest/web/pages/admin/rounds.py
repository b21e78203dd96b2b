"""The rounds of a contest: open, lock, unlock, publish, hide, freeze and the ceremony, through services/rounds.py
(the same service as the API and /control, so every change is a round event: who, when, why).

GET  /admin/contests/{slug}/rounds               every round's state, progress and events; a form per action
POST /admin/contests/{slug}/rounds/{key}         action + reason (+ the form token)

"Publish" means: the round is locked and its board is live for the public (screens, phones, the standings API);
the page shows when it was published (the time of that change). Freeze shows the public the board as it is now
while marks go on; "reveal" starts the ceremony. While a round is in reveal, the page shows how far it has gone
(the public standings' own `reveal` progress, services/standings.py) and steps it: action "step" with step = next,
back or all (every place uncovered); "Board live" ends it. /control steps the same reveal from the venue.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from contest.services import console, rounds
from contest.services.errors import Conflict, Invalid, Message, ServiceError
from contest.services.principals import Principal
from contest.services.standings import View, standings
from contest.web.http import hub_of, reader_of
from contest.web.pages import boards_of, db_of
from contest.web.pages.admin import console_page, field, message_text, posted, render

# action -> (status, board) given to services.rounds.set_round
ACTIONS: dict[str, tuple[str | None, str | None]] = {
    "open": ("open", None),
    "lock": ("locked", None),
    "unlock": ("open", None),
    "publish": ("locked", "live"),
    "hide": (None, "hidden"),
    "live": (None, "live"),
    "freeze": (None, "frozen"),
    "reveal": (None, "reveal"),
}
MAX_REASON = 1000
STEPS = ("next", "back", "all")  # the reveal's steps from the console


def reveal_progress(request: Request, slug: str, key: str) -> dict[str, Any] | None:
    """How far the round's ceremony has gone, as the public standings count it ({"by", "step", "steps", "hidden",
    ...}); None when its board is not in reveal."""
    found: dict[str, Any] | None = standings(boards_of(request), View(slug, round=key)).get("reveal")
    return found


def _step_target(request: Request, slug: str, key: str, step: str) -> tuple[int, int]:
    """The reveal's step now and the one `step` (next, back, all) leads to, within 0..steps."""
    if step not in STEPS:
        raise Invalid(Message("expected one of {choices}", choices=", ".join(STEPS)), "step")
    try:
        progress = reveal_progress(request, slug, key)
    except ServiceError:  # a hidden board etc.: not in a reveal
        progress = None
    if progress is None:
        raise Conflict(Message("start the reveal first (board: reveal)"), "reveal")
    now, steps = int(progress["step"]), int(progress["steps"])
    return now, steps if step == "all" else max(0, min(steps, now + (1 if step == "next" else -1)))


def _page_data(request: Request, organizer: Principal, slug: str) -> dict[str, Any]:
    found = console.rounds_of(reader_of(request), boards_of(request), organizer, slug)
    for rnd in found["rounds"]:
        rnd["reveal"] = reveal_progress(request, slug, rnd["key"]) if rnd["board"] == "reveal" else None
    return found


def _page(request: Request, organizer: Principal, slug: str, data: dict[str, Any], **context: Any) -> Response:
    status = context.pop("status", 200)
    base = {"error": "", "error_round": "", "done": request.query_params.get("done", "")}
    return render(
        request, "admin/rounds.html", {**data, **base, **context, "active": "rounds"}, slug=slug, status_code=status
    )


@console_page
async def rounds_page(request: Request, organizer: Principal) -> Response:
    slug = request.path_params["slug"]
    data = await run_in_threadpool(_page_data, request, organizer, slug)
    return _page(request, organizer, slug, data)


@console_page
async def change(request: Request, organizer: Principal) -> Response:
    slug, key = request.path_params["slug"], request.path_params["key"]
    form = await posted(request)
    action, reason = field(form, "action"), field(form, "reason").strip()
    try:
        if len(reason) > MAX_REASON:
            raise Invalid(Message("at most {most} characters", most=MAX_REASON), "reason")
        if action == "step":  # the ceremony, one place (or award tier) at a time
            now, target = await run_in_threadpool(_step_target, request, slug, key, field(form, "step"))
            if target != now:  # at either end, a step changes nothing (as on /control)
                view = await run_in_threadpool(
                    lambda: rounds.set_round(db_of(request), organizer, slug, key, reveal=target, reason=reason)
                )
                hub_of(request).changed(slug, view.version)
            return RedirectResponse(f"/admin/contests/{slug}/rounds?done=step#round-{key}", status_code=303)
        if action not in ACTIONS:
            raise Invalid(Message("expected one of {choices}", choices=", ".join([*ACTIONS, "step"])), "action")
        if action in ("lock", "unlock") and not reason:
            raise Invalid(Message("locking or unlocking a round needs a reason"), "reason")
        status, board = ACTIONS[action]
        view = await run_in_threadpool(
            lambda: rounds.set_round(db_of(request), organizer, slug, key, status=status, board=board, reason=reason)
        )
        hub_of(request).changed(slug, view.version)  # screens and phones see it at once
    except ServiceError as exc:
        data = await run_in_threadpool(_page_data, request, organizer, slug)
        error = message_text(request, exc)
        return _page(request, organizer, slug, data, error=error, error_round=key, status=exc.status)
    return RedirectResponse(f"/admin/contests/{slug}/rounds?done={action}#round-{key}", status_code=303)


routes = [
    Route("/admin/contests/{slug}/rounds", rounds_page, methods=["GET"]),
    Route("/admin/contests/{slug}/rounds/{key}", change, methods=["POST"]),
]

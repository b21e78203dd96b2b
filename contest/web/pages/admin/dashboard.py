"""GET /admin: the event dashboard, every contest with its rounds, their states, progress and links."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contest.services import console
from contest.services.principals import Principal
from contest.web.http import reader_of
from contest.web.pages import boards_of
from contest.web.pages.admin import console_page, render


@console_page
async def dashboard(request: Request, organizer: Principal) -> Response:
    contests = await run_in_threadpool(console.dashboard, reader_of(request), boards_of(request), organizer)
    return render(request, "admin/dashboard.html", {"contests": contests, "active": "overview"})


routes = [Route("/admin", dashboard, methods=["GET"])]

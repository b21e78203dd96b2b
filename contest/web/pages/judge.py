"""The judge's tablet: the scoring page and the JSON queue behind it (the QR login link, /j/{token}, and signing
out are in contest/web/pages/signin.py).

GET /judge              the page: rounds, the queue of entrants, the scoring form (static/judge.js)
GET /judge/api/queue    ?round=KEY[&contest=SLUG]: the queue as JSON (blind contests: entrant codes only)
GET /judge/api/session  the session's form token again, for a page whose token went stale
GET /judge-sw.js        the page's service worker (static/sw.js with this build's version and assets; scope /judge)
GET /judge/manifest.webmanifest   the web app manifest (installable; name in the visitor's language)
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contest.services import judging
from contest.web.auth import principal_of
from contest.web.pages import boards_of, csrf_of, db_of, page, pages_of, resource_dir, session_principal

PAGE = "/judge"
WORKER = "/judge-sw.js"
MANIFEST = "/judge/manifest.webmanifest"
# what the service worker keeps for an offline reload, besides the page itself
OFFLINE_ASSETS = (
    "app.css",
    "common.js",
    "controls.js",
    "outbox.js",
    "outbox-store.js",
    "judge.js",
    "judge-app.js",
    "judge-refusals.js",
    "icon.svg",
    "icon-192.png",
    "icon-512.png",
)
ICONS = (
    ("icon.svg", "image/svg+xml", "any"),
    ("icon-192.png", "image/png", "192x192"),
    ("icon-512.png", "image/png", "512x512"),
)


@page()
async def judge_page(request: Request) -> Response:
    principal = await session_principal(request)
    home = await run_in_threadpool(judging.judge_home, db_of(request), principal)
    data = {
        **home,
        "round": judging.default_round(home),
        "csrf": csrf_of(request),
        "urls": {
            "queue": "/judge/api/queue",
            "session": "/judge/api/session",
            "marks": f"/api/contests/{home['contest']['slug']}/marks",
            "chief": "/chief" if principal.chief else None,
            "page": PAGE,
            "worker": WORKER,
        },
    }
    return pages_of(request).render(request, "judge.html", {"home": home, "data": data})


async def queue(request: Request) -> Response:
    """JSON: the judge's queue for ?round=KEY (default: the first round)."""
    principal = await principal_of(request)
    params = request.query_params
    payload = await run_in_threadpool(
        judging.judge_queue,
        db_of(request),
        boards_of(request),
        principal,
        params.get("round") or None,
        params.get("contest") or None,
    )
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


async def session_info(request: Request) -> Response:
    """JSON: who this device is signed in as and the session's form token (X-CSRF-Token)."""
    principal = await session_principal(request)
    return JSONResponse(
        {"judge": principal.judge, "chief": principal.chief, "csrf": csrf_of(request)},
        headers={"Cache-Control": "no-store"},
    )


def _asset(request: Request) -> object:
    """The pages' asset() (a static file's URL with its content version)."""
    pages = pages_of(request)
    return pages.envs[pages.default].globals["asset"]


@lru_cache(maxsize=4)
def _worker_source(static_dir: Path, assets: tuple[str, ...], label: str) -> str:
    """static/sw.js with its version (a hash of itself, of every asset it keeps and of `label`, the optional deploy
    label CONTEST_ASSET_VERSION that forces a new worker without a changed file) and its list of assets."""
    source = (static_dir / "sw.js").read_text(encoding="utf-8")
    version = hashlib.sha256("\n".join((source, *assets, label)).encode()).hexdigest()[:12]
    return source.replace("__VERSION__", version).replace("__ASSETS__", json.dumps([*assets, MANIFEST]))


async def worker(request: Request) -> Response:
    """The judge page's service worker: no-cache, so a new deploy's worker is found on the next visit."""
    asset = _asset(request)
    assets = tuple(str(asset(name)) for name in OFFLINE_ASSETS)  # type: ignore[operator]
    source = _worker_source(resource_dir("static"), assets, request.app.state.settings.asset_version)
    return Response(
        source,
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


async def manifest(request: Request) -> Response:
    """The web app manifest: the judge page installs as an app that opens full screen on /judge."""
    pages = pages_of(request)
    _ = pages.gettext(pages.locale_of(request))
    asset = _asset(request)
    body = {
        "name": _("Judge scoring"),
        "short_name": _("Judge"),
        "lang": "zh-CN" if pages.locale_of(request) == "zh_CN" else "en",
        "start_url": PAGE,
        "scope": PAGE,
        "display": "standalone",
        "background_color": "#f3f5f8",
        "theme_color": "#1557c0",
        "icons": [
            {"src": asset(name), "type": kind, "sizes": sizes, "purpose": "any"}  # type: ignore[operator]
            for name, kind, sizes in ICONS
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


routes = [
    Route("/judge", judge_page, methods=["GET"]),
    Route("/judge/api/queue", queue, methods=["GET"]),
    Route("/judge/api/session", session_info, methods=["GET"]),
    Route(WORKER, worker, methods=["GET"]),
    Route(MANIFEST, manifest, methods=["GET"]),
]

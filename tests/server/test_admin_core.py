"""The organizer console's core (/admin): signing in with an organizer token (login CSRF: a link never signs in by
itself), the dashboard, creating a contest from a template / upload / text with problems under their lines, changing
the rules after marks (a reason, a record, the standings recomputed and `contest verify` agreeing), the rounds'
actions and the audit. Every form answers garbage with a clear error and stores nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contest.services.verify import verify_contest
from tests.server.conftest import Venue, contest_toml, new_slug

pytestmark = pytest.mark.asyncio
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str) -> str:
    """Sign the client in through the login page; the console's form token."""
    page = await client.get(f"/admin/login?token={token}")
    assert page.status_code == 200
    response = await client.post("/admin/login", data={"token": token, "csrf": csrf_of(page.text), "next": "/admin"})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin"
    dashboard = await client.get("/admin")
    assert dashboard.status_code == 200
    return csrf_of(dashboard.text)


async def contests(venue: Venue) -> set[str]:
    response = await venue.client.get("/admin")
    return set(re.findall(r'id="contest-([^"]+)"', response.text))


async def test_the_login_link_asks_before_signing_in(venue: Venue) -> None:
    client = venue.client
    assert (await client.get("/admin")).status_code == 303  # to the sign-in page
    page = await client.get(f"/admin/login?token={venue.organizer}")
    assert venue.organizer in page.text and 'method="post"' in page.text
    assert (await client.get("/admin")).headers["location"].startswith("/admin/login")  # still signed out
    # a forged POST (no form token) does not sign in; neither do a judge's token nor garbage
    forged = await client.post("/admin/login", data={"token": venue.organizer})
    assert forged.status_code == 403
    csrf = csrf_of(page.text)
    for bad in (venue.judges["J1"], "garbage", "x" * 5000, ""):
        refused = await client.post("/admin/login", data={"token": bad, "csrf": csrf})
        assert refused.status_code in (401, 422)
        assert (await client.get("/admin")).status_code == 303
    await sign_in(client, venue.organizer)
    # the cookie holds the session id and the form token only, never the organizer token
    assert venue.organizer not in str(client.cookies.get("session"))


async def test_dashboard_lists_contests_rounds_progress_and_links(venue: Venue) -> None:
    await sign_in(venue.client, venue.organizer)
    assert (await venue.mark(venue.judges["J1"], {"execution": "8"})).status_code == 201
    html = (await venue.client.get("/admin")).text
    assert venue.slug in await contests(venue) and venue.other_slug in await contests(venue)
    # prelim: 4 entrants x 3 items x 1 criterion x 3 judges = 36 marks expected, 1 in
    section = html.split(f'id="contest-{venue.slug}"')[1].split("</section>")[0]
    assert "1 / 36" in section
    for link in (f"/screen/{venue.slug}", f"/control/{venue.slug}", f"/live/{venue.slug}"):
        assert link in section
    assert "概览" in html  # Chinese first


async def test_create_from_a_template_upload_and_text(app: Starlette, venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    page = await venue.client.get("/admin/new")
    assert "手工制茶" in page.text  # the templates are listed with their titles
    slug = new_slug("tea")
    created = await venue.client.post(
        "/admin/new", data={"csrf": csrf, "source": "template", "template": "tea", "slug": slug, "title": "新赛"}
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"/admin/contests/{slug}/settings?created=1"
    assert slug in await contests(venue)
    second = new_slug("up")
    uploaded = await venue.client.post(
        "/admin/new",
        data={"csrf": csrf, "source": "file"},
        files={"file": ("c.toml", contest_toml(second).encode("utf-8"), "application/toml")},
    )
    assert uploaded.status_code == 303, uploaded.text
    third = new_slug("text")
    pasted = await venue.client.post("/admin/new", data={"csrf": csrf, "source": "text", "text": contest_toml(third)})
    assert pasted.status_code == 303
    assert {slug, second, third} <= await contests(venue)


@pytest.mark.parametrize(
    ("data", "files", "shows"),
    [
        ({"source": "nonsense"}, None, "选择"),
        ({"source": "template", "template": "../etc"}, None, "模板"),
        ({"source": "text", "text": "   "}, None, "粘贴"),
        ({"source": "file"}, {"file": ("c.toml", b"\xff\xfe\x00bad", "text/plain")}, "UTF-8"),
        ({"source": "file"}, None, ".toml"),
    ],
)
async def test_garbage_forms_say_why_and_create_nothing(
    venue: Venue, data: dict[str, str], files: dict[str, Any] | None, shows: str
) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    before = await contests(venue)
    response = await venue.client.post("/admin/new", data={"csrf": csrf, **data}, files=files)
    assert response.status_code == 422
    assert shows in response.text and 'role="alert"' in response.text
    assert await contests(venue) == before


async def test_a_bad_file_shows_each_problem_under_its_line(venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    before = await contests(venue)
    text = contest_toml(new_slug()).replace("max = 10\n", "max = -5\n").replace('panel = "mean"', 'panel = "median!"')
    lines = text.splitlines()
    response = await venue.client.post("/admin/new", data={"csrf": csrf, "source": "text", "text": text})
    assert response.status_code == 422
    found = dict(re.findall(r'data-line="(\d+)">(.*?)</p>', response.text))
    max_line = lines.index("max = -5") + 1
    panel_line = lines.index('panel = "median!"') + 1
    assert str(max_line) in found and "criteria[1].max" in found[str(max_line)]
    assert str(panel_line) in found and "scoring.panel" in found[str(panel_line)]
    syntax = await venue.client.post(
        "/admin/new", data={"csrf": csrf, "source": "text", "text": "[contest]\nslug = \n"}
    )
    assert syntax.status_code == 422 and 'data-line="2"' in syntax.text
    taken = await venue.client.post(  # an existing slug: refused on the slug's line
        "/admin/new", data={"csrf": csrf, "source": "text", "text": contest_toml(venue.slug)}
    )
    assert taken.status_code == 409 and 'data-line="2"' in taken.text
    assert await contests(venue) == before


async def test_forms_without_the_form_token_change_nothing(venue: Venue) -> None:
    await sign_in(venue.client, venue.organizer)
    before = await contests(venue)
    for path, data in (
        ("/admin/new", {"source": "text", "text": contest_toml(new_slug())}),
        (f"/admin/contests/{venue.slug}/rounds/prelim", {"action": "lock", "reason": "x"}),
        (f"/admin/contests/{venue.slug}/settings", {"text": contest_toml(venue.slug) + "\n# x\n"}),
    ):
        response = await venue.client.post(path, data={**data, "csrf": "forged"})
        assert response.status_code == 403, path
    assert await contests(venue) == before
    assert (await venue.standings(venue.organizer, round="prelim")).json()["status"] == "open"


async def test_rules_change_after_marks_needs_a_reason_is_recorded_and_recomputes(app: Starlette, venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    for judge, value in (("J1", "8"), ("J2", "6"), ("J3", "7")):
        assert (await venue.mark(venue.judges[judge], {"execution": value}, entrant="E1")).status_code == 201
        assert (await venue.mark(venue.judges[judge], {"execution": "5"}, entrant="E2")).status_code == 201
    url = f"/admin/contests/{venue.slug}/settings"
    old = contest_toml(venue.slug)
    before = (await venue.standings(venue.organizer, round="prelim")).json()
    # no reason: refused; a criterion with marks removed: refused, naming it
    new = old.replace('item = "execution * dd"', 'item = "execution * dd * 2"')
    refused = await venue.client.post(url, data={"csrf": csrf, "text": new, "reason": ""})
    assert refused.status_code == 422 and "原因" in refused.text
    dropped = old.replace("criteria = ", "x = ")  # unchanged criteria; drop "execution" instead:
    dropped = old.replace('key = "execution"', 'key = "style"').replace("execution * dd", "style * dd")
    gone = await venue.client.post(url, data={"csrf": csrf, "text": dropped, "reason": "rename"})
    assert gone.status_code == 409 and "prelim.execution" in gone.text
    assert (await venue.standings(venue.organizer, round="prelim")).json()["rows"] == before["rows"]
    # a real change: recorded, recomputed, and shown
    saved = await venue.client.post(url, data={"csrf": csrf, "text": new, "reason": "评分规则更正：乘以 2"})
    assert saved.status_code == 200, saved.text
    assert "评分规则更正" in saved.text and 'class="admin-table moved"' in saved.text
    after = (await venue.standings(venue.organizer, round="prelim")).json()
    totals = {r["entrant"]: r["total"] for r in after["rows"]}
    old_totals = {r["entrant"]: r["total"] for r in before["rows"]}
    assert Decimal(totals["E1"]) == 2 * Decimal(old_totals["E1"]) == 14  # mean of 8, 6, 7, now times 2
    moved = saved.text.split('class="admin-table moved"')[1].split("</table>")[0]
    assert "E1" in moved and "14" in moved
    assert after["version"] > before["version"]
    with app.state.db() as session:
        from contest.db.models import ContestRevision

        rows = session.query(ContestRevision).all()
        assert len(rows) == 1
        assert (rows[0].reason, rows[0].old_definition, rows[0].new_definition) == ("评分规则更正：乘以 2", old, new)
        assert rows[0].marks == 6 and rows[0].role == "organizer"
    assert verify_contest(app.state.db, venue.slug).agree
    # a new round after marks is fine, and its state exists
    more = new + '\n[[rounds]]\nkey = "bonus"\nitems = 1\n'
    assert (await venue.client.post(url, data={"csrf": csrf, "text": more, "reason": "加赛"})).status_code == 200
    assert (await venue.standings(venue.organizer, round="bonus")).status_code == 200
    assert verify_contest(app.state.db, venue.slug).agree


async def test_rounds_lock_publish_unlock_from_the_console(venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    url = f"/admin/contests/{venue.slug}/rounds/prelim"
    no_reason = await venue.client.post(url, data={"csrf": csrf, "action": "lock", "reason": ""})
    assert no_reason.status_code == 422 and 'role="alert"' in no_reason.text
    bad = await venue.client.post(url, data={"csrf": csrf, "action": "explode"})
    assert bad.status_code == 422
    missing = await venue.client.post(
        f"/admin/contests/{venue.slug}/rounds/nope", data={"csrf": csrf, "action": "lock", "reason": "x"}
    )
    assert missing.status_code == 404
    assert (await venue.standings(venue.organizer, round="prelim")).json()["status"] == "open"
    locked = await venue.client.post(url, data={"csrf": csrf, "action": "lock", "reason": "比赛结束"})
    assert locked.status_code == 303
    assert (await venue.standings(venue.organizer, round="prelim")).json()["status"] == "locked"
    assert (await venue.mark(venue.judges["J1"], {"execution": "8"})).status_code in (403, 409)  # locked
    assert (await venue.client.post(url, data={"csrf": csrf, "action": "hide"})).status_code == 303
    assert "隐藏" in (await venue.client.get(f"/admin/contests/{venue.slug}/rounds")).text
    published = await venue.client.post(url, data={"csrf": csrf, "action": "publish"})
    assert published.status_code == 303
    page = await venue.client.get(f"/admin/contests/{venue.slug}/rounds")
    assert 'class="published"' in page.text and "比赛结束" in page.text
    assert (await venue.standings(round="prelim")).status_code == 200
    await venue.client.post(url, data={"csrf": csrf, "action": "unlock", "reason": "复核"})
    assert (await venue.standings(venue.organizer, round="prelim")).json()["status"] == "open"


async def test_audit_filters_pages_and_refuses_garbage(venue: Venue) -> None:
    await sign_in(venue.client, venue.organizer)
    first = await venue.mark(venue.judges["J1"], {"execution": "8"}, entrant="E1")
    assert first.status_code == 201
    fixed = await venue.mark(venue.judges["J1"], {"execution": "9"}, entrant="E1", reason="看错了")
    assert fixed.status_code == 201, fixed.text
    assert (await venue.mark(venue.judges["J2"], {"execution": "7"}, entrant="E2")).status_code == 201
    url = f"/admin/contests/{venue.slug}/audit"
    everything = await venue.client.get(url)
    assert "3 " in everything.text.split('id="audit-count">')[1][:20]
    only = await venue.client.get(url, params={"judge": "J1"})
    body = only.text.split("<tbody>")[1]
    assert "8 → 9" in body and "看错了" in body and "<td>J2</td>" not in body and "<td>J1</td>" in body
    assert "E2" not in (await venue.client.get(url, params={"entrant": "E1"})).text.split("<tbody>")[1]
    future = await venue.client.get(url, params={"from": "2999-01-01"})
    assert 'id="audit-count">0 ' in future.text
    for params, field in (({"from": "yesterday"}, "from"), ({"page": "-1"}, "page"), ({"to": "2026-13-99"}, "to")):
        response = await venue.client.get(url, params=params)
        assert response.status_code == 422 and f"({field})" in response.text
    csv = await venue.client.get(f"/api/contests/{venue.slug}/history?format=csv")
    assert csv.status_code == 200 and "看错了" in csv.text


async def test_sign_out_ends_the_session(venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    response = await venue.client.post("/admin/signout", data={"csrf": csrf})
    assert response.status_code == 303
    assert (await venue.client.get("/admin")).status_code == 303


async def test_a_judge_session_does_not_open_the_console(app: Starlette, venue: Venue) -> None:
    login = await venue.client.get(f"/j/{venue.judges['J1']}")
    assert login.status_code == 303
    assert (await venue.client.get("/admin")).status_code == 303
    assert (await venue.client.get(f"/admin/contests/{venue.slug}/audit")).status_code == 303


async def test_settings_garbage_is_refused_on_its_line_and_stores_nothing(app: Starlette, venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    url = f"/admin/contests/{venue.slug}/settings"
    old = contest_toml(venue.slug)
    other = contest_toml(new_slug())
    cases = [
        (old.replace("max = 10", "max = ["), 422, "data-line="),  # a syntax error: on its line
        (other, 422, 'data-line="2"'),  # another slug: on the slug's line
        (old, 422, "没有变化"),  # unchanged
        (old.replace("items = 3", "items = 0", 1), 422, "prelim"),  # a rule's problem
        ("x" * 300_000, 422, ""),  # too long
    ]
    for text, status, shows in cases:
        response = await venue.client.post(url, data={"csrf": csrf, "text": text, "reason": "r"})
        assert response.status_code == status, (text[:40], response.text[-500:])
        assert shows in response.text
    too_long = await venue.client.post(url, data={"csrf": csrf, "text": old + "# x\n", "reason": "理" * 1001})
    assert too_long.status_code == 422
    with app.state.db() as session:
        from contest.db.models import Contest, ContestRevision

        assert session.query(ContestRevision).count() == 0
        assert session.query(Contest).filter_by(slug=venue.slug).one().definition == old
    # before any mark a change needs no reason, and is recorded all the same
    fine = await venue.client.post(url, data={"csrf": csrf, "text": old.replace("测试赛", "正式赛"), "reason": ""})
    assert fine.status_code == 200 and "正式赛" in fine.text
    with app.state.db() as session:
        assert session.query(ContestRevision).count() == 1


async def test_unknown_contests_get_a_friendly_404(venue: Venue) -> None:
    await sign_in(venue.client, venue.organizer)
    for path in ("/admin/contests/nope/settings", "/admin/contests/nope/rounds", "/admin/contests/nope/audit"):
        response = await venue.client.get(path)
        assert response.status_code == 404 and "Traceback" not in response.text, path


async def test_signing_in_as_organizer_signs_the_judge_out_of_this_browser(app: Starlette, venue: Venue) -> None:
    assert (await venue.client.get(f"/j/{venue.judges['J1']}")).status_code == 303
    await sign_in(venue.client, venue.organizer)
    with app.state.db() as session:
        from contest.db.models import LoginSession

        rows = session.query(LoginSession).order_by(LoginSession.id).all()
        assert [(row.judge_id is not None, row.revoked_at is not None) for row in rows] == [
            (True, True),
            (False, False),
        ]


async def test_the_audit_pages(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    from contest.services import audit

    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    await sign_in(venue.client, venue.organizer)
    for entrant in ("E1", "E2", "E3"):
        assert (await venue.mark(venue.judges["J1"], {"execution": "8"}, entrant=entrant)).status_code == 201
    url = f"/admin/contests/{venue.slug}/audit"
    first = await venue.client.get(url, params={"judge": "J1"})
    assert "第 1 / 2 页" in first.text and "E3" in first.text and "<td>E1</td>" not in first.text  # newest first
    link = re.search(r'href="(\?[^"]+)" rel="next"', first.text)
    assert link and "judge=J1" in link.group(1)
    second = await venue.client.get(url + link.group(1).replace("&amp;", "&"))
    assert "第 2 / 2 页" in second.text and "<td>E1</td>" in second.text


async def test_contest_texts_are_escaped(venue: Venue) -> None:
    csrf = await sign_in(venue.client, venue.organizer)
    slug = new_slug("xss")
    text = contest_toml(slug).replace('title = "测试赛 / Test meet"', 'title = "<script>alert(1)</script>"')
    created = await venue.client.post("/admin/new", data={"csrf": csrf, "source": "text", "text": text})
    assert created.status_code == 303
    for path in ("/admin", f"/admin/contests/{slug}/settings"):
        html = (await venue.client.get(path)).text
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

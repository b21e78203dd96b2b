"""Credentials that can be withdrawn (issue 11): judges' logins revoked and re-issued at once on every worker,
sessions held on the server (the cookie carries a random id, never the token), expiry, sign-out, `Secure` cookies
behind https, asking before a link switches a signed-in tablet, organizer and recorder tokens listed and revoked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import urllib.parse
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from contest.settings import Settings
from contest.web.app import create_app
from tests.server.conftest import (
    SECRET,
    ServerProcess,
    Venue,
    app_token,
    assert_error,
    bearer,
    client_id,
    make_token,
    new_slug,
    setup_contest,
)


def browser(app: Starlette, base: str = "http://testserver") -> httpx.AsyncClient:
    """A tablet's browser: keeps its cookies, follows no redirects."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, timeout=30)


async def sign_in(client: httpx.AsyncClient, token: str) -> str:
    """Open the QR link; returns the page's form token (CSRF)."""
    answer = await client.get(f"/j/{token}")
    assert answer.status_code == 303, answer.text
    session = await client.get("/judge/api/session")
    assert session.status_code == 200, session.text
    csrf: str = session.json()["csrf"]
    return csrf


def cookie_payload(client: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    """The session cookie as sent, and what it says: Starlette signs base64(JSON).timestamp.signature."""
    raw = client.cookies.get("session")
    assert raw, "no session cookie"
    data = raw.split(".", 1)[0]
    try:
        decoded = json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the format Starlette writes
        raise AssertionError(f"not a Starlette session cookie: {raw!r}") from exc
    assert isinstance(decoded, dict)
    return raw, decoded


async def who(client: httpx.AsyncClient) -> str | None:
    """The judge this browser is signed in as (None: signed out)."""
    answer = await client.get("/judge/api/session")
    if answer.status_code == 401:
        return None
    assert answer.status_code == 200, answer.text
    judge: str = answer.json()["judge"]
    return judge


# -- revoke and re-issue, in process --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_revoking_a_judge_ends_the_token_and_every_device_at_once(app: Starlette, venue: Venue) -> None:
    tablet, phone = browser(app), browser(app)
    async with tablet, phone:
        csrf = await sign_in(tablet, venue.judges["J1"])
        await sign_in(phone, venue.judges["J1"])
        assert (await venue.mark(venue.judges["J1"], {"execution": "8"})).status_code == 201
        revoked = await venue.client.post(venue.url("/judges/J1/revoke"), headers=bearer(venue.organizer))
        assert revoked.status_code == 200, revoked.text
        assert revoked.json() == {"code": "J1", "tokens": 1, "sessions": 2}
        # the token, and both devices signed in with it, are refused at once
        assert_error(await venue.mark(venue.judges["J1"], {"execution": "8.5"}), 401)
        for device in (tablet, phone):
            assert (await device.get("/judge/api/queue")).status_code == 401
            page = await device.get("/judge")
            assert page.status_code == 401 and "登录已失效" in page.text
        body = {"entrant": "E2", "round": "prelim", "values": {"execution": "7"}, "client_id": client_id()}
        refused = await tablet.post(venue.url("/marks"), json=body, headers={"x-csrf-token": csrf})
        assert refused.status_code == 401, refused.text
        assert (await tablet.get(f"/j/{venue.judges['J1']}")).status_code == 401
        # the other judges go on
        assert (await venue.mark(venue.judges["J2"], {"execution": "7"})).status_code == 201


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_reissuing_kills_the_old_link_and_the_new_one_signs_in(app: Starlette, venue: Venue) -> None:
    old = venue.judges["J2"]
    async with browser(app) as tablet, browser(app) as fresh:
        await sign_in(tablet, old)
        tokens = []
        for _ in range(3):  # three new cards: only the last one works (no judge with three valid tokens)
            answer = await venue.client.post(venue.url("/judges/J2/reissue"), headers=bearer(venue.organizer))
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert set(body) == {"code", "name", "chief", "token", "login_url"}
            assert body["code"] == "J2" and body["name"] == "裁判二" and body["chief"] is False
            assert body["login_url"] == f"http://testserver/j/{body['token']}"
            tokens.append(body["token"])
        assert (await who(tablet)) is None  # the device signed in with the old card is signed out
        for dead in (old, *tokens[:2]):
            assert (await fresh.get(f"/j/{dead}")).status_code == 401
            assert_error(await venue.mark(dead, {"execution": "8"}, entrant="E2"), 401)
        assert (await fresh.get(f"/j/{tokens[-1]}")).status_code == 303
        assert (await who(fresh)) == "J2"
        assert (await venue.mark(tokens[-1], {"execution": "8"}, entrant="E2")).status_code == 201
        listed = await venue.client.get("/api/tokens?role=judge", headers=bearer(venue.organizer))
        mine = [t for t in listed.json()["tokens"] if t["contest"] == venue.slug and t["judge"] == "J2"]
        assert len(mine) == 4 and [t["revoked"] for t in mine] == [True, True, True, False]
        assert mine[-1]["devices"] == 1
        # a QR code for the chief's screen, on request
        answer = await venue.client.post(venue.url("/judges/J2/reissue?qr=svg"), headers=bearer(venue.organizer))
        qr = answer.json()["qr"]
        assert qr.startswith("data:image/svg+xml;")
        assert "<svg" in urllib.parse.unquote(qr.split(",", 1)[1])


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_who_may_revoke_and_reissue(app: Starlette, venue: Venue) -> None:
    url = venue.url("/judges/J3/revoke")
    assert_error(await venue.client.post(url), 401)
    for role in ("recorder", "judge", "outsider"):  # a judge, and another contest's chief judge
        assert_error(await venue.client.post(url, headers=bearer(venue.tokens[role])), 403)
    assert_error(await venue.client.post(venue.url("/judges/CJ/reissue"), headers=bearer(venue.chief)), 403)
    assert_error(await venue.client.post(venue.url("/judges/NOPE/revoke"), headers=bearer(venue.organizer)), 404)
    assert_error(
        await venue.client.post("/api/contests/no-such/judges/J1/revoke", headers=bearer(venue.organizer)), 404
    )
    # the chief judge of the contest may, for the other judges, from their page (cookie and form token)
    async with browser(app) as laptop:
        csrf = await sign_in(laptop, venue.chief)
        assert_error(await laptop.post(url), 403, "csrf")
        answer = await laptop.post(venue.url("/judges/J3/reissue"), headers={"x-csrf-token": csrf})
        assert answer.status_code == 200, answer.text
        logins = await laptop.get(venue.url("/judges/logins"))
        assert logins.status_code == 200
        rows = {j["code"]: j for j in logins.json()["judges"]}
        assert rows["J3"]["login"] is True and rows["J3"]["devices"] == 0
        assert rows["CJ"] == {**rows["CJ"], "devices": 1, "manageable": False}
        answer = await laptop.post(url, headers={"x-csrf-token": csrf})
        assert answer.status_code == 200 and answer.json()["tokens"] == 1
        rows = {j["code"]: j for j in (await laptop.get(venue.url("/judges/logins"))).json()["judges"]}
        assert rows["J3"]["login"] is False
    assert_error(await venue.client.get(venue.url("/judges/logins"), headers=bearer(venue.judges["J1"])), 403)


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_organizer_and_recorder_tokens_are_listed_and_revoked(venue: Venue) -> None:
    client = venue.client
    assert_error(await client.get("/api/tokens", headers=bearer(venue.recorder)), 403)
    assert_error(await client.get("/api/tokens"), 401)
    assert_error(await client.get("/api/tokens?role=boss", headers=bearer(venue.organizer)), 422, "role")
    listed = (await client.get("/api/tokens", headers=bearer(venue.organizer))).json()["tokens"]
    roles = [t["role"] for t in listed]
    assert roles.count("organizer") == 1 and roles.count("recorder") == 1 and roles.count("judge") == 5
    assert all(
        set(t) == {"id", "role", "contest", "judge", "created_at", "revoked", "revoked_at", "devices"} for t in listed
    )
    assert venue.organizer not in json.dumps(listed) and venue.recorder not in json.dumps(listed)
    recorder = next(t for t in listed if t["role"] == "recorder")
    assert (await venue.mark(venue.recorder, {"dd": "2.0"})).status_code == 201
    answer = await client.post(f"/api/tokens/{recorder['id']}/revoke", headers=bearer(venue.organizer))
    assert answer.status_code == 200 and answer.json()["revoked"] is True
    assert_error(await venue.mark(venue.recorder, {"dd": "2.5"}), 401)
    assert_error(await client.post("/api/tokens/999999/revoke", headers=bearer(venue.organizer)), 404, "id")
    assert_error(await client.post("/api/tokens/x/revoke", headers=bearer(venue.organizer)), 422, "id")
    organizers = (await client.get("/api/tokens?role=organizer", headers=bearer(venue.organizer))).json()["tokens"]
    assert [t["role"] for t in organizers] == ["organizer"]
    # an organizer can revoke their own token: it stops at once
    own = organizers[0]["id"]
    assert (await client.post(f"/api/tokens/{own}/revoke", headers=bearer(venue.organizer))).status_code == 200
    assert_error(await client.get("/api/tokens", headers=bearer(venue.organizer)), 401)


# -- the session cookie ---------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_the_cookie_carries_a_session_id_never_the_token(app: Starlette, venue: Venue) -> None:
    token = venue.judges["J1"]
    async with browser(app) as tablet:
        answer = await tablet.get(f"/j/{token}")
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # the public URL is http://testserver
        raw, payload = cookie_payload(tablet)
        assert token not in raw and token not in json.dumps(payload)
        assert set(payload) == {"sid", "csrf"}
        assert len(payload["sid"]) >= 40
        # a session id is good in its cookie only, never as a bearer token
        assert_error(await venue.client.get("/judge/api/queue", headers=bearer("session:" + payload["sid"])), 401)


@pytest_asyncio.fixture
async def https_app(tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'https.db'}", secret_key=SECRET, public_url="https://venue.example"
    )
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.mark.asyncio
async def test_the_cookie_is_secure_behind_an_https_public_url(https_app: Starlette) -> None:
    organizer = app_token(https_app, "organizer")
    async with browser(https_app, "https://venue.example") as client:
        slug = new_slug("https")
        judges = await setup_contest(client, organizer, slug)
        answer = await client.get(f"/j/{judges['J1']}")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"].lower()
        assert "; secure" in cookie and "httponly" in cookie
        assert "max-age=57600" in cookie  # 16 hours, the session's lifetime
        assert (await who(client)) == "J1"
        answer = await client.post(f"/api/contests/{slug}/judges/J2/reissue", headers=bearer(organizer))
        assert answer.json()["login_url"].startswith("https://venue.example/j/")


@pytest_asyncio.fixture
async def short_app(tmp_path: Path) -> AsyncIterator[Starlette]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'short.db'}", secret_key=SECRET, session_hours=2 / 3600)
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.mark.asyncio
async def test_a_session_expires_after_its_hours(short_app: Starlette) -> None:
    organizer = app_token(short_app, "organizer")
    async with browser(short_app) as tablet:
        judges = await setup_contest(tablet, organizer, new_slug("expiry"))
        await sign_in(tablet, judges["J1"])
        assert (await tablet.get("/judge")).status_code == 200
        await asyncio.sleep(
            2.2
        )  # the session (2 seconds here) is over; the cookie itself would live on (at least a minute)
        page = await tablet.get("/judge")
        assert page.status_code == 401 and "登录已失效" in page.text
        # the card still works: scanning it again signs in again
        await sign_in(tablet, judges["J1"])
        assert (await tablet.get("/judge")).status_code == 200


def test_session_hours_setting() -> None:
    assert Settings().session_hours == 16
    assert Settings.from_env({"CONTEST_SESSION_HOURS": "10.5"}).session_hours == 10.5
    for bad in ("0", "-1", "soon", "nan", "inf", "9000"):
        with pytest.raises(ValueError, match="CONTEST_SESSION_HOURS"):
            Settings.from_env({"CONTEST_SESSION_HOURS": bad})


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_signing_out_ends_the_session_on_the_server(app: Starlette, venue: Venue) -> None:
    async with browser(app) as tablet:
        csrf = await sign_in(tablet, venue.judges["J1"])
        page = await tablet.get("/judge")
        assert 'action="/signout"' in page.text and "退出登录" in page.text
        copied = dict(tablet.cookies)  # a copy of the cookie (a second tab, or someone who read it)
        # a form from another site, without the page's form token, signs nobody out: it asks
        forged = await tablet.post("/signout", data={"csrf": "forged"})
        assert (forged.status_code, forged.headers["location"]) == (303, "/signout")
        asking = await tablet.get("/signout")
        assert asking.status_code == 200 and "要退出本设备的登录吗" in asking.text
        assert (await who(tablet)) == "J1"
        answer = await tablet.post("/signout", data={"csrf": csrf})
        assert (answer.status_code, answer.headers["location"]) == (303, "/signout")
        done = await tablet.get("/signout")
        assert done.status_code == 200 and "已退出登录" in done.text
        assert (await who(tablet)) is None
    async with browser(app) as thief:
        thief.cookies.update(copied)
        assert (await thief.get("/judge/api/queue")).status_code == 401
        assert (await thief.get("/judge")).status_code == 401
    # the chief judge's page has the button too
    async with browser(app) as laptop:
        await sign_in(laptop, venue.chief)
        chief = await laptop.get("/chief")
        assert chief.status_code == 200 and 'action="/signout"' in chief.text
        assert "credentials.js" in chief.text


# -- login CSRF ---------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_a_link_of_another_judge_asks_before_switching(app: Starlette, venue: Venue) -> None:
    async with browser(app) as tablet:
        await sign_in(tablet, venue.judges["J1"])
        before = dict(tablet.cookies)
        # the same judge again: just go on
        again = await tablet.get(f"/j/{venue.judges['J1']}")
        assert (again.status_code, again.headers["location"]) == (303, "/judge")
        # another judge's link (opened from a chat, or by another site): a page that asks, nothing switched
        other = f"/j/{venue.judges['J2']}"
        asked = await tablet.get(other)
        assert asked.status_code == 200, asked.text
        assert "切换裁判" in asked.text and "J1" in asked.text and "J2" in asked.text
        assert f'action="{other}"' in asked.text and 'method="post"' in asked.text
        assert (await who(tablet)) == "J1"
        # a cross-site form post has no form token: asked again, nothing switched
        forged = await tablet.post(other, data={"csrf": "nope"})
        assert (forged.status_code, forged.headers["location"]) == (303, other)
        assert (await who(tablet)) == "J1"
        # the judge confirms: now J2, and J1's session on this device is over
        csrf = (await tablet.get("/judge/api/session")).json()["csrf"]
        switched = await tablet.post(other, data={"csrf": csrf})
        assert (switched.status_code, switched.headers["location"]) == (303, "/judge")
        assert (await who(tablet)) == "J2"
    async with browser(app) as old:
        old.cookies.update(before)
        assert (await who(old)) is None
    # English too
    async with browser(app) as tablet:
        await sign_in(tablet, venue.judges["J3"])
        asked = await tablet.get(f"/j/{venue.judges['J1']}?lang=en")
        assert "Switch judge?" in asked.text and "Sign in as judge J1" in asked.text


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_a_bad_link_leaves_a_signed_in_tablet_alone(app: Starlette, venue: Venue) -> None:
    async with browser(app) as tablet:
        await sign_in(tablet, venue.judges["J1"])
        assert (await tablet.get("/j/not-a-token")).status_code == 401
        assert (await who(tablet)) == "J1"


# -- judges who came with loaded marks ----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_judges_loaded_with_marks_can_be_given_logins(app: Starlette, db_url: str) -> None:
    from contest.loading import load_files
    from tests.server.conftest import FIXTURES

    writing = FIXTURES / "writing"
    report = load_files(db_url, writing / "contest.toml", writing / "entrants.csv", writing / "marks.csv")
    assert any(line.startswith("judge J1:") for line in report)
    slug = "writing-2026"
    organizer = app_token(app, "organizer")
    async with browser(app) as client:
        # J1 came with the marks; its login (printed once by `contest load`) is lost: POST judges says 409 ...
        again = await client.post(f"/api/contests/{slug}/judges", json=[{"code": "J1"}], headers=bearer(organizer))
        assert assert_error(again, 409, "code")["message"].startswith("judge 'J1' exists already and has a login")
        # ... and re-issuing gives a new one
        answer = await client.post(f"/api/contests/{slug}/judges/J1/reissue", headers=bearer(organizer))
        assert answer.status_code == 200, answer.text
        assert (await client.get(f"/j/{answer.json()['token']}")).status_code == 303
        assert (await who(client)) == "J1"
        page = await client.get("/judge")
        assert page.status_code == 200
        # a judge without a valid login (J2, revoked) gets one from POST judges, with a name
        assert (
            await client.post(f"/api/contests/{slug}/judges/J2/revoke", headers=bearer(organizer))
        ).status_code == 200
        given = await client.post(
            f"/api/contests/{slug}/judges", json=[{"code": "J2", "name": "王老师"}], headers=bearer(organizer)
        )
        assert given.status_code == 201, given.text
        [judge] = given.json()
        assert judge["code"] == "J2" and judge["token"] and judge["login_url"].endswith(judge["token"])
    async with browser(app) as tablet:
        assert (await tablet.get(f"/j/{judge['token']}")).status_code == 303
        assert "王老师" in (await tablet.get("/judge")).text


# -- two workers ----------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_revoke_and_reissue_hold_at_once_on_every_worker(
    db_url: str, start_server: Callable[..., ServerProcess]
) -> None:
    """Two `contest serve` processes on one database: a revocation or re-issue on A is refused at once on B."""
    organizer = make_token(db_url, "organizer")
    first, second = start_server(db_url), start_server(db_url)
    slug = new_slug("workers")
    async with (
        httpx.AsyncClient(base_url=first.url, timeout=30) as on_a,
        httpx.AsyncClient(base_url=second.url, timeout=30) as on_b,
    ):
        judges = await setup_contest(on_a, organizer, slug)
        await sign_in(on_a, judges["J1"])
        on_b.cookies.update(dict(on_a.cookies))  # the same tablet, its requests balanced to the other worker
        for client in (on_a, on_b):
            assert (await client.get("/judge/api/queue")).status_code == 200
            assert (await client.get("/judge/api/queue", headers=bearer(judges["J2"]))).status_code == 200
        revoked = await on_a.post(f"/api/contests/{slug}/judges/J1/revoke", headers=bearer(organizer))
        assert revoked.status_code == 200 and revoked.json()["sessions"] == 1
        reissued = await on_a.post(f"/api/contests/{slug}/judges/J2/reissue", headers=bearer(organizer))
        assert reissued.status_code == 200
        for client in (on_b, on_a):  # B first: no time for anything to spread but the database
            assert (await client.get("/judge/api/queue")).status_code == 401
            assert (await client.get("/judge/api/queue", headers=bearer(judges["J1"]))).status_code == 401
            assert (await client.get("/judge/api/queue", headers=bearer(judges["J2"]))).status_code == 401
            new = reissued.json()["token"]
            assert (await client.get("/judge/api/queue", headers=bearer(new))).status_code == 200


def test_running_the_demo_again_retires_the_links_it_printed_before(tmp_path: Path) -> None:
    """`contest demo` mints every judge a fresh login each run; the earlier run's links stop working (no judge
    collects valid cards run after run)."""
    from contest.db.engine import make_engine, make_sessions
    from contest.demo import prepare
    from contest.services.principals import authenticate

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first, second = prepare(url), prepare(url)
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            for (slug, code, path, _), (_, _, new_path, _) in zip(first.judges, second.judges, strict=True):
                assert authenticate(session, path.removeprefix("/j/")) is None, (slug, code)
                found = authenticate(session, new_path.removeprefix("/j/"))
                assert found is not None and found.judge == code
    finally:
        engine.dispose()


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_a_devices_last_use_is_noted(app: Starlette, venue: Venue) -> None:
    from sqlalchemy import update

    from contest.db.models import LoginSession

    async with browser(app) as tablet:
        await sign_in(tablet, venue.judges["J1"])
        with app.state.db.begin() as session:  # signed in yesterday morning, last seen then
            session.execute(update(LoginSession).values(seen_at=datetime(2026, 1, 1, 8, 0)))
        logins = venue.url("/judges/logins")
        rows = {
            j["code"]: j for j in (await venue.client.get(logins, headers=bearer(venue.organizer))).json()["judges"]
        }
        assert rows["J1"]["seen"] == "2026-01-01T08:00:00Z"
        assert (await tablet.get("/judge/api/queue")).status_code == 200
        rows = {
            j["code"]: j for j in (await venue.client.get(logins, headers=bearer(venue.organizer))).json()["judges"]
        }
        assert rows["J1"]["seen"] > "2026-01-01T08:00:00Z"  # noted again, now


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_sessions_that_ended_long_ago_are_purged_at_the_next_sign_in(app: Starlette, venue: Venue) -> None:
    from sqlalchemy import func, select, update

    from contest.db.models import LoginSession, now

    def count() -> int:
        with app.state.db.begin() as session:
            return int(session.scalar(select(func.count()).select_from(LoginSession)) or 0)

    for _ in range(3):
        async with browser(app) as tablet:
            await sign_in(tablet, venue.judges["J1"])
    assert count() == 3
    with app.state.db.begin() as session:
        first, second, third = session.scalars(select(LoginSession.id).order_by(LoginSession.id)).all()
        session.execute(update(LoginSession).where(LoginSession.id == first).values(expires_at=datetime(2020, 1, 1)))
        session.execute(update(LoginSession).where(LoginSession.id == second).values(revoked_at=datetime(2020, 1, 1)))
        session.execute(  # ended yesterday: kept for the lists of devices
            update(LoginSession).where(LoginSession.id == third).values(revoked_at=now() - timedelta(days=1))
        )
    async with browser(app) as tablet:
        await sign_in(tablet, venue.judges["J2"])
        assert (await tablet.get("/judge/api/queue")).status_code == 200
    with app.state.db.begin() as session:
        left = set(session.scalars(select(LoginSession.id)).all())
    assert first not in left and second not in left and third in left and len(left) == 2

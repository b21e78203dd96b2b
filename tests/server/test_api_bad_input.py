"""Bad input of every kind: the right status, {"error": {"code", "message", "field"}} naming the field, and
nothing stored (every mark version, the version, round states and standings as they were). On SQLite and on
PostgreSQL: the databases differ in what they refuse (text length, NUL characters), the API must not.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.server.conftest import ENTRANTS, Venue, assert_error, bearer, client_id, contest_toml, new_slug

pytestmark = pytest.mark.asyncio

BIG = 300 * 1024  # above the 256 KiB a JSON body may have
HUGE = 6 * 1024 * 1024  # above the 5 MiB an upload may have


@pytest_asyncio.fixture
async def scored(venue: Venue) -> Venue:
    """The venue with E1's first prelim dive marked: J1 gave 8, the recorder entered dd 2.0."""
    assert (await venue.mark(venue.judges["J1"], {"execution": "8"})).status_code == 201
    assert (await venue.mark(venue.recorder, {"dd": "2.0"})).status_code == 201
    return venue


def mark_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entrant": "E2",
        "round": "prelim",
        "item": 1,
        "values": {"execution": "7.5"},
        "client_id": client_id(),
    }
    for key, value in changes.items():
        if value is DROP:
            body.pop(key)
        else:
            body[key] = value
    return body


DROP = object()

# parsing and checking happen before any query: tables of such cases run on SQLite only
sqlite_only = pytest.mark.parametrize("db_kind", ["sqlite"])

# name: (who, body changes, status, field). who: J1, J2, J3, CJ (chief), recorder, organizer
MARK_CASES: dict[str, tuple[str, dict[str, Any], int, str | None]] = {
    "above max": ("J1", {"values": {"execution": "10.5"}}, 422, "values.execution"),
    "below min": ("J1", {"values": {"execution": "-0.5"}}, 422, "values.execution"),
    "dd above max": ("recorder", {"values": {"dd": "5.0"}}, 422, "values.dd"),
    "dd below min": ("recorder", {"values": {"dd": "0.9"}}, 422, "values.dd"),
    "off step": ("J1", {"values": {"execution": "8.3"}}, 422, "values.execution"),
    "off step as a JSON number": ("J1", {"values": {"execution": 8.25}}, 422, "values.execution"),
    "dd off step": ("recorder", {"values": {"dd": "2.05"}}, 422, "values.dd"),
    "one good, one bad value": (
        "organizer",
        {"values": {"execution": "8", "dd": "9.9"}, "judge": "J2"},
        422,
        "values.dd",
    ),
    "the chief off the prelim's panel": ("CJ", {}, 403, "round"),
    "unknown criterion": ("J1", {"values": {"style": "5"}}, 422, "values.style"),
    "unknown criterion beside a good one": ("J1", {"values": {"execution": "8", "style": "5"}}, 422, "values.style"),
    "unknown key in the body": ("J1", {"score": 8}, 422, "score"),
    "unknown key: device": ("J1", {"device": "ipad"}, 422, "device"),
    "no client_id": ("J1", {"client_id": DROP}, 422, "client_id"),
    "empty client_id": ("J1", {"client_id": "  "}, 422, "client_id"),
    "client_id too long": ("J1", {"client_id": "c" * 101}, 422, "client_id"),
    "client_id a number": ("J1", {"client_id": 12345}, 422, "client_id"),
    "no values": ("J1", {"values": DROP}, 422, "values"),
    "no entrant": ("J1", {"entrant": DROP}, 422, "entrant"),
    "no round": ("J1", {"round": DROP}, 422, "round"),
    "item as text": ("J1", {"item": "1"}, 422, "item"),
    "item zero": ("J1", {"item": 0}, 422, "item"),
    "item negative": ("J1", {"item": -1}, 422, "item"),
    "item beyond the round": ("J1", {"item": 4}, 422, "item"),
    "item a fraction": ("J1", {"item": 1.0}, 422, "item"),
    "item true": ("J1", {"item": True}, 422, "item"),
    "item null": ("J1", {"item": None}, 422, "item"),
    "values a list": ("J1", {"values": [["execution", "8"]]}, 422, "values"),
    "values a list of numbers": ("J1", {"values": [8]}, 422, "values"),
    "values empty": ("J1", {"values": {}}, 422, "values"),
    "values a number": ("J1", {"values": 8}, 422, "values"),
    "values a text": ("J1", {"values": "execution=8"}, 422, "values"),
    "too many values": ("J1", {"values": {f"c{i}": "1" for i in range(201)}}, 422, "values"),
    "value null": ("J1", {"values": {"execution": None}}, 422, "values.execution"),
    "value true": ("J1", {"values": {"execution": True}}, 422, "values.execution"),
    "value a list": ("J1", {"values": {"execution": [8]}}, 422, "values.execution"),
    "value an object": ("J1", {"values": {"execution": {"value": 8}}}, 422, "values.execution"),
    "value not a number": ("J1", {"values": {"execution": "abc"}}, 422, "values.execution"),
    "value empty": ("J1", {"values": {"execution": ""}}, 422, "values.execution"),
    "value with a unit": ("J1", {"values": {"execution": "8 points"}}, 422, "values.execution"),
    "value 'NaN'": ("J1", {"values": {"execution": "NaN"}}, 422, "values.execution"),
    "value 'nan'": ("J1", {"values": {"execution": "nan"}}, 422, "values.execution"),
    "value 'sNaN'": ("J1", {"values": {"execution": "sNaN"}}, 422, "values.execution"),
    "value 'Infinity'": ("J1", {"values": {"execution": "Infinity"}}, 422, "values.execution"),
    "value '-inf'": ("J1", {"values": {"execution": "-inf"}}, 422, "values.execution"),
    "dd 'NaN'": ("recorder", {"values": {"dd": "NaN"}}, 422, "values.dd"),
    "huge exponent": ("J1", {"values": {"execution": "1e999999999"}}, 422, "values.execution"),
    "tiny exponent": ("J1", {"values": {"execution": "1E-500000"}}, 422, "values.execution"),
    "tiny exponent below the arithmetic's range": (
        "J1",
        {"values": {"execution": "1E-1000100"}},
        422,
        "values.execution",
    ),
    "entrant a number": ("J1", {"entrant": 1}, 422, "entrant"),
    "entrant too long": ("J1", {"entrant": "E" * 65}, 422, "entrant"),
    "unknown entrant": ("J1", {"entrant": "E9"}, 422, "entrant"),
    "entrant of another contest's list only": ("J1", {"entrant": "X9"}, 422, "entrant"),
    "unknown round": ("J1", {"round": "semi"}, 422, "round"),
    "round a list": ("J1", {"round": ["prelim"]}, 422, "round"),
    "reason a number": ("J1", {"reason": 5}, 422, "reason"),
    "reason too long": ("J1", {"reason": "因" * 1001}, 422, "reason"),
    "judge a number": ("organizer", {"judge": 1}, 422, "judge"),
    "another judge's marks": ("J1", {"judge": "J2"}, 403, "judge"),
    "the chief entering another judge's marks": ("CJ", {"judge": "J2"}, 403, "judge"),
    "a judge entering dd": ("J1", {"values": {"dd": "2.0"}}, 403, "values.dd"),
    "a recorder entering a judged value": ("recorder", {}, 403, "values.execution"),
    "organizer without the judge's code": ("organizer", {}, 422, "judge"),
    "organizer naming an unknown judge": ("organizer", {"judge": "J9"}, 422, "judge"),
    "judge not on the final's panel": ("J3", {"round": "final"}, 403, "round"),
    "correction without reason": ("J1", {"entrant": "E1", "values": {"execution": "9"}}, 422, "reason"),
    "correction with a blank reason": (
        "J1",
        {"entrant": "E1", "values": {"execution": "9"}, "reason": "   "},
        422,
        "reason",
    ),
    "dd correction without reason": ("recorder", {"entrant": "E1", "values": {"dd": "2.5"}}, 422, "reason"),
}


def token_of(venue: Venue, who: str) -> str:
    if who in ("organizer", "recorder"):
        token: str = getattr(venue, who)
        return token
    return venue.judges[who]


# the whole table runs on SQLite; these kinds also on PostgreSQL (the rest is the same code before any query)
ON_POSTGRESQL = (
    "above max",
    "off step",
    "dd off step",
    "unknown criterion",
    "unknown key in the body",
    "item as text",
    "values a list",
    "value 'NaN'",
    "huge exponent",
    "tiny exponent below the arithmetic's range",
    "unknown entrant",
    "another judge's marks",
    "judge not on the final's panel",
    "correction without reason",
)


def mark_params() -> list[Any]:
    params = []
    for kind in ("sqlite", "postgresql"):
        for name in MARK_CASES if kind == "sqlite" else ON_POSTGRESQL:
            params.append(pytest.param(kind, name, id=f"{kind}-{name}"))
    return params


@pytest.mark.parametrize(("db_kind", "name"), mark_params())
async def test_bad_marks_are_refused_and_nothing_is_stored(scored: Venue, name: str) -> None:
    who, changes, status, field = MARK_CASES[name]
    before = await scored.fingerprint()
    response = await scored.client.post(
        scored.url("/marks"), json=mark_body(**changes), headers=bearer(token_of(scored, who))
    )
    assert_error(response, status, field)
    assert await scored.fingerprint() == before


# raw bodies that are not the JSON the endpoint reads: (name, body, content-type, status, field)
RAW_CASES = [
    ("NaN as a JSON constant", '{"entrant":"E2","round":"prelim","values":{"execution":NaN},"client_id":"n1"}', 422),
    (
        "Infinity as a JSON constant",
        '{"entrant":"E2","round":"prelim","values":{"execution":Infinity},"client_id":"n2"}',
        422,
    ),
    (
        "-Infinity as a JSON constant",
        '{"entrant":"E2","round":"prelim","values":{"execution":-Infinity},"client_id":"n3"}',
        422,
    ),
    ("1e400 as a JSON number", '{"entrant":"E2","round":"prelim","values":{"execution":1e400},"client_id":"n4"}', 422),
    ("invalid JSON", '{"entrant": "E2", "round": ', 422),
    ("trailing garbage", '{"entrant":"E2","round":"prelim","values":{"execution":"8"},"client_id":"n5"} x', 422),
    ("a JSON list", '[{"entrant":"E2"}]', 422),
    ("a JSON text", '"E2 8.5"', 422),
    ("a JSON null", "null", 422),
    ("an empty body", "", 422),
    ("form data", "entrant=E2&round=prelim&execution=8", 422),
    ("not UTF-8", b'{"entrant":"E2","round":"prelim","values":{"execution":"8"},"client_id":"\xff\xfe"}', 422),
]

RAW_FIELDS = {"1e400 as a JSON number": "values.execution"}


@sqlite_only
@pytest.mark.parametrize(("name", "body", "status"), RAW_CASES, ids=[c[0] for c in RAW_CASES])
async def test_bodies_that_are_not_a_mark_are_refused(scored: Venue, name: str, body: str | bytes, status: int) -> None:
    before = await scored.fingerprint()
    content = body.encode() if isinstance(body, str) else body
    response = await scored.client.post(
        scored.url("/marks"),
        content=content,
        headers={**bearer(scored.judges["J1"]), "content-type": "application/json"},
    )
    assert_error(response, status, RAW_FIELDS.get(name, "body"))
    assert await scored.fingerprint() == before


async def test_deeply_nested_json_is_refused_not_a_server_error(scored: Venue) -> None:
    depth = 100_000  # 200 KB: under the JSON size limit
    body = '{"entrant":"E2","round":"prelim","client_id":"deep","values":' + "[" * depth + "]" * depth + "}"
    before = await scored.fingerprint()
    response = await scored.client.post(
        scored.url("/marks"), content=body, headers={**bearer(scored.judges["J1"]), "content-type": "application/json"}
    )
    assert_error(response, 422, "body")
    assert await scored.fingerprint() == before


async def test_huge_mark_bodies_are_413(scored: Venue) -> None:
    before = await scored.fingerprint()
    body = json.dumps(mark_body(reason="x" * BIG)).encode()
    response = await scored.client.post(scored.url("/marks"), content=body, headers=bearer(scored.judges["J1"]))
    assert_error(response, 413, "body")

    # the same without a Content-Length (chunked): cut off while streaming
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    response = await scored.client.post(scored.url("/marks"), content=chunks(), headers=bearer(scored.judges["J1"]))
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "body")

    # a Content-Length that claims too much is refused before reading
    response = await scored.client.post(
        scored.url("/marks"),
        content=b"{}",
        headers={**bearer(scored.judges["J1"]), "content-length": str(BIG)},
    )
    assert_error(response, 413, "body")
    assert await scored.fingerprint() == before


async def test_a_locked_round_refuses_marks(scored: Venue) -> None:
    assert (await scored.round("prelim", status="locked")).status_code == 200
    before = await scored.fingerprint()
    for who, changes in (
        ("J1", {}),
        ("CJ", {}),
        ("recorder", {"values": {"dd": "2.0"}}),
        ("organizer", {"judge": "J2"}),
        ("J1", {"entrant": "E1", "values": {"execution": "9"}, "reason": "typo"}),  # a correction too
    ):
        response = await scored.client.post(
            scored.url("/marks"), json=mark_body(**changes), headers=bearer(token_of(scored, who))
        )
        assert_error(response, 403, "round")
    assert await scored.fingerprint() == before
    # unlocked with a reason, the same marks are taken
    assert (await scored.round("prelim", status="open", reason="复核完毕 / reviewed")).status_code == 200
    response = await scored.client.post(scored.url("/marks"), json=mark_body(), headers=bearer(scored.judges["J1"]))
    assert response.status_code == 201, response.text


async def test_an_unknown_contest_is_404(scored: Venue) -> None:
    before = await scored.fingerprint()
    response = await scored.client.post(
        "/api/contests/no-such/marks", json=mark_body(), headers=bearer(scored.judges["J1"])
    )
    assert_error(response, 404, "slug")
    assert await scored.fingerprint() == before


# -- texts the databases treat differently ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("client_id", {"client_id": "tablet-7\x00"}),
        ("reason", {"entrant": "E1", "values": {"execution": "9"}, "reason": "typo\x00"}),
        ("entrant", {"entrant": "E2\x00"}),
    ],
)
async def test_a_nul_character_is_never_a_server_error(
    scored: Venue, request: pytest.FixtureRequest, field: str, changes: dict[str, Any]
) -> None:
    """PostgreSQL text cannot hold NUL; SQLite can. Either way the answer is a refusal naming the field or a
    faithful store, never a 500."""
    before = await scored.fingerprint()
    response = await scored.client.post(
        scored.url("/marks"), json=mark_body(**changes), headers=bearer(scored.judges["J1"])
    )
    if response.status_code == 201:
        stored = (await scored.history())[-1]
        assert stored[field if field != "client_id" else "client_id"] == changes[field]
    else:
        assert_error(response, 422, field)
        assert await scored.fingerprint() == before


async def test_a_long_exact_number_is_stored_as_its_value_or_refused(
    scored: Venue, request: pytest.FixtureRequest
) -> None:
    """8 written with 45 zeros is a valid mark of 8. The marks table keeps values as text of at most 40
    characters: SQLite does not enforce it, PostgreSQL refuses the row."""
    before = await scored.fingerprint()
    response = await scored.client.post(
        scored.url("/marks"), json=mark_body(values={"execution": "8." + "0" * 45}), headers=bearer(scored.judges["J1"])
    )
    if response.status_code == 201:
        stored = (await scored.history())[-1]
        assert float(stored["new"]) == 8
    else:
        assert_error(response, 422, "values.execution")
        assert await scored.fingerprint() == before


# -- contests -------------------------------------------------------------------------------------------------------


async def post_toml(venue: Venue, body: bytes, token: str | None = None) -> httpx.Response:
    headers = {**bearer(token or venue.organizer), "content-type": "application/toml"}
    return await venue.client.post("/api/contests", content=body, headers=headers)


def good_toml(slug: str) -> str:
    return contest_toml(slug)


CONTEST_CASES = [
    ("unknown key", lambda s: good_toml(s).replace("decimals = 2", "decimals = 2\nslgu = 'x'"), "contest.slgu"),
    ("misspelt key", lambda s: good_toml(s).replace("slug =", "slgu ="), "contest.slgu"),
    ("max below min", lambda s: good_toml(s).replace("max = 10", "max = -1"), "criteria[1].max"),
    ("bad slug", lambda s: good_toml(s).replace(f'slug = "{s}"', 'slug = "Bad Slug"'), "contest.slug"),
    ("unknown panel", lambda s: good_toml(s).replace('panel = "mean"', 'panel = "average"'), "scoring.panel"),
    (
        "formula with an unknown name",
        lambda s: good_toml(s).replace("execution * dd", "execution * ddd"),
        "scoring.item",
    ),
    (
        "standing names an unknown round",
        lambda s: good_toml(s).replace("prelim + final", "prelim + semi"),
        "rounds[2].standing",
    ),
    (
        "drop too large",
        lambda s: good_toml(s).replace('panel = "mean"', 'panel = "trimmed_mean"\ndrop = -1'),
        "scoring.drop",
    ),
]


@sqlite_only
@pytest.mark.parametrize(("name", "make", "field"), CONTEST_CASES, ids=[c[0] for c in CONTEST_CASES])
async def test_an_invalid_contest_file_is_422_naming_the_key(
    scored: Venue, name: str, make: Any, field: str | None
) -> None:
    slug = new_slug("bad")
    before = await scored.fingerprint()
    error = assert_error(await post_toml(scored, make(slug).encode()), 422, field)
    if field is not None:
        assert field.split(".")[-1].split("[")[0] in error["message"]
    assert_error(await scored.client.get(f"/api/contests/{slug}/standings"), 404, "slug")
    assert_error(await scored.client.get("/api/contests/bad-slug/standings"), 404, "slug")
    assert await scored.fingerprint() == before


@sqlite_only
@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("TOML syntax error", b"[contest\nslug = 'x'\n"),
        ("empty", b""),
        ("JSON instead of TOML", b'{"contest": {"slug": "x"}}'),
        ("binary", bytes(range(256))),
    ],
)
async def test_a_file_that_is_not_a_contest_is_422(scored: Venue, name: str, body: bytes) -> None:
    before = await scored.fingerprint()
    assert_error(await post_toml(scored, body), 422)
    assert await scored.fingerprint() == before


async def test_a_contest_file_not_in_utf8_is_422(scored: Venue) -> None:
    slug = new_slug("gbk")
    before = await scored.fingerprint()
    error = assert_error(await post_toml(scored, good_toml(slug).encode("gbk")), 422, "body")
    assert "UTF-8" in error["message"]
    assert_error(await scored.client.get(f"/api/contests/{slug}/standings"), 404, "slug")
    # with a BOM, as Windows Notepad saves it, it is UTF-8 and fine
    slug = new_slug("bom")
    response = await post_toml(scored, good_toml(slug).encode("utf-8-sig"))
    assert response.status_code == 201, response.text
    assert await scored.fingerprint() == before


async def test_a_deeply_nested_contest_file_is_422(scored: Venue) -> None:
    body = ("a = " + "[" * 5000 + "]" * 5000 + "\n").encode()
    before = await scored.fingerprint()
    assert_error(await post_toml(scored, body), 422)
    assert await scored.fingerprint() == before


async def test_a_duplicate_slug_is_409(scored: Venue) -> None:
    before = await scored.fingerprint()
    changed = good_toml(scored.slug).replace("测试赛", "另一个比赛")
    assert_error(await post_toml(scored, changed.encode()), 409, "slug")
    assert await scored.fingerprint() == before


async def test_a_huge_contest_file_is_413(scored: Venue) -> None:
    slug = new_slug("huge")
    body = (good_toml(slug) + "# " + "x" * HUGE + "\n").encode()
    before = await scored.fingerprint()
    assert_error(await post_toml(scored, body), 413, "body")
    assert_error(await scored.client.get(f"/api/contests/{slug}/standings"), 404, "slug")
    assert await scored.fingerprint() == before


# -- entrants ---------------------------------------------------------------------------------------------------------


ENTRANT_CASES: list[tuple[str, Any, str]] = [
    ("not a list", {"code": "E1"}, "body"),
    ("a list of texts", ["E1", "E2"], "[0]"),
    ("no code", [{"name": "无编号"}], "[0].code"),
    ("empty code", [*ENTRANTS, {"code": " "}], "[4].code"),
    ("code a number", [{"code": 1}], "[0].code"),
    ("code too long", [{"code": "E" * 65}], "[0].code"),
    ("unknown key", [{**ENTRANTS[0], "team": "x"}], "[0].team"),
    ("attributes not texts", [{**ENTRANTS[0], "attributes": {"age": 30}}], "[0].attributes"),
    ("an attribute with a NUL", [{**ENTRANTS[0], "attributes": {"age": "3\x000"}}], "[0].attributes"),
    ("duplicate code", [*ENTRANTS, ENTRANTS[0]], "code"),
    ("removing an entrant who has marks", ENTRANTS[1:], "code"),
]


@sqlite_only
@pytest.mark.parametrize(("name", "body", "field"), ENTRANT_CASES, ids=[c[0] for c in ENTRANT_CASES])
async def test_bad_entrant_lists_are_refused_and_change_nothing(
    scored: Venue, name: str, body: Any, field: str
) -> None:
    before = await scored.fingerprint()
    response = await scored.client.put(scored.url("/entrants"), json=body, headers=bearer(scored.organizer))
    assert_error(response, 409 if name.startswith("removing") else 422, field)
    assert await scored.fingerprint() == before


@sqlite_only
async def test_bad_entrant_files_are_refused(scored: Venue) -> None:
    before = await scored.fingerprint()
    headers = {**bearer(scored.organizer), "content-type": "text/csv"}
    response = await scored.client.put(scored.url("/entrants"), content=b"name,organization\nx,y\n", headers=headers)
    assert_error(response, 422)
    response = await scored.client.put(scored.url("/entrants"), content=b"\xff\xfe\x00garbage", headers=headers)
    assert_error(response, 422)
    response = await scored.client.put(
        scored.url("/entrants"), content=b"PK\x03\x04 not really a workbook", headers=headers
    )
    assert_error(response, 422)
    response = await scored.client.put(
        scored.url("/entrants"), content=b"code,name\n" + b"E1,x" * (HUGE // 4), headers=headers
    )
    assert_error(response, 413, "body")
    response = await scored.client.put(
        scored.url("/entrants"), content=b"[", headers={**bearer(scored.organizer), "content-type": "application/json"}
    )
    assert_error(response, 422, "body")
    assert await scored.fingerprint() == before


# -- judges ----------------------------------------------------------------------------------------------------------


JUDGE_CASES: list[tuple[str, Any, int, str]] = [
    ("empty list", [], 422, "body"),
    ("an object", {"code": "N1"}, 422, "body"),
    ("no code", [{"name": "无编号"}], 422, "[0].code"),
    ("code a number", [{"code": 7}], 422, "[0].code"),
    ("chief not a boolean", [{"code": "N1", "chief": "yes"}], 422, "[0].chief"),
    ("unknown key", [{"code": "N1", "panel": "final"}], 422, "[0].panel"),
    ("an existing code", [{"code": "J1"}], 409, "code"),
    ("the same code twice", [{"code": "N1"}, {"code": "N1"}], 409, "code"),
    ("a new code, then an existing one", [{"code": "N1"}, {"code": "J2"}], 409, "code"),
]


@sqlite_only
@pytest.mark.parametrize(("name", "body", "status", "field"), JUDGE_CASES, ids=[c[0] for c in JUDGE_CASES])
async def test_bad_judge_lists_are_refused_and_create_no_one(
    scored: Venue, name: str, body: Any, status: int, field: str
) -> None:
    before = await scored.fingerprint()
    response = await scored.client.post(scored.url("/judges"), json=body, headers=bearer(scored.organizer))
    assert_error(response, status, field)
    assert await scored.fingerprint() == before
    # nobody was half-created: N1 is still free
    response = await scored.client.post(scored.url("/judges"), json=[{"code": "N1"}], headers=bearer(scored.organizer))
    assert response.status_code == 201, response.text


async def test_a_huge_judge_list_is_413(scored: Venue) -> None:
    body = [{"code": f"N{i}", "name": "x" * 200} for i in range(2000)]
    response = await scored.client.post(scored.url("/judges"), json=body, headers=bearer(scored.organizer))
    assert_error(response, 413, "body")
    response = await scored.client.post(scored.url("/judges"), json=[{"code": "N1"}], headers=bearer(scored.organizer))
    assert response.status_code == 201, response.text


# -- rounds ----------------------------------------------------------------------------------------------------------


ROUND_CASES: list[tuple[str, str, Any, int, str]] = [
    ("nothing to change", "prelim", {}, 422, "status"),
    ("unknown status", "prelim", {"status": "closed"}, 422, "status"),
    ("unknown board", "prelim", {"board": "public"}, 422, "board"),
    ("status a number", "prelim", {"status": 1}, 422, "status"),
    ("board a list", "prelim", {"board": ["live"]}, 422, "board"),
    ("reason a number", "prelim", {"status": "locked", "reason": 1}, 422, "reason"),
    ("unknown key", "prelim", {"status": "locked", "why": "x"}, 422, "why"),
    ("not an object", "prelim", ["locked"], 422, "body"),
    ("unknown round", "semi", {"status": "locked"}, 404, "round"),
    ("reveal step negative", "prelim", {"reveal": -1}, 422, "reveal"),
    ("reveal step as text", "prelim", {"reveal": "1"}, 422, "reveal"),
    ("reveal step a bool", "prelim", {"reveal": True}, 422, "reveal"),
    ("reveal step huge", "prelim", {"reveal": 10**12}, 422, "reveal"),
    ("unknown reveal order", "prelim", {"board": "reveal", "reveal_by": "name"}, 422, "reveal_by"),
    ("a step with no reveal running", "prelim", {"reveal": 1}, 409, "reveal"),
    ("a reveal of an open round", "prelim", {"board": "reveal"}, 409, "board"),
]


@sqlite_only
@pytest.mark.parametrize(("name", "key", "body", "status", "field"), ROUND_CASES, ids=[c[0] for c in ROUND_CASES])
async def test_bad_round_changes_are_refused(
    scored: Venue, name: str, key: str, body: Any, status: int, field: str
) -> None:
    before = await scored.fingerprint()
    response = await scored.client.patch(scored.url(f"/rounds/{key}"), json=body, headers=bearer(scored.organizer))
    assert_error(response, status, field)
    assert await scored.fingerprint() == before


@sqlite_only
async def test_unlocking_needs_a_reason(scored: Venue) -> None:
    assert (await scored.round("prelim", status="locked")).status_code == 200
    before = await scored.fingerprint()
    for token in (scored.organizer, scored.chief):
        for body in ({"status": "open"}, {"status": "open", "reason": "  "}):
            assert_error(await scored.round("prelim", token, **body), 422, "reason")
    assert await scored.fingerprint() == before
    response = await scored.round("prelim", scored.chief, status="open", reason="裁判长复核 / chief's review")
    assert response.status_code == 200 and response.json()["status"] == "open"


# -- standings ---------------------------------------------------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": ""}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"limit": "²"}, "limit"),  # '²'.isdigit() is True, int('²') is not a number
        ({"round": "semi"}, "round"),
        ({"rounds": "prelim"}, "rounds"),
    ],
)
async def test_bad_standings_queries_are_422(scored: Venue, params: dict[str, str], field: str) -> None:
    for token in (None, scored.organizer):
        assert_error(await scored.standings(token, **params), 422, field)

"""Errors in the page's language: the pages ask with Accept-Language, API clients that name none get English.

Every `Message` template (the server's, and the scoring core's explanations) has a Chinese translation with the
same placeholders, so a judge on a zh-CN tablet never reads an English sentence the server wrote.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from contest.language import LOCALES_DIR, accepted_locale
from tests.server.conftest import Venue, assert_error, bearer, client_id

ROOT = Path(__file__).resolve().parents[2]


def message_templates() -> set[str]:
    """The first argument of every Message(...) call under contest/, resolving module-level constants."""
    found: set[str] = set()
    for path in (ROOT / "contest").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.targets[0].id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message":
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
                elif isinstance(first, ast.Name):
                    found.add(constants[first.id])
                else:
                    raise AssertionError(f"{path}: Message needs a literal template, got {ast.dump(first)}")
    return found


# what a Chinese message may still spell in Latin letters: its placeholders, and words a user types as they are
TECHNICAL = (
    r"\{[^}]*\}|Authorization: Bearer|client_id|\?entrant=|missing_items = zero"
    r"|--[a-z][a-z-]*|https?://|[a-z]*\.(?:pdf|ttf|otf|ttc)\b|\d{4}-\d\d-\d\dT\d\d:\d\d|xlsx|csv|PNG|JPEG|UTF-8|GB18030|CSV|Excel|BOM|PDF|0-9、a-f|\.csv|\.xlsx|\.json|-o|true|false"
)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_server_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    templates = message_templates()
    assert len(templates) >= 25
    with (LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    missing = sorted(t for t in templates if t not in catalog or not catalog[t].string)
    assert not missing, f"untranslated: {missing}"
    for template in templates:
        translated = catalog[template].string
        assert isinstance(translated, str)
        assert fields(translated) == fields(template), (template, translated)
        prose = re.sub(TECHNICAL, "", translated)
        assert not re.search(r"[A-Za-z]", prose), f"English left in {translated!r}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("zh", "zh_CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, de;q=0.8", None),
        ("", None),
    ],
)
def test_accept_language_picks_the_first_supported_locale(header: str, expected: str | None) -> None:
    assert accepted_locale(header) == expected


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_a_locked_round_is_explained_in_the_language_asked_for(venue: Venue) -> None:
    assert (await venue.round("prelim", status="locked")).status_code == 200
    body = {"entrant": "E1", "round": "prelim", "item": 1, "values": {"execution": "8"}, "client_id": client_id()}
    url = venue.url("/marks")
    judge = bearer(venue.judges["J1"])

    chinese = await venue.client.post(url, json=body, headers={**judge, "accept-language": "zh-CN"})
    assert assert_error(chinese, 403, "round")["message"] == "轮次 'prelim' 已锁定，需裁判长解锁后才能评分"
    english = await venue.client.post(url, json=body, headers={**judge, "accept-language": "en"})
    locked = "round 'prelim' is locked; the chief judge must unlock it first"
    assert assert_error(english, 403, "round")["message"] == locked
    unnamed = await venue.client.post(url, json=body, headers=judge)  # an API client naming no language
    assert assert_error(unnamed, 403, "round")["message"] == english.json()["error"]["message"]

    wrong = await venue.client.post(url, json=body, headers={**bearer("no-such-token"), "accept-language": "zh"})
    assert assert_error(wrong, 401, "authorization")["message"] == "登录码无效（已作废或输错）"
    assert len(await venue.history()) == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_a_value_off_the_criterions_step_is_refused_in_the_language_asked_for(venue: Venue) -> None:
    # the core's own checks (range, step) speak Chinese too, nested message and all
    body = {"entrant": "E1", "round": "prelim", "item": 1, "values": {"execution": "8.3"}, "client_id": client_id()}
    judge = bearer(venue.judges["J1"])
    chinese = await venue.client.post(venue.url("/marks"), json=body, headers={**judge, "accept-language": "zh-CN"})
    message = assert_error(chinese, 422, "values.execution")["message"]
    assert message == "execution：必须从 0 起按 0.5 的步长取值（收到 8.3）"
    english = await venue.client.post(venue.url("/marks"), json=body, headers=judge)
    assert (
        assert_error(english, 422, "values.execution")["message"]
        == "execution: must be a multiple of 0.5 from 0, got 8.3"
    )
    assert len(await venue.history()) == 0

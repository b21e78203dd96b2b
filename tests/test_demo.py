"""`contest demo` as a new user meets it (issue 12, points 7 and 8): it prints, for every contest it loads, the
screen, phone and control links and a login link for each judge and the chief judge, and every one of them opens on
a real server; `--help` promises nothing more. Right after the demo, the standings a client reads without naming a
round are the latest round with marks (the tea contest's operation round, the sensory round being left for the
judges), not an empty board; the first sensory mark moves the default there, unless its board is hidden."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import run_cli
from tests.server.conftest import ServerProcess, bearer, client_id

SLUGS = ("tea-2026", "livestream-2026", "writing-2026", "dive-2026")
JUDGES = {
    "tea-2026": ("J1", "J2", "J3", "J4", "J5", "S1", "S2", "S3"),
    "livestream-2026": ("J1", "J2", "J3", "J4", "J5"),
    "writing-2026": ("J1", "J2", "J3"),
    "dive-2026": ("J1", "J2", "J3", "J4", "J5"),
}


def blocks(out: str) -> dict[str, dict[str, str]]:
    """The demo's output as {slug: {what: link}} (what: screen, phones, control, chief C1, judge J1 ...)."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in out.splitlines():
        head = re.match(r"([a-z0-9-]+-2026)\s", line)
        if head and head.group(1) in SLUGS:
            current = found.setdefault(head.group(1), {})
            continue
        link = re.match(r"  (screen|phones|control|chief judge|judge)\b\D*?([A-Z0-9]*)\s+(http\S+)$", line)
        if current is not None and link:
            what = "chief" if link.group(1) == "chief judge" else link.group(1)
            current[f"{what} {link.group(2)}".strip()] = link.group(3)
    return found


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[str, dict[str, dict[str, str]], str]]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, out, err = run_cli(capsys, "demo", "--no-serve", "--db", url)
    assert code == 0, err
    token = re.search(r"organizer token \(Authorization: Bearer …\): (\S+)", out)
    assert token is not None, out
    server = ServerProcess(url, tmp_path / "serve.log").start()
    # the links name the demo's default address; the test server listens on its own port
    shown = {
        slug: {what: link.replace("http://127.0.0.1:8000", server.url) for what, link in links.items()}
        for slug, links in blocks(out).items()
    }
    try:
        yield server.url, shown, token.group(1)
    finally:
        server.stop()


def test_the_demo_prints_working_links_for_every_contest(demo: tuple[str, dict[str, dict[str, str]], str]) -> None:
    base, shown, _ = demo
    assert sorted(shown) == sorted(SLUGS)
    for slug in SLUGS:
        links = shown[slug]
        expected = {"screen", "phones", "control", "chief C1", *(f"judge {j}" for j in JUDGES[slug])}
        assert set(links) == expected, (slug, links)
        assert links["screen"] == f"{base}/screen/{slug}" and links["phones"] == f"{base}/live/{slug}"
        for what in ("screen", "phones", "control"):
            assert httpx.get(links[what], timeout=30).status_code == 200, (slug, what)
        for what, link in links.items():
            if what.startswith(("judge", "chief")):
                with httpx.Client(timeout=30, follow_redirects=True) as tablet:
                    opened = tablet.get(link)
                assert opened.status_code == 200, (slug, what, opened.text[:300])
                assert opened.url.path == ("/chief" if what.startswith("chief") else "/judge"), (slug, what)


def test_the_demos_help_promises_only_what_exists(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "demo", "--help")
    assert code == 0
    assert "admin" not in out.lower()
    for promised in ("screen", "phone", "control", "chief judge"):
        assert promised in out, promised


def test_the_default_standings_round_is_the_latest_with_marks(demo: tuple[str, dict[str, dict[str, str]], str]) -> None:
    base, _, token = demo
    standings = f"{base}/api/contests/tea-2026/standings"
    first = httpx.get(standings, timeout=30).json()
    assert first["round"] == "operation" and len(first["rows"]) == 8, first  # the sensory round has no marks yet
    assert first["rows"][0]["rank"] == 1 and first["rows"][0]["total"]
    assert httpx.get(f"{base}/api/contests/livestream-2026/standings", timeout=30).json()["rows"]

    body = {
        "entrant": "T01",
        "round": "sensory",
        "values": dict.fromkeys(("外形", "汤色", "香气", "滋味", "叶底"), "80"),
    }
    answer = httpx.post(
        f"{base}/api/contests/tea-2026/marks",
        json={**body, "judge": "S1", "client_id": client_id()},
        headers=bearer(token),
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    assert httpx.get(standings, timeout=30).json()["round"] == "sensory"  # where the contest is now

    hidden = httpx.patch(
        f"{base}/api/contests/tea-2026/rounds/sensory", json={"board": "hidden"}, headers=bearer(token), timeout=30
    )
    assert hidden.status_code == 200, hidden.text
    public = httpx.get(standings, timeout=30)
    assert public.status_code == 200 and public.json()["round"] == "operation"  # the public: the latest it may see
    organizer = httpx.get(standings, headers=bearer(token), timeout=30).json()
    assert organizer["round"] == "sensory"
    asked = httpx.get(f"{standings}?round=sensory", timeout=30)
    assert asked.status_code == 403  # naming the hidden round is still refused

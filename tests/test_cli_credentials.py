"""`contest judges revoke|reissue` and `contest token --list|--revoke` as an organizer runs them (SPEC section 4):
exit codes, the new token alone on the last line, and tokens that stop working in the database at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from contest.db.engine import make_engine, make_sessions
from contest.services.principals import Principal, authenticate

ROOT = Path(__file__).resolve().parent.parent
WRITING = ROOT / "fixtures" / "writing"
SLUG = "writing-2026"


def principal(db_url: str, token: str) -> Principal | None:
    engine = make_engine(db_url)
    try:
        with make_sessions(engine)() as session:
            return authenticate(session, token)
    finally:
        engine.dispose()


@pytest.fixture
def loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, dict[str, str]]:
    """The writing fixture loaded with its marks (its judges come from the marks); their tokens by code."""
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    code, out, err = run_cli(
        capsys, "load", WRITING / "contest.toml", "--entrants", WRITING / "entrants.csv",
        "--marks", WRITING / "marks.csv", "--db", url,
    )  # fmt: skip
    assert code == 0, err
    tokens = {}
    for line in out.splitlines():
        if line.startswith("judge "):
            judge, _, token = line.removeprefix("judge ").partition(": token ")
            tokens[judge] = token
    assert set(tokens) == {"J1", "J2", "J3"}, out
    return url, tokens


def test_reissue_prints_the_link_then_the_new_token_and_the_old_one_stops(
    loaded: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens = loaded
    monkeypatch.setenv("CONTEST_PUBLIC_URL", "https://venue.example/")
    code, out, err = run_cli(capsys, "judges", "reissue", SLUG, "J1", "--db", url)
    assert code == 0, err
    lines = out.strip().splitlines()
    new = lines[-1]
    assert len(new) >= 20 and " " not in new
    assert lines[-2].endswith(f"https://venue.example/j/{new}")
    assert principal(url, tokens["J1"]) is None
    found = principal(url, new)
    assert found is not None and (found.role, found.judge) == ("judge", "J1")
    # revoke: the new token ends too
    code, out, err = run_cli(capsys, "judges", "revoke", SLUG, "J1", "--db", url)
    assert code == 0, err
    assert "1 token(s) revoked" in out
    assert principal(url, new) is None
    assert principal(url, tokens["J2"]) is not None  # the others go on


def test_judges_commands_refuse_unknown_judges_and_contests_plainly(
    loaded: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = loaded
    for args in (("revoke", SLUG, "J9"), ("reissue", "no-such", "J1")):
        code, out, err = run_cli(capsys, "judges", *args, "--db", url)
        assert code == 1, (out, err)
        assert "Traceback" not in err and ("'J9'" in err or "'no-such'" in err)
        assert out == ""


def test_tokens_are_listed_and_revoked_by_id(
    loaded: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = loaded
    code, out, _ = run_cli(capsys, "token", "--role", "recorder", "--db", url)
    assert code == 0
    recorder = out.strip().splitlines()[-1]
    assert principal(url, recorder) is not None
    code, out, _ = run_cli(capsys, "token", "--list", "--db", url)
    assert code == 0
    rows = [line.split() for line in out.strip().splitlines()]
    assert rows[0][:3] == ["id", "role", "contest"]
    assert recorder not in out
    mine = next(row for row in rows[1:] if row[1] == "recorder")
    assert mine[-2:] == ["valid", "0"]
    code, out, _ = run_cli(capsys, "token", "--list", "--role", "judge", "--db", url)
    assert {row[1] for row in (line.split() for line in out.strip().splitlines()[1:])} == {"judge"}
    code, out, err = run_cli(capsys, "token", "--revoke", mine[0], "--db", url)
    assert code == 0, err
    assert f"token {mine[0]} (recorder) revoked" in out
    assert principal(url, recorder) is None
    code, out, _ = run_cli(capsys, "token", "--list", "--role", "recorder", "--db", url)
    assert "revoked" in out.splitlines()[1]
    # asking for nothing, or for two things at once, is a usage error; an unknown id fails plainly
    assert run_cli(capsys, "token", "--db", url)[0] == 2
    assert run_cli(capsys, "token", "--list", "--revoke", "1", "--db", url)[0] == 2
    code, _, err = run_cli(capsys, "token", "--revoke", "99999", "--db", url)
    assert code == 1 and "no token with id 99999" in err

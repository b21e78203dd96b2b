"""`contest verify SLUG --db URL`: every standing of a contest, as a server builds its boards (loaded at once, and
replayed from the change log one change at a time), against a fresh computation from the stored marks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

SLUGS = {"tea": "tea-2026", "livestream": "livestream-2026", "diving": "dive-2026", "writing": "writing-2026"}


@pytest.fixture
def loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The four fixture contests, loaded with `contest load` into a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    for name in SLUGS:
        folder = FIXTURES / name
        code, _, err = run_cli(
            capsys, "load", folder / "contest.toml", "--entrants", folder / "entrants.csv",
            "--marks", folder / "marks.csv", "--db", url,
        )  # fmt: skip
        assert code == 0, err
    return url


def test_the_fixtures_standings_agree(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    # rounds x ways of building the boards (loaded at once, replayed, loaded half-way), x2 with two groups
    expected = {"tea": (9, 82), "livestream": (27, 72), "diving": (6, 176), "writing": (3, 37)}
    for name, slug in SLUGS.items():
        count, version = expected[name]
        assert run_cli(capsys, "verify", slug, "--db", loaded) == (
            0,
            f"all {count} standings agree (version {version})\n",
            "",
        ), name
    code, out, _ = run_cli(capsys, "verify", "tea-2026", "--db", loaded, "--lang", "zh-CN")
    assert (code, out) == (0, "全部 9 个排名与重新计算的结果一致（版本 82）\n")


def test_a_version_counter_behind_the_stored_marks_is_a_difference(
    loaded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the contest's change counter is derived (the newest change's number); set back by 3, as a bad restore or a
    # hand edit would, the server's boards stop before the last three submissions: D04's last dive in the final
    with sqlite3.connect(loaded.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE contests SET seq = seq - 3 WHERE slug = 'dive-2026'")
    code, out, err = run_cli(capsys, "verify", "dive-2026", "--db", loaded)
    assert (code, err) == (1, "")
    lines = out.splitlines()
    views = "loaded at once; replayed one change at a time; loaded at version 86, caught up at once"
    assert lines[0] == "11 differences between the standings shown and a fresh computation (version 176):"
    assert lines[1] == f"  {views}: the boards are at version 173, the stored changes at version 176"
    assert f"  round final, all groups, {views}, entrant D04: total shown —, fresh 438.90" in lines
    assert f"  round final, all groups, {views}, entrant D02: award shown 银牌, fresh 铜牌" in lines
    assert len(lines) == 12
    # the other contests in the database are untouched
    assert run_cli(capsys, "verify", "tea-2026", "--db", loaded)[0] == 0


def test_an_unknown_contest(loaded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "verify", "no-such", "--db", loaded) == (2, "", "error: no contest 'no-such'\n")


def test_a_load_of_more_marks_than_one_batch_gives_every_submission_its_own_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `contest load` writes its submissions 200 at a time in one transaction: each batch must read the version
    # the one before it left, not the one the contest had when the load began
    (tmp_path / "contest.toml").write_text(
        '[contest]\nslug = "big"\ntitle = "大"\njudges = ["J1", "J2"]\n\n'
        '[[criteria]]\nkey = "a"\nmin = 0\nmax = 10\n\n[scoring]\npanel = "mean"\nitem = "a"\n',
        encoding="utf-8",
    )
    codes = [f"E{n:03d}" for n in range(250)]
    (tmp_path / "entrants.csv").write_text("code,name\n" + "".join(f"{c},选手{c}\n" for c in codes), encoding="utf-8")
    marks = "".join(f"{c},main,1,a,{j},{(n + len(j)) % 11}\n" for n, c in enumerate(codes) for j in ("J1", "J2"))
    (tmp_path / "marks.csv").write_text("entrant,round,item,criterion,judge,value\n" + marks, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    files = (tmp_path / "contest.toml", "--entrants", tmp_path / "entrants.csv", "--marks", tmp_path / "marks.csv")
    code, _, err = run_cli(capsys, "load", *files, "--db", url)
    assert code == 0, err
    with sqlite3.connect(tmp_path / "venue.db") as db:
        versions = [seq for (seq,) in db.execute("SELECT seq FROM submissions ORDER BY id")]
        (contest_version,) = db.execute("SELECT seq FROM contests WHERE slug = 'big'").fetchone()
    assert len(versions) == 500 and len(set(versions)) == 500 and versions == sorted(versions)
    assert contest_version == versions[-1]
    code, out, _ = run_cli(capsys, "verify", "big", "--db", url)
    assert (code, out) == (0, f"all 3 standings agree (version {contest_version})\n")

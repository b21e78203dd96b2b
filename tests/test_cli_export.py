"""`contest export SLUG [--db URL] [-o OUT.(xlsx|csv)|DIR] [--round KEY] [--lang zh-CN|en]`: the files the console
offers, from the command line, named after the version they show; bad input exits 2 with one line and writes
nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from openpyxl import load_workbook


@pytest.fixture
def venue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'venue.db'}"
    folder = FIXTURES / "diving"
    code, _, err = run_cli(
        capsys, "load", folder / "contest.toml", "--entrants", folder / "entrants.csv",
        "--marks", folder / "marks.csv", "--db", url,
    )  # fmt: skip
    assert code == 0, err
    return url


def test_the_workbook_named_after_its_version(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    code, stdout, err = run_cli(capsys, "export", "dive-2026", "--db", venue, "--lang", "zh-CN")
    assert (code, stdout) == (0, "")
    assert err == "dive-2026-v176.xlsx：6 个工作表，截至版本 176\n"  # no progress bar when not on a terminal
    book = load_workbook(out / "dive-2026-v176.xlsx")
    assert book.sheetnames[:2] == ["说明", "总成绩（决赛 ／ Final）"]
    assert book["说明"]["B4"].value == "截至版本 176"
    assert book.worksheets[1]["A1"].value == "名次"
    # into a directory, in English
    code, _, err = run_cli(capsys, "export", "dive-2026", "--db", venue, "-o", tmp_path, "--lang", "en")
    assert code == 0, err
    assert err == f"{tmp_path / 'dive-2026-v176.xlsx'}: 6 sheets, as of version 176\n"
    assert load_workbook(tmp_path / "dive-2026-v176.xlsx").worksheets[1]["A1"].value == "Rank"


def test_a_csv_of_a_round_equals_contest_compute(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "prelim.csv"
    code, _, err = run_cli(capsys, "export", "dive-2026", "--db", venue, "-o", target, "--round", "prelim")
    assert code == 0, err
    assert err == f"{target}: 6 entrants, as of version 176\n"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    exported = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    folder = FIXTURES / "diving"
    _, out, _ = run_cli(
        capsys, "compute", folder / "contest.toml", "--marks", folder / "marks.csv",
        "--entrants", folder / "entrants.csv", "--round", "prelim",
    )  # fmt: skip
    computed = list(csv.reader(io.StringIO(out)))
    assert exported[0][:4] == ["Rank", "Code", "Name", "Organization"]
    # rank, code, name, organization, the round's total, total and award as `contest compute` gives them
    assert [r[:7] for r in exported[1:]] == [r[:7] for r in computed[1:]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no contest 'nope'"),
        (
            ["dive-2026", "-o", "x.pdf"],
            "error: -o: expected a file ending in .xlsx or .csv, or a directory, got 'x.pdf'",
        ),
        (["dive-2026", "-o", "x.xlsx", "--round", "prelim"], "error: --round: a round is chosen for a CSV file only"),
        (["dive-2026", "-o", "x.csv", "--round", "semi"], "error: --round: no round 'semi'; rounds: prelim, final"),
        (["dive-2026", "-o", "missing/"], "error: -o: no directory 'missing'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    venue: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    code, out, err = run_cli(capsys, "export", *args, "--db", venue)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err
    assert set(tmp_path.iterdir()) == before

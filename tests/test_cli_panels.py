"""`contest panels` on the fixture of 2,000 entrants in eight panels of five (README: "Panels and assignments"):
the assignments in force exported, a draw of whole panels with recusal (回避) recorded by its seed and reproducible,
an import of a CSV that moves an entrant, and a refused import naming the recused pair."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from contest.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "panels"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as stream:
        return list(csv.DictReader(stream))


def test_panels_export_draw_and_import_on_the_2000_entrant_fixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'venue.db'}"
    code, out, err = run(capsys, "load", FIXTURE / "contest.toml", "--entrants", FIXTURE / "entrants.csv", "--db", db)
    assert code == 0, err

    # the contest file's panels: panel A has T0001-T0250, five judges each
    code, out, err = run(capsys, "panels", "export", "panels-2026", "--db", db, "-o", tmp_path / "file.csv")
    assert code == 0, err
    given = rows(tmp_path / "file.csv")
    assert len(given) == 2000 * 5
    assert {r["judge"] for r in given if r["entrant"] == "T0001"} == {"J01", "J02", "J03", "J04", "J05"}
    assert Counter(r["panel"] for r in given) == {k: 250 * 5 for k in "ABCDEFGH"}

    # a draw of whole panels: balanced, nobody from their own organization's block, the seed recorded
    code, out, err = run(
        capsys, "panels", "draw", "panels-2026", "--round", "prelim", "--by", "panels", "--seed", 7, "--db", db
    )
    assert code == 0, err
    assert "seed 7" in out and "2000 entrants" in out
    run(capsys, "panels", "export", "panels-2026", "--db", db, "-o", tmp_path / "drawn.csv")
    drawn = rows(tmp_path / "drawn.csv")
    per_panel = Counter(
        r["panel"] for r in drawn if r["judge"] in {"J01", "J06", "J11", "J16", "J21", "J26", "J31", "J36"}
    )
    assert max(per_panel.values()) - min(per_panel.values()) <= 1
    # panel A's judges are of 二赛区: they never get an entrant of 二赛区 (T0251-T0500), nor J01 T0300
    assert not [r for r in drawn if r["panel"] == "A" and 251 <= int(r["entrant"][1:]) <= 500]
    code, out, err = run(
        capsys, "panels", "draw", "panels-2026", "--round", "prelim", "--by", "panels", "--seed", 7, "--db", db
    )
    run(capsys, "panels", "export", "panels-2026", "--db", db, "-o", tmp_path / "again.csv")
    assert rows(tmp_path / "again.csv") == drawn

    # an import: the short form moves T0001 to panel B; a recused pair is refused, nothing changed
    moved = tmp_path / "moved.csv"
    moved.write_text("entrant,round,item,panel\nT0001,prelim,,B\n", encoding="utf-8")
    code, out, err = run(capsys, "panels", "import", "panels-2026", moved, "--db", db)
    assert code == 0, err
    run(capsys, "panels", "export", "panels-2026", "--db", db, "-o", tmp_path / "now.csv")
    now = rows(tmp_path / "now.csv")
    assert {r["judge"] for r in now if r["entrant"] == "T0001"} == {"J06", "J07", "J08", "J09", "J10"}
    assert len(now) == 2000 * 5  # the other entrants keep their panels
    bad = tmp_path / "bad.csv"
    bad.write_text("entrant,round,judge\n" + "".join(f"T0300,prelim,J0{n}\n" for n in range(1, 6)), encoding="utf-8")
    code, out, err = run(capsys, "panels", "import", "panels-2026", bad, "--db", db)
    assert code != 0 and "J01" in err and "T0300" in err
    run(capsys, "panels", "export", "panels-2026", "--db", db, "-o", tmp_path / "still.csv")
    assert rows(tmp_path / "still.csv") == rows(tmp_path / "now.csv")

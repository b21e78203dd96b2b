"""Golden test: the worked example of README "Per-round scoring, panels and modules" (fixtures/pastry).

Twelve entrants, a pool of ten judges. Each piece of the `works` round is judged by its own five judges
(panel_size = 5, highest and lowest dropped); the `final` is judged by two panels over two halves of the field,
the second lenient, and normalised with z-scores. The expected standings are checked twice: as literal CSV, and
against an independent computation of the README's rules (fractions for the trimmed means, Decimal square roots
at 60 digits for the z-scores) that shares no code with the core.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from contest.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "pastry"

FINAL = """\
rank,entrant,name,organization,works,final,total,award
1,M04,刘洋,老成都面馆,8.65,9.79,9.34,一等奖
2,M02,李秀兰,锦江宾馆,8.17,9.01,8.67,二等奖
3,M03,张伟,市烹饪协会,7.57,9.08,8.47,二等奖
4,M09,周杰,市烹饪协会,8.57,8.36,8.45,三等奖
5,M11,徐峰,市职业技术学院,7.93,8.62,8.34,三等奖
6,M07,赵磊,市第一人民医院食堂,8.25,8.07,8.14,三等奖
7,M10,吴敏,老成都面馆,7.63,8.07,7.89,
8,M08,黄丽,锦江宾馆,7.50,7.24,7.34,
9,M01,王建国,市第一人民医院食堂,7.10,7.48,7.33,
10,M06,杨帆,蜀香园酒楼,7.20,7.24,7.23,
11,M05,陈静,市职业技术学院,6.98,6.24,6.54,
,M12,孙莉,蜀香园酒楼,,8.95,,
"""


def compute(capsys: pytest.CaptureFixture[str], *extra: str, folder: Path = FIXTURE) -> tuple[int, str, str]:
    args = ["compute", str(folder / "contest.toml"), "--marks", str(folder / "marks.csv")]
    code = main([*args, "--entrants", str(folder / "entrants.csv"), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_final_standing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys)
    assert (code, err) == (0, "")
    assert out == FINAL


def test_the_incomplete_piece_says_which_count_is_short(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--round", "works", "--explain", "M12", "--lang", "en")
    assert (code, err) == (0, "")
    assert "    - works item 2: taste 4 of 5 marks" in out.splitlines()


def test_explain_shows_raw_and_normalised_marks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = compute(capsys, "--explain", "M07", "--lang", "en")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # the second piece had its own five judges, not the first piece's
    assert any(line.startswith("  works item 2 · craft: J01 7.5, J04 7.5, J06 9, J07 9, J08 8.5;") for line in lines)
    normalised = next(line for line in lines if line.startswith("  final · craft: normalised (zscore): "))
    assert "J06 9.5 → 7.52376" in normalised  # 7.5237678812: z-scores are kept to 10 places
    assert lines[-1] == "  total 8.14: rank 6, 三等奖"


def test_without_normalisation_the_lenient_panel_takes_the_top_five(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("entrants.csv", "marks.csv"):
        (tmp_path / name).write_bytes((FIXTURE / name).read_bytes())
    text = (FIXTURE / "contest.toml").read_text(encoding="utf-8").replace('normalize = "zscore"', 'normalize = "none"')
    (tmp_path / "contest.toml").write_text(text, encoding="utf-8")
    code, out, err = compute(capsys, folder=tmp_path)
    assert (code, err) == (0, "")
    top = [line.split(",")[1] for line in out.splitlines()[1:6]]
    assert sorted(top) == ["M07", "M08", "M09", "M10", "M11"]  # all judged by J06-J10


# -- the same standing from the README's rules alone ------------------------------------------------------------

WIDE = Context(prec=60)
TEN_PLACES = Decimal(1).scaleb(-10)


def trimmed_mean(values: list[Fraction]) -> Fraction:
    kept = sorted(values)[1:-1]
    return sum(kept, Fraction(0)) / len(kept)


def independent_standing() -> dict[str, Decimal]:
    marks: dict[tuple[str, str, int, str], dict[str, Decimal]] = defaultdict(dict)
    with (FIXTURE / "marks.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            marks[(row["entrant"], row["round"], int(row["item"]), row["criterion"])][row["judge"]] = Decimal(
                row["value"]
            )
    # z-scores of the final: per criterion, each judge's marks onto the round's mean and deviation
    normalised: dict[tuple[str, str, str], Fraction] = {}
    for crit in ("craft", "taste"):
        everything = [v for (e, r, i, c), by in marks.items() if r == "final" and c == crit for v in by.values()]
        n = len(everything)
        mean = WIDE.divide(sum(everything), n)
        deviation = WIDE.sqrt(WIDE.divide(sum(WIDE.power(v - mean, 2) for v in everything), n))
        judges = {j for (e, r, i, c), by in marks.items() if r == "final" and c == crit for j in by}
        for judge in judges:
            own = {e: by[judge] for (e, r, i, c), by in marks.items() if r == "final" and c == crit and judge in by}
            m = WIDE.divide(sum(own.values()), len(own))
            s = WIDE.sqrt(WIDE.divide(sum(WIDE.power(v - m, 2) for v in own.values()), len(own)))
            for entrant, value in own.items():
                z = WIDE.divide(value - m, s)
                shown = (mean + deviation * z).quantize(TEN_PLACES, rounding=ROUND_HALF_UP, context=WIDE)
                normalised[(entrant, crit, judge)] = Fraction(shown)
    totals: dict[str, Decimal] = {}
    entrants = sorted({e for e, *_ in marks})
    for entrant in entrants:
        pieces = []
        for item in (1, 2):
            craft = marks[(entrant, "works", item, "craft")]
            taste = marks[(entrant, "works", item, "taste")]
            if len(craft) != 5 or len(taste) != 5:
                break
            c = trimmed_mean([Fraction(v) for v in craft.values()])
            t = trimmed_mean([Fraction(v) for v in taste.values()])
            pieces.append(Fraction(2, 5) * c + Fraction(3, 5) * t)
        else:
            works = sum(pieces, Fraction(0)) / 2
            final_parts = {
                crit: trimmed_mean([normalised[(entrant, crit, j)] for j in marks[(entrant, "final", 1, crit)]])
                for crit in ("craft", "taste")
            }
            final = Fraction(2, 5) * final_parts["craft"] + Fraction(3, 5) * final_parts["taste"]
            total = Fraction(2, 5) * works + Fraction(3, 5) * final
            exact = Decimal(total.numerator) / Decimal(total.denominator)
            totals[entrant] = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return totals


def test_the_standing_agrees_with_an_independent_computation_of_the_rules() -> None:
    ranked = {line.split(",")[1]: Decimal(line.split(",")[6]) for line in FINAL.splitlines()[1:] if line.split(",")[0]}
    assert ranked == independent_standing()

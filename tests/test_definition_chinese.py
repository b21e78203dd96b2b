"""The contest file's checks in Chinese: `contest compute bad.toml --lang zh-CN` names every problem in Chinese,
and the same file without --lang (an English environment) gives the English lines, unchanged."""

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli

from contest.language import gettext_for
from contest.scoring import DefinitionError, parse_definition
from contest.scoring.formula import FormulaEvalError, parse_formula
from contest.scoring.messages import translated

BAD = """
[contest]
slug = "zh-check"
title = "中文检查"
judges = ["J1", "J2", "J3", "J4"]

[[criteria]]
key = "外形"
min = 10
max = 0

[[criteria]]
key = "香气"
min = 0
max = 10

[[criteria]]
key = "滋味"
min = 0
max = 10
step = 3

[scoring]
panel = "trimmed_mean"
drop = 2
item = "0.3*外形 + 0.3*香气 + 0.3*滋味"

[scoring.subtotals]
"甲" = "乙 + 1"
"乙" = "甲 * 2"

[[rounds]]
key = "初赛"
standing = "初赛 + 复赛"

[[awards]]
name = "一等奖"
"""

CHINESE = [
    "错误：比赛文件有误",
    "  - criteria[1].max（第 10 行）：必须大于最小值 10（收到 0）",
    "  - criteria[3].step（第 21 行）：3 不能把 0 到 10 的范围分成整数个步长",
    "  - scoring.drop（第 25 行）：4 名裁判的评委组不能去掉 2 个最高分和 2 个最低分",
    "  - scoring.subtotals.甲（第 29 行）：小计之间循环引用：甲 -> 乙 -> 甲",
    "  - scoring.item（第 26 行）：权重之和为 0.9，不是 1（100%）：0.3 + 0.3 + 0.3",
    "  - rounds[1].standing（第 34 行）：公式用到了未知的键 '复赛'；可用的是本轮次及之前各轮次的键：初赛",
    "  - awards[1].top（第 36 行）：奖项需要 top = N 或 share = 0.1（获奖人数占排名选手的比例）",
]

ENGLISH = [
    "error: invalid contest file",
    "  - criteria[1].max (line 10): must be greater than min (10), got 0",
    "  - criteria[3].step (line 21): 3 does not divide the range 0 to 10 into whole steps",
    "  - scoring.drop (line 25): a panel of 4 judges cannot drop 2 highest and 2 lowest",
    "  - scoring.subtotals.甲 (line 29): subtotals refer to each other in a cycle: 甲 -> 乙 -> 甲",
    "  - scoring.item (line 26): weights add up to 0.9, not 1 (100%): 0.3 + 0.3 + 0.3",
    "  - rounds[1].standing (line 34): names unknown key '复赛'; it may use round keys of this round and earlier"
    " ones: 初赛",
    "  - awards[1].top (line 36): an award needs top = N or share = 0.1 (a fraction of the ranked entrants)",
]


@pytest.fixture
def bad(tmp_path: Path) -> tuple[Path, Path]:
    contest, marks = tmp_path / "bad.toml", tmp_path / "m.csv"
    contest.write_text(BAD, encoding="utf-8")
    marks.write_text("entrant,round,item,criterion,judge,value\n", encoding="utf-8")
    return contest, marks


def test_contest_file_problems_in_chinese(bad: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    contest, marks = bad
    code, out, err = run_cli(capsys, "compute", contest, "--marks", marks, "--lang", "zh-CN")
    assert (code, out) == (2, "")
    assert err.splitlines() == CHINESE


def test_contest_file_problems_stay_english_without_lang(
    bad: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    contest, marks = bad
    code, out, err = run_cli(capsys, "compute", contest, "--marks", marks)
    assert (code, out) == (2, "")
    assert err.splitlines() == ENGLISH


HEAD = """
[contest]
slug = "zh-check"
title = "中文检查"

[[criteria]]
key = "外形"
min = 0
max = 10

[[criteria]]
key = "扣分"
judged = false
deduction = true
min = 0
max = 5
"""


@pytest.mark.parametrize(
    ("extra", "chinese"),
    [
        (
            '[scoring]\nitem = "外形 - 茶香"',
            "scoring.item（第 19 行）：公式用到了未知的键 '茶香'；可用的是本轮次的评分项、小计或 panel：外形",
        ),
        ('[scoring]\nitem = "外形 ** 2"', "scoring.item（第 19 行）：运算符只能用 + - * /"),
        ('[scoring]\nitem = "round(外形)"', "scoring.item（第 19 行）：只能使用这些函数：min, max, abs"),
        ('[scoring]\nitem = "max(外形)"', "scoring.item（第 19 行）：max() 需要两个或更多的值"),
        (
            '[scoring]\nitem = "外形 > 1"',
            "scoring.item（第 19 行）：公式中不能使用比较或 and/or；请改用 min() 和 max()",
        ),
        ('[scoring]\nitem = "-0.5*外形"', "scoring.item（第 19 行）：给 '外形' 的权重是 -0.5；权重必须大于 0"),
        ('[scoring]\nitem = "2"', "scoring.item（第 19 行）：没有用到任何键，每位选手都会得到相同的分数"),
        ("[scoring]\ndrop = 1", "scoring.drop（第 19 行）：只有 trimmed_mean 和 trimmed_sum 会去掉分数，mean 不会"),
        (
            '[[criteria]]\nkey = "min"\nmin = 0\nmax = 1',
            "criteria[3].key（第 19 行）：'min' 不能用作键：须由字母（可含汉字）、数字和 _ 组成，不以数字开头，"
            "且不能是 min、max、abs 或 panel",
        ),
        ('[[criteria]]\nkey = "外形"\nmin = 0\nmax = 1', "criteria[3].key（第 19 行）：'外形' 已被另一个评分项使用"),
    ],
    ids=[
        "unknown-name",
        "operator",
        "function",
        "max-arity",
        "comparison",
        "negative-weight",
        "no-key",
        "drop-untrimmed",
        "reserved-key",
        "duplicate-key",
    ],
)
def test_each_check_speaks_chinese(extra: str, chinese: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(HEAD + "\n" + extra + "\n")
    gettext = gettext_for("zh_CN")
    assert [p.text(gettext) for p in caught.value.problems] == [chinese]


def test_toml_syntax_errors_keep_the_parser_text_inside_a_chinese_sentence() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition("[contest\n")
    assert caught.value.text(gettext_for("zh_CN")).startswith("比赛文件有误\n  - 第 1 行：不是有效的 TOML：")
    assert caught.value.text().startswith("invalid contest file\n  - line 1: not valid TOML: ")


def test_division_by_zero_is_a_message() -> None:
    formula = parse_formula("外形 / 香气")
    with pytest.raises(FormulaEvalError) as caught:
        formula.evaluate({"外形": Decimal(1), "香气": Decimal(0)})
    assert str(caught.value) == "division by zero"
    assert translated(caught.value.args[0], gettext_for("zh_CN")) == "除数为零"

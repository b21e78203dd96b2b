"""`contest certificates`: the tea fixture loaded into SQLite, its final round locked, certificates written and read
back with pypdf (text, fonts, pages) — one page per award winner, everyone with --all, the serials signed, the
font embedded and subset; garbage options refused naming the option, with no file written."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from pypdf import PdfReader

from contest.db.engine import make_engine, make_sessions
from contest.live.boards import BoardRegistry
from contest.services import rounds, serials
from contest.services.principals import Principal

SLUG = "tea-2026"
# the final standing of the fixture (sensory round): 一等奖 top 1, 二等奖 2, 三等奖 3 (a tie at 86.24)
WINNERS = [
    ("李堃", "一等奖"),
    ("杨淼", "二等奖"),
    ("王芳", "二等奖"),
    ("王喆", "三等奖"),
    ("陈晓燕", "三等奖"),
    ("赵德明", "三等奖"),
]
OTHERS = ("张秀英", "刘建国")  # no award
SERIAL = re.compile(r"证书编号：([A-Z2-7]{4}(?:-[A-Z2-7]{1,4})+)")


def load_tea(folder: Path, capsys: pytest.CaptureFixture[str], *, lock: bool = True) -> str:
    """The tea fixture in a fresh SQLite file (its final round locked): the database URL."""
    url = f"sqlite:///{folder / 'venue.db'}"
    tea = FIXTURES / "tea"
    code, _, err = run_cli(
        capsys, "load", tea / "contest.toml", "--entrants", tea / "entrants.csv", "--marks", tea / "marks.csv",
        "--db", url,
    )  # fmt: skip
    assert code == 0, err
    if lock:
        engine = make_engine(url)
        rounds.set_round(make_sessions(engine), Principal("organizer"), SLUG, "sensory", status="locked")
        engine.dispose()
    return url


def page_texts(path: Path) -> list[str]:
    """Each page's text without whitespace and NULs: pypdf reads fpdf2's two-byte glyph codes with a NUL or a space
    between characters (poppler's pdftotext reads them clean: 荣誉证书 李堃 ...)."""
    return [re.sub(r"[\s\x00]", "", page.extract_text()) for page in PdfReader(path).pages]


def serials_of(path: Path) -> list[str]:
    found = [SERIAL.search(text) for text in page_texts(path)]
    assert all(found)
    return [m.group(1) for m in found if m]


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("certificates")

    class Quiet:  # run_cli reads the captured output; a module-scoped fixture has no capsys
        def readouterr(self) -> tuple[str, str]:
            return "", ""

    return load_tea(folder, Quiet())  # type: ignore[arg-type]


def test_one_page_per_winner_with_names_awards_issuer_and_date(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "certs.pdf"
    code, _, err = run_cli(
        capsys, "certificates", SLUG, "--db", venue, "-o", out, "--issuer", "旺苍县总工会", "--date", "2026-06-01",
        "--url", "https://scores.example.cn",
    )  # fmt: skip
    assert code == 0, err
    assert f"{out}：6 张证书，排名版本" in err
    texts = page_texts(out)
    assert len(texts) == len(WINNERS)
    for text, (name, award) in zip(texts, WINNERS, strict=True):
        assert text.startswith("荣誉证书" + name)
        assert f"中荣获{award}。" in text
        assert "手工制茶技能大赛" in text and "旺苍县总工会" in text and "2026年6月1日" in text
        assert "查验：https://scores.example.cn/verify" in text
    assert not any(other in "".join(texts) for other in OTHERS)
    assert len(set(serials_of(out))) == len(WINNERS)


def test_the_pdf_embeds_and_subsets_its_font(venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "certs.pdf"
    assert run_cli(capsys, "certificates", SLUG, "--db", venue, "-o", out)[0] == 0
    fonts = _fonts(out)
    assert fonts, "no font in the PDF"
    for name, files in fonts:
        assert re.fullmatch(r"[A-Z]{6}\+NotoSerifSC", name), name
        assert files & {"/FontFile2", "/FontFile3"}, (name, files)
    assert out.stat().st_size < 400_000  # subset: the whole font is 10+ MB


def _fonts(path: Path) -> list[tuple[str, set[str]]]:
    found = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                found.append((str(descriptor["/FontName"]).lstrip("/"), set(descriptor.keys())))
    return found


def test_all_gives_everyone_who_took_part(venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "all.pdf"
    code, _, err = run_cli(capsys, "certificates", SLUG, "--db", venue, "-o", out, "--all")
    assert code == 0, err
    texts = page_texts(out)
    assert len(texts) == len(WINNERS) + len(OTHERS)
    for other in OTHERS:
        (page,) = [t for t in texts if other in t]
        assert page.startswith("参赛证书" + other) and "荣获" not in page


def test_english_certificates(venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "en.pdf"
    assert (
        run_cli(capsys, "certificates", SLUG, "--db", venue, "-o", out, "--lang", "en", "--date", "2026-06-01")[0] == 0
    )
    first = page_texts(out)[0]
    assert "CertificateofHonour" in first and "1June2026" in first


def test_serials_from_the_pdf_verify_and_altered_ones_do_not(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "certs.pdf"
    assert run_cli(capsys, "certificates", SLUG, "--db", venue, "-o", out, "--date", "2026-06-01")[0] == 0
    engine = make_engine(venue)
    db = make_sessions(engine)
    registry = BoardRegistry(db)
    try:
        for serial, (name, award) in zip(serials_of(out), WINNERS, strict=True):
            verdict = serials.verify(db, registry, serial)
            assert (verdict.state, verdict.name, verdict.award, verdict.issued) == (
                "genuine", name, award, date(2026, 6, 1),
            )  # fmt: skip
            assert serials.verify(db, registry, serial.lower().replace("-", "")).state == "genuine"
            for i, char in enumerate(serial):
                if char == "-":
                    continue
                other = "B" if char == "A" else "A"
                assert serials.verify(db, registry, serial[:i] + other + serial[i + 1 :]).state in (
                    "forged",
                    "malformed",
                )
    finally:
        engine.dispose()


def test_own_font_and_background(venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from contest.exports.fonts import cjk_font

    background = tmp_path / "frame.png"
    Image.new("RGB", (297, 210), (250, 240, 200)).save(background)
    out = tmp_path / "own.pdf"
    code, _, err = run_cli(
        capsys, "certificates", SLUG, "--db", venue, "-o", out, "--font", cjk_font("sans"), "--background", background
    )
    assert code == 0, err
    assert {re.sub(r"^[A-Z]{6}\+", "", name) for name, _ in _fonts(out)} == {"NotoSansSC"}
    reader = PdfReader(out)
    images = reader.pages[0]["/Resources"]["/XObject"]
    assert len(images) == 1
    # one image object however many pages show it
    shown = {p["/Resources"]["/XObject"].raw_get(k).idnum for p in reader.pages for k in p["/Resources"]["/XObject"]}
    assert len(shown) == 1
    assert "李堃" in page_texts(out)[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-01"], "--date：应为形如 2026-05-20 的日期，收到 '2026-13-01'"),
        (["--date", "soon"], "--date：应为形如 2026-05-20 的日期"),
        (["--font", "missing.ttf"], "--font：找不到字体文件：missing.ttf"),
        (["--font", "{notes}"], "--font：应为 .ttf、.otf 或 .ttc 字体文件："),
        (["--font", "{fake_font}"], "--font：无法使用此字体文件"),
        (["--background", "{notes}"], "--background：应为 PNG 或 JPEG 图片"),
        (["--background", "{fake_png}"], "--background：不是可读取的 PNG 或 JPEG 图片"),
        (["--url", "scores.example.cn"], "--url：应为以 http:// 或 https:// 开头的地址"),
        (["--issuer", "会" * 201], "--issuer：最多 200 个字符"),
    ],
)
def test_garbage_options_are_refused_naming_the_option(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a font")
    (tmp_path / "fake.ttf").write_text("not a font either")
    (tmp_path / "fake.png").write_bytes(b"\x89PNG but not really")
    paths = {"notes": tmp_path / "notes.txt", "fake_font": tmp_path / "fake.ttf", "fake_png": tmp_path / "fake.png"}
    out = tmp_path / "certs.pdf"
    code, stdout, err = run_cli(
        capsys, "certificates", SLUG, "--db", venue, "-o", out, "--lang", "zh-CN", *[a.format(**paths) for a in args]
    )
    assert code == 2 and stdout == ""
    assert err.startswith("错误：" + message) or message in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_output_unknown_contest_and_unlocked_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = load_tea(tmp_path, capsys, lock=False)
    code, _, err = run_cli(capsys, "certificates", SLUG, "--db", url, "-o", tmp_path / "certs.txt", "--lang", "zh-CN")
    assert (code, err) == (2, "错误：-o：应为以 .pdf 结尾的文件，收到 'certs.txt'\n")
    code, _, err = run_cli(capsys, "certificates", "no-such", "--db", url, "-o", tmp_path / "c.pdf")
    assert (code, err) == (2, "error: no contest 'no-such'\n")
    code, _, err = run_cli(capsys, "certificates", SLUG, "--db", url, "-o", tmp_path / "c.pdf", "--lang", "zh-CN")
    assert code == 2 and "请先锁定决赛轮次 'sensory'，再颁发证书" in err
    assert not (tmp_path / "c.pdf").exists()


def test_a_blind_contest_needs_its_codes_decrypted_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from contest.services import announcements
    from contest.services.errors import Conflict

    tea = FIXTURES / "tea"
    blind = tmp_path / "blind.toml"
    blind.write_text(
        (tea / "contest.toml").read_text(encoding="utf-8").replace("blind = false", "blind = true", 1),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'blind.db'}"
    args = ["--entrants", tea / "entrants.csv", "--marks", tea / "marks.csv", "--db", url]
    assert run_cli(capsys, "load", blind, *args)[0] == 0
    engine = make_engine(url)
    db = make_sessions(engine)
    try:
        for key in ("theory", "operation", "sensory"):
            rounds.set_round(db, Principal("organizer"), SLUG, key, status="locked")
        code, _, err = run_cli(capsys, "certificates", SLUG, "--db", url, "-o", tmp_path / "c.pdf", "--lang", "zh-CN")
        assert (code, err) == (2, "错误：请先解密抽签编号，再颁发证书（证书上印有姓名）\n")
        assert not (tmp_path / "c.pdf").exists()
        with pytest.raises(Conflict, match="decrypt the blind codes before publishing"):
            announcements.publish(db, BoardRegistry(db), Principal("organizer"), SLUG)
    finally:
        engine.dispose()


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler-utils, zbar-tools"
)
def test_the_qr_code_opens_the_verify_page_of_its_serial(
    venue: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "certs.pdf"
    args = ["-o", out, "--url", "http://192.168.1.20:8000"]
    assert run_cli(capsys, "certificates", SLUG, "--db", venue, *args)[0] == 0
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "2", out, tmp_path / "page"], check=True)
    for index, serial in enumerate(serials_of(out)[:2], 1):
        image = tmp_path / f"page-{index}.png"
        decoded = subprocess.run(["zbarimg", "-q", "--raw", image], capture_output=True, text=True, check=True)
        assert decoded.stdout.strip() == f"http://192.168.1.20:8000/verify/{serial}"

"""Drawing lots (抽签加密): every entrant gets exactly one code, codes are unique, two layers compose, the draw is
recorded with its permutation, and the shuffle is the operating system's CSPRNG (secrets.SystemRandom)."""

from __future__ import annotations

import random
import secrets
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from contest.db.engine import make_engine, make_sessions, migrate
from contest.db.models import Draw, Entrant
from contest.scoring import Entrant as CoreEntrant
from contest.scoring import lots
from contest.services import contests, draws
from tests.server.conftest import contest_toml

ACTOR = draws.Actor("organizer", None, "test")


@settings(max_examples=60, deadline=None)
@given(count=st.integers(min_value=1, max_value=1200), seed=st.integers(min_value=0, max_value=2**32))
def test_each_layer_is_a_permutation_and_two_layers_compose(count: int, seed: int) -> None:
    rng = random.Random(seed)  # replayable here; the service uses secrets.SystemRandom
    own = [f"R{n}" for n in range(count)]
    first = lots.assign(own, lots.seat_codes(count), rng.shuffle)
    assert lots.is_permutation(first, own)
    seats = [code for _, code in first]
    assert len(set(seats)) == count and all(len(s) == max(2, len(str(count))) for s in seats)
    sealed = lots.sealed_codes(count, rng.sample)
    assert len(set(sealed)) == count and len({len(c) for c in sealed}) == 1 and len(sealed[0]) >= 3
    assert 9 * 10 ** (len(sealed[0]) - 1) >= 10 * count  # at most a tenth of the numbers of that width in use
    second = lots.assign(seats, sealed, rng.shuffle)
    assert lots.is_permutation(second, seats)
    chain = lots.compose(first, second)
    assert sorted(o for o, _, _ in chain) == sorted(own) and sorted(c for _, _, c in chain) == sealed
    assert all(dict(first)[o] == s and dict(second)[s] == c for o, s, c in chain)


def test_bad_inputs_of_the_pure_part_are_refused() -> None:
    with pytest.raises(ValueError):
        lots.assign(["a", "b"], ["1"], random.Random(1).shuffle)
    with pytest.raises(ValueError):
        lots.assign(["a", "b"], ["1", "1"], random.Random(1).shuffle)
    with pytest.raises(ValueError):
        lots.compose([("a", "01")], [("02", "555")])
    assert lots.seat_codes(3, "A") == ["A01", "A02", "A03"] and lots.seat_codes(100)[0] == "001"


def test_the_service_shuffles_with_the_system_csprng() -> None:
    assert isinstance(draws._random, secrets.SystemRandom)
    assert "import random" not in Path(draws.__file__).read_text(encoding="utf-8")


def test_draws_are_recorded_with_their_permutation_and_rename_the_entrants(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(engine)
    db = make_sessions(engine)
    slug = "lots"
    contests.create_contest(db, contest_toml(slug))
    people = [CoreEntrant(f"E{n}", f"选手{n}", "单位", "") for n in range(1, 41)]
    contests.put_entrants(db, slug, people)

    first = draws.draw(db, ACTOR, slug, 1, reason="检录")
    second = draws.draw(db, ACTOR, slug, 2)
    with db() as session:
        rows = session.execute(select(Draw).order_by(Draw.id)).scalars().all()
        assert [(r.layer, r.actor, r.reason, r.superseded_at) for r in rows] == [
            (1, "test", "检录", None),
            (2, "test", "", None),
        ]
        first_pairs = [(a, b) for a, b in rows[0].pairs]
        assert lots.is_permutation(first_pairs, [p.code for p in people])
        chain = lots.compose(first_pairs, [(a, b) for a, b in rows[1].pairs])
        now = {e.name: e.code for e in session.execute(select(Entrant)).scalars()}
    assert {f"选手{own[1:]}": code for own, _, code in chain} == now  # every entrant known by its sealed code now
    assert first["version"] < second["version"]

    mapping = draws.mapping(db, ACTOR, slug, action="print")
    assert len(mapping["rows"]) == 40 and {r["own"] for r in mapping["rows"]} == {p.code for p in people}
    assert all(now[r["name"]] == r["code"] for r in mapping["rows"])
    assert draws.status(db, slug)["events"][0]["action"] == "print"

    draws.draw(db, ACTOR, slug, 1)  # a redraw of layer 1 supersedes both layers and starts from the own codes
    with db() as session:
        standing = [r.layer for r in session.execute(select(Draw).where(Draw.superseded_at.is_(None))).scalars()]
        codes = sorted(e.code for e in session.execute(select(Entrant)).scalars())
    assert standing == [1] and codes == lots.seat_codes(40)
    engine.dispose()


def test_the_command_line_draws_writes_the_sealed_pdf_and_decrypts_only_after_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from contest.cli import main

    url = f"sqlite:///{tmp_path / 'c.db'}"
    tea = Path(__file__).resolve().parent.parent / "fixtures" / "tea"
    assert main(["load", str(tea / "contest.toml"), "--entrants", str(tea / "entrants.csv"), "--db", url]) == 0
    sealed = tmp_path / "sealed.pdf"
    assert main(["draw", "tea-2026", "--layers", "2", "-o", str(sealed), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "layer 1 drawn for 8 entrants, codes 01…08" in out and "layer 2 drawn for 8 entrants" in out
    assert sealed.read_bytes().startswith(b"%PDF")
    assert main(["decrypt", "tea-2026", "--reason", "复核完毕", "--db", url]) == 1  # every round is still open
    assert "still open: theory, operation, sensory" in capsys.readouterr().err
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        rows = session.execute(select(Draw)).scalars().all()
        assert [(r.layer, r.actor.startswith("command line")) for r in rows] == [(1, True), (2, True)]
    engine.dispose()
    status = draws.status(make_sessions(make_engine(url)), "tea-2026")
    assert status["sealed"] and not status["decrypted"] and [e["action"] for e in status["events"]] == ["print"]

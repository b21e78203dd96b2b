"""`contest demo`: a ready venue on SQLite — the fixture contests, entrants and judges loaded, and the links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contest.db import queries
from contest.db.engine import make_engine, make_sessions, migrate
from contest.loading import load_files
from contest.scoring import parse_definition
from contest.services import contests
from contest.services.principals import new_token

# (fixture folder, rounds whose marks are left for the judges to enter live)
CONTESTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("tea", frozenset({"sensory"})),
    ("livestream", frozenset()),
    ("writing", frozenset()),
    ("diving", frozenset()),
)
LIVE = "tea-2026"


def fixtures_dir() -> Path:
    """fixtures/ of a checkout, else the copy shipped inside the package."""
    here = Path(__file__).resolve()
    for candidate in (here.parent.parent / "fixtures", here.parent / "_data" / "fixtures"):
        if (candidate / "tea" / "contest.toml").exists():
            return candidate
    raise FileNotFoundError("the fixture contests are not installed")


@dataclass(frozen=True)
class Venue:
    organizer_token: str
    judges: list[tuple[str, str, str, bool]]  # (contest slug, code, login path, chief)
    slugs: list[str]
    scorer: str  # a judge of the round left open for live scoring


def prepare(url: str) -> Venue:
    """Load every fixture contest into the database at `url` (again: nothing twice) and mint fresh tokens."""
    root = fixtures_dir()
    slugs = []
    for folder, live_rounds in CONTESTS:
        base = root / folder
        report = load_files(
            url, base / "contest.toml", base / "entrants.csv", base / "marks.csv", skip_rounds=live_rounds
        )
        slugs.append(report[0].split()[1].rstrip(":"))
    engine = make_engine(url)
    migrate(engine)
    db = make_sessions(engine)
    with db() as session:
        contest = contests.get_contest(session, LIVE)
        known = {j.code for j in queries.judges_of(session, contest.id)}
    if "C1" not in known:
        contests.create_judges(db, LIVE, [("C1", "裁判长", True)])
    with db.begin() as session:
        organizer = new_token(session, "organizer")
        contest = contests.get_contest(session, LIVE)
        judges = []
        for judge in queries.judges_of(session, contest.id):
            token = new_token(session, "judge", contest_id=contest.id, judge_id=judge.id)
            judges.append((LIVE, judge.code, f"/j/{token}", judge.chief))
    engine.dispose()
    live = parse_definition((root / "tea" / "contest.toml").read_text(encoding="utf-8")).round("sensory")
    return Venue(organizer, judges, slugs, (live.judges or ("J1",))[0])

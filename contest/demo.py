"""`contest demo`: a ready venue on SQLite — the fixture contests, entrants and judges loaded, and the links.

Every contest it loads gets a chief judge (C1) and fresh login links for each of its judges; `links` lists, for each
contest, the venue screen, the phone page, the control page (with the organizer token) and every judge's and chief
judge's login link.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from contest.db import queries
from contest.db.engine import make_engine, make_sessions, migrate
from contest.loading import load_files
from contest.scoring import parse_definition
from contest.services import contests, credentials
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
    judges: list[tuple[str, str, str, bool]]  # (contest slug, code, login path, chief), every contest's judges
    slugs: list[str]
    scorer: str  # a judge of the round left open for live scoring (in LIVE)
    titles: dict[str, str] = field(default_factory=dict)  # slug -> title

    def login(self, slug: str, code: str) -> str:
        """The login path of judge `code` of contest `slug`."""
        return next(path for s, c, path, _ in self.judges if s == slug and c == code)

    def chief(self, slug: str) -> str:
        """The login path of the contest's chief judge."""
        return next(path for s, _, path, chief in self.judges if s == slug and chief)


def prepare(url: str) -> Venue:
    """Load every fixture contest into the database at `url` (again: nothing twice), give each a chief judge and
    mint fresh tokens: an organizer's, and one for every judge of every contest."""
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
    for slug in slugs:
        with db() as session:
            contest = contests.get_contest(session, slug)
            has_chief = any(j.chief for j in queries.judges_of(session, contest.id))
            codes = {j.code for j in queries.judges_of(session, contest.id)}
        if not has_chief:
            code = next(f"C{n}" for n in range(1, 100) if f"C{n}" not in codes)
            contests.create_judges(db, slug, [(code, "裁判长", True)])
    judges = []
    titles = {}
    with db.begin() as session:
        organizer = new_token(session, "organizer")
        for slug in slugs:
            contest = contests.get_contest(session, slug)
            titles[slug] = contest.title
            for judge in queries.judges_of(session, contest.id):
                token = credentials.issue_login(session, judge)  # the links of an earlier run stop working
                judges.append((slug, judge.code, f"/j/{token}", judge.chief))
    engine.dispose()
    live = parse_definition((root / "tea" / "contest.toml").read_text(encoding="utf-8")).round("sensory")
    return Venue(organizer, judges, slugs, (live.judges or ("J1",))[0], titles)


def links(venue: Venue, base: str) -> list[str]:
    """What `contest demo` prints for each contest: its pages, then its chief judge's and judges' login links."""
    lines = [f"organizer token (Authorization: Bearer …): {venue.organizer_token}"]
    lines.append(_padded("organizer console 组织者控制台", f"{base}/admin/login?token={venue.organizer_token}", 32))
    for slug in venue.slugs:
        lines += [
            "",
            f"{slug}  {venue.titles.get(slug, '')}".rstrip(),
            _padded("screen 大屏", f"{base}/screen/{slug}"),
            _padded("phones 手机", f"{base}/live/{slug}"),
            _padded("control 控制台", f"{base}/control/{slug}#token={venue.organizer_token}"),
        ]
        mine = [(code, path, chief) for s, code, path, chief in venue.judges if s == slug]
        for code, path, chief in sorted(mine, key=lambda j: (not j[2], j[0])):
            role = "chief judge 裁判长" if chief else "judge 裁判"
            lines.append(_padded(f"{role} {code}", f"{base}{path}"))
    return lines


def _padded(what: str, link: str, width: int = 24) -> str:
    """`  what   link`, the links lined up in a terminal (a Chinese character takes two columns)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in what)
    return f"  {what}{' ' * max(1, width - columns)}{link}"

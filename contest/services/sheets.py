"""Score sheets (评分表): what each judge marked and how each entrant's result was reached, from one consistent
version of a contest, and the digest a locked round's sheet carries.

Everything comes from `snapshot.read` (one read transaction, marks up to version N) and the core: the panels, the
values the core dropped, item scores and totals (contest/scoring/trimmed.py), the ranks from the board. A sheet's
digest (数据摘要) is the first 16 hex digits of SHA-256 over a canonical text of exactly the marks it shows (see
`canonical`); `check_digest` recomputes every locked round's sheets from the stored marks and says which sheet a
pasted digest belongs to, or that none of the current marks give it (a mark was corrected after printing).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from contest.scoring import ContestDefinition, Criterion
from contest.scoring.marks import ItemMarks
from contest.scoring.numbers import CONTEXT
from contest.scoring.trimmed import EntrantSheet, entrant_sheet, judge_totals
from contest.services import snapshot
from contest.services.errors import Invalid, Message, NotFound

DIGEST_LENGTH = 16
KINDS = ("judge", "entrant")
_HEX = re.compile(r"[0-9a-f]+")

MarkLine = tuple[str, int, str, str, Decimal]  # entrant, item, criterion, judge ("" when entered), value


@dataclass(frozen=True)
class JudgeLine:
    """One item of one entrant as a judge marked it."""

    entrant: str
    name: str  # "" in a blind contest
    item: int
    marks: dict[str, Decimal]  # criterion -> the judge's value
    total: Decimal | None  # the judge's own total on the item (the judge formula's, or the sum of the marks)


@dataclass(frozen=True)
class JudgeSheet:
    code: str
    name: str
    lines: tuple[JudgeLine, ...]
    digest: str | None  # None before the round is locked


@dataclass(frozen=True)
class EntrantSheetData:
    code: str
    name: str  # "" in a blind contest
    organization: str
    group: str
    sheet: EntrantSheet
    entered: dict[tuple[int, str], Decimal]  # values of criteria that are not judged (difficulty, yield, deductions)
    digest: str | None


@dataclass(frozen=True)
class BlankSheet:
    """A judge's sheet to fill in by hand before scoring: the entrants (codes only when blind) and the criteria."""

    code: str
    name: str
    entrants: tuple[tuple[str, str], ...]  # (code, name) — name "" when blind


@dataclass(frozen=True)
class RoundSheets:
    slug: str
    title: str
    definition: ContestDefinition
    round: str
    round_label: str
    version: int
    locked: bool
    panel: tuple[str, ...]
    criteria: tuple[Criterion, ...]  # the round's judged criteria, in order
    entered: tuple[Criterion, ...]  # the round's criteria entered once (not judged)
    judges: tuple[JudgeSheet, ...]
    entrants: tuple[EntrantSheetData, ...]
    blanks: tuple[BlankSheet, ...]


def canonical(slug: str, round_key: str, kind: str, code: str, marks: Iterable[MarkLine]) -> str:
    """The text a digest is taken over: a header naming the sheet, then one line per mark shown, sorted
    (entrant, item, criterion, judge and the value without trailing zeros, tab-separated)."""
    lines = sorted(f"{e}\t{i}\t{c}\t{j}\t{_value(v)}" for e, i, c, j, v in marks)
    return "\n".join(["contest score sheet 1", f"contest\t{slug}", f"round\t{round_key}", f"{kind}\t{code}", *lines])


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def _value(value: Decimal) -> str:
    text = f"{value.normalize(CONTEXT):f}"
    return text if text != "-0" else "0"


def gather(
    db: sessionmaker[Session],
    slug: str,
    round_key: str | None = None,
    *,
    upto: int | None = None,
    names: bool | None = None,
) -> RoundSheets:
    """Every sheet of one round (default: the last round with marks, else the first) as of one version.
    `names`: show entrants' names (default: once they are released: the contest is neither blind nor drawn, or it
    was decrypted; contest/services/draws.py)."""
    snap = snapshot.read(db, slug, upto)
    if names is None:
        names = names_released(db, slug)
    return sheets_of(snap, round_key, names=names)


def names_released(db: sessionmaker[Session], slug: str) -> bool:
    """Whether sheets may carry names (blind codes until the decryption, which only ever goes one way)."""
    from contest.db import queries
    from contest.services.draws import names_released as released

    with db() as session:
        contest = queries.contest_by_slug(session, slug)
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        return released(session, contest)


def sheets_of(snap: snapshot.Snapshot, round_key: str | None = None, *, names: bool | None = None) -> RoundSheets:
    definition = snap.definition
    sheet = snap.sheet()
    keys = [r.key for r in definition.rounds]
    if round_key is None:
        marked = {m.round for m in snap.history}
        round_key = next((k for k in reversed(keys) if k in marked), keys[0])
    if not definition.has_round(round_key):
        rounds = ", ".join(keys)
        raise Invalid(Message("no round {round!r}; rounds: {rounds}", round=round_key, rounds=rounds), "round")
    show_names = (not definition.blind) if names is None else names
    rnd = definition.round(round_key)
    criteria = [definition.criterion(k) for k in rnd.criteria]
    judged = tuple(c for c in criteria if c.judged)
    entered_criteria = tuple(c for c in criteria if not c.judged)
    locked = snap.states.get(round_key) == "locked"
    panel = tuple(snap.panels()[round_key])
    board = snap.board(round_key, sheet)
    people = {e.code: e for e in snap.entrants}
    order = [e.code for e in snap.entrants] + sorted(c for c in sheet.entrants() if c not in people)

    entrants: list[EntrantSheetData] = []
    by_code: dict[str, EntrantSheet] = {}
    for code in order:
        marks: ItemMarks = sheet.entrant(code).get(round_key, {})
        if not marks:
            continue
        core = entrant_sheet(board, code, round_key)
        if core is None:
            continue
        by_code[code] = core
        person = people.get(code)
        shown = [(code, i, c, j, v) for (i, c), values in marks.items() for j, v in values.items()]
        entrants.append(
            EntrantSheetData(
                code=code,
                name=person.name if person and show_names else "",
                organization=person.organization if person and show_names else "",
                group=person.group if person else "",
                sheet=core,
                entered={(i, c): v[""] for (i, c), v in marks.items() if "" in v},
                digest=digest_of(canonical(snap.slug, round_key, "entrant", code, shown)) if locked else None,
            )
        )

    judge_codes = [*panel, *sorted(set(sheet.judges(round_key)) - set(panel))]  # the panel, then anyone else who marked
    judges: list[JudgeSheet] = []
    judged_keys = [c.key for c in judged]
    for judge in judge_codes:
        lines: list[JudgeLine] = []
        shown_marks: list[MarkLine] = []
        for code in order:
            marks = sheet.entrant(code).get(round_key, {})
            mine = {(i, c): v[judge] for (i, c), v in marks.items() if judge in v}
            if not mine:
                continue
            core_sheet = by_code.get(code)
            totals = judge_totals(marks, judge, core_sheet.panels if core_sheet else (), judged_keys)
            person = people.get(code)
            for item in sorted({i for i, _ in mine}):
                values = {c: v for (i, c), v in mine.items() if i == item}
                name = person.name if person and show_names else ""
                lines.append(JudgeLine(code, name, item, values, totals.get(item)))
            shown_marks.extend((code, i, c, judge, v) for (i, c), v in mine.items())
        digest = digest_of(canonical(snap.slug, round_key, "judge", judge, shown_marks)) if locked else None
        judges.append(JudgeSheet(judge, snap.judge_names.get(judge, ""), tuple(lines), digest))

    assigned = tuple((e.code, e.name if show_names else "") for e in snap.entrants)
    blanks = tuple(BlankSheet(j, snap.judge_names.get(j, ""), assigned) for j in panel)
    return RoundSheets(
        slug=snap.slug,
        title=snap.title,
        definition=definition,
        round=round_key,
        round_label=rnd.label,
        version=snap.version,
        locked=locked,
        panel=panel,
        criteria=judged,
        entered=entered_criteria,
        judges=tuple(judges),
        entrants=tuple(entrants),
        blanks=blanks,
    )


def select(sheets: RoundSheets, by: str, code: str | None = None) -> RoundSheets:
    """Only the sheets of one judge or one entrant (`by`: judge | entrant), or NotFound naming the field."""
    if by not in KINDS:
        raise Invalid(Message("expected one of {known}, got {got!r}", known=", ".join(KINDS), got=by), "by")
    if code is None:
        return sheets
    if by == "judge":
        judges = tuple(j for j in sheets.judges if j.code == code)
        blanks = tuple(b for b in sheets.blanks if b.code == code)
        if not judges and not blanks:
            raise NotFound(Message("no judge {code!r} in round {round!r}", code=code, round=sheets.round), "judge")
        return _replace(sheets, judges=judges, blanks=blanks)
    entrants = tuple(e for e in sheets.entrants if e.code == code)
    if not entrants:
        raise NotFound(
            Message("entrant {code!r} has no marks in round {round!r}", code=code, round=sheets.round), "entrant"
        )
    return _replace(sheets, entrants=entrants)


def _replace(sheets: RoundSheets, **changes: object) -> RoundSheets:
    from dataclasses import replace

    return replace(sheets, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DigestCheck:
    digest: str
    version: int
    matches: tuple[tuple[str, str, str], ...]  # (round, judge | entrant, code) of each current sheet giving it
    locked_rounds: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return bool(self.matches)


def normalize_digest(raw: str) -> str:
    """The 16 hex digits of a pasted digest (spaces, dashes, case and a leading 数据摘要 ignored), else Invalid."""
    text = re.sub(r"[\s\-·:：…]|数据摘要", "", raw or "").lower()
    if len(text) != DIGEST_LENGTH or not _HEX.fullmatch(text):
        why = Message("a digest is {count} hexadecimal digits (0-9, a-f), as printed at the foot of a sheet",
                      count=DIGEST_LENGTH)  # fmt: skip
        raise Invalid(why, "digest")
    return text


def check_digest(db: sessionmaker[Session], slug: str, raw: str) -> DigestCheck:
    """Recompute the digest of every sheet of every locked round from the marks stored now, and say which sheets
    give `raw`: none means the marks that sheet showed have changed since it was printed (or it is not genuine)."""
    digest = normalize_digest(raw)
    snap = snapshot.read(db, slug)  # digests cover marks only: names do not change them
    locked = tuple(r.key for r in snap.definition.rounds if snap.states.get(r.key) == "locked")
    matches: list[tuple[str, str, str]] = []
    for key in locked:
        found = sheets_of(snap, key)
        matches += [(key, "judge", j.code) for j in found.judges if j.digest == digest]
        matches += [(key, "entrant", e.code) for e in found.entrants if e.digest == digest]
    return DigestCheck(digest, snap.version, tuple(matches), locked)


def codes(sheets: RoundSheets, by: str) -> Sequence[str]:
    return [j.code for j in sheets.judges] if by == "judge" else [e.code for e in sheets.entrants]

"""Certificate serial numbers: signed, short, not guessable, checked by `/verify/{serial}`.

A serial carries what it certifies, compactly: the contest's and the entrant's row ids, the award (its place in the
contest's `[[awards]]`, 1 for the first; 0 for a participation certificate), the standings version it was issued
from and the day of issue; then the first 10 bytes (80 bits) of an HMAC-SHA256 over the contest slug, the entrant
code and all those numbers, keyed with a secret the server makes once and keeps in the `secrets` table (name
``certificates``, like the session key). Base32 without padding, in groups of four: ``ABCD-EFGH-...``.

Nothing is stored per certificate: a serial is genuine when its signature matches, and it still holds when the
entrant's award in the final standing is the one it names (a correction after the issue can change that: the
verify page says so). A changed character, a serial of another server (another secret), or one whose numbers point
at another contest or entrant fails the signature and is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contest.db import queries
from contest.db.models import Contest, Entrant, Secret
from contest.live.boards import BoardRegistry, UnknownContest
from contest.scoring import ContestDefinition, Row
from contest.services.contests import definition_of
from contest.services.draws import names_released
from contest.services.errors import Conflict, Message, NotFound

SECRET_NAME = "certificates"
MAC_BYTES = 10
EPOCH = date(2000, 1, 1)
MAX_SERIAL = 80  # characters a serial may have, dashes included
_SERIAL = re.compile(r"[A-Za-z2-7\- ]{8,80}")


@dataclass(frozen=True)
class Claim:
    """What a serial says."""

    contest_id: int
    entrant_id: int
    award: int  # 1-based position in the contest's awards; 0: participation
    version: int
    issued: date


def existing_key(db: sessionmaker[Session]) -> bytes | None:
    """The key of the serials if one was made (reading only: the verify page never takes a write lock)."""
    with db() as session:
        found = queries.secret(session, SECRET_NAME)
    return bytes.fromhex(found) if found is not None else None


def signing_key(db: sessionmaker[Session]) -> bytes:
    """The key of the serials, made on first use and kept in the database (every worker and host agrees)."""
    existing = existing_key(db)
    if existing is not None:
        return existing
    try:
        with db.begin() as session:
            found = queries.secret(session, SECRET_NAME)
            if found is None:
                found = secrets.token_hex(32)
                session.add(Secret(name=SECRET_NAME, value=found))
    except IntegrityError:  # another process made it at the same moment: use theirs
        with db() as session:
            found = queries.secret(session, SECRET_NAME)
    assert found is not None
    return bytes.fromhex(found)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varints(data: bytes, count: int) -> tuple[list[int], bytes] | None:
    values: list[int] = []
    pos = 0
    for _ in range(count):
        value = shift = 0
        while True:
            if pos >= len(data) or shift > 42:
                return None
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        values.append(value)
    return values, data[pos:]


def _mac(key: bytes, slug: str, code: str, claim: Claim) -> bytes:
    fields = ["contest-certificate-1", slug, code, claim.contest_id, claim.entrant_id, claim.award, claim.version]
    message = "\x1f".join(str(f) for f in [*fields, claim.issued.isoformat()]).encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]


def sign(key: bytes, slug: str, code: str, claim: Claim) -> str:
    """The serial of a certificate: the claim and its signature, base32 in groups of four."""
    days = (claim.issued - EPOCH).days
    numbers = (claim.contest_id, claim.entrant_id, claim.award, claim.version, days)
    payload = b"".join(_varint(n) for n in numbers) + _mac(key, slug, code, claim)
    text = base64.b32encode(payload).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse(serial: str) -> tuple[Claim, bytes] | None:
    """The claim and signature a serial carries, or None when it is not a serial at all."""
    if len(serial) > MAX_SERIAL or not _SERIAL.fullmatch(serial):
        return None
    text = serial.replace("-", "").replace(" ", "").upper()
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        return None
    if base64.b32encode(data).decode().rstrip("=") != text:  # the last character's spare bits must be zero
        return None
    found = _read_varints(data, 5)
    if found is None or len(found[1]) != MAC_BYTES:
        return None
    (contest_id, entrant_id, award, version, days), mac = found
    if days > 100_000:
        return None
    return Claim(contest_id, entrant_id, award, version, EPOCH + timedelta(days=days)), mac


def award_index(definition: ContestDefinition, award: str | None) -> int:
    if award is None:
        return 0
    return next((i for i, a in enumerate(definition.awards, 1) if a.name == award), 0)


def award_name(definition: ContestDefinition, index: int) -> str | None:
    """The award at a 1-based position, None for participation (or a position the contest no longer has)."""
    return definition.awards[index - 1].name if 0 < index <= len(definition.awards) else None


# -- what is issued ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """One certificate to print."""

    code: str
    name: str
    organization: str
    group: str
    award: str | None  # None: participation
    rank: int | None
    total: str  # as shown in the standing ("" if none)
    serial: str


@dataclass(frozen=True)
class Issue:
    slug: str
    title: str
    round: str  # the final round's key
    version: int  # the standings version everything was read from
    issued: date
    holders: tuple[Holder, ...]


def final_standing(registry: BoardRegistry, slug: str) -> tuple[ContestDefinition, str, int, list[Row], str]:
    """The final round's standing: (definition, round key, version, rows, round status)."""
    try:
        state = registry.current(slug)
    except UnknownContest:
        raise NotFound(Message("no contest {slug!r}", slug=slug), "slug") from None
    definition = state.definition
    key = definition.rounds[-1].key
    with state.lock:
        rows = state.board(key).rows()
        status = state.states[key].status if key in state.states else "open"
        marked: set[str] = {code for code in state.sheet.entrants() if state.sheet.entrant(code)}
    # entrants marked in an earlier round only (eliminated): participants, with no row in the final standing
    present = {r.entrant for r in rows}
    extra = [Row(None, code, "", "", "", {}, None, None, False, False, ()) for code in sorted(marked - present)]
    return definition, key, state.seq, rows + extra, status


def issue(
    db: sessionmaker[Session],
    registry: BoardRegistry,
    slug: str,
    *,
    everyone: bool = False,
    on: date | None = None,
    require_locked: bool = True,
) -> Issue:
    """The certificates of a contest: the award winners of the final standing (or, `everyone`, every entrant
    with a mark, winners with their award and the others for taking part), each with its signed serial."""
    definition, key, version, rows, status = final_standing(registry, slug)
    if require_locked and status != "locked":
        raise Conflict(Message("lock the final round {round!r} before issuing certificates", round=key), "round")
    issued = on or date.today()
    signing = signing_key(db)
    with db() as session:
        contest = queries.contest_by_slug(session, slug)
        if contest is None:
            raise NotFound(Message("no contest {slug!r}", slug=slug), "slug")
        if not names_released(session, contest, definition):
            raise Conflict(Message("decrypt the blind codes before issuing certificates (they carry names)"), "names")
        people = {e.code: e for e in queries.entrants_of(session, contest.id)}
        contest_id = contest.id
    holders: list[Holder] = []
    for row in rows:
        if (row.award is None and not everyone) or row.entrant not in people:
            continue
        person = people[row.entrant]
        claim = Claim(contest_id, person.id, award_index(definition, row.award), version, issued)
        holders.append(
            Holder(
                code=row.entrant,
                name=person.name,
                organization=person.organization,
                group=person.group,
                award=row.award,
                rank=row.rank,
                total="" if row.total is None else f"{row.total:f}",
                serial=sign(signing, slug, row.entrant, claim),
            )
        )
    return Issue(slug, definition.title, key, version, issued, tuple(holders))


# -- checking ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What `/verify/{serial}` shows. `state`: genuine | changed (signed, but the award no longer holds) |
    forged (not signed by this server, or altered) | malformed (not a serial)."""

    state: str
    serial: str
    title: str = ""
    name: str = ""
    organization: str = ""
    award: str | None = None  # as certified
    current: str | None = None  # the award in the final standing now
    issued: date | None = None
    version: int = 0


def verify(db: sessionmaker[Session], registry: BoardRegistry, serial: str) -> Verdict:
    """What a serial is worth; `db` may be a read-only sessionmaker (nothing is written)."""
    serial = serial.strip()
    parsed = parse(serial)
    if parsed is None:
        return Verdict("malformed", serial[:MAX_SERIAL])
    claim, mac = parsed
    key = existing_key(db)
    if key is None:  # no certificate was ever issued here
        return Verdict("forged", serial)
    with db() as session:
        contest = session.get(Contest, claim.contest_id)
        entrant = _entrant(session, claim)
        if contest is None or entrant is None:
            return Verdict("forged", serial)
        slug, code, name, organization = contest.slug, entrant.code, entrant.name, entrant.organization
        definition = definition_of(contest)
    if not hmac.compare_digest(mac, _mac(key, slug, code, claim)):
        return Verdict("forged", serial)
    certified = award_name(definition, claim.award)
    _, _, _, rows, _ = final_standing(registry, slug)
    row = next((r for r in rows if r.entrant == code), None)
    current = row.award if row is not None else None
    holds = current == certified if claim.award else row is not None
    return Verdict(
        "genuine" if holds else "changed",
        serial,
        title=definition.title,
        name=name,
        organization=organization,
        award=certified,
        current=current,
        issued=claim.issued,
        version=claim.version,
    )


def _entrant(session: Session, claim: Claim) -> Entrant | None:
    found = session.get(Entrant, claim.entrant_id)
    return found if found is not None and found.contest_id == claim.contest_id else None

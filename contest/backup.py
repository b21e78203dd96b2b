"""`contest backup`: a copy of the database taken while the server runs.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page in one read transaction, a snapshot
of the last commit before it started. In WAL mode readers never block the server's writers, so judges keep scoring
while it copies; every mark acknowledged before the backup began is in the copy. The copy is one self-contained
file (journal mode DELETE, no -wal beside it), checked with `PRAGMA integrity_check` before it is put in place.

PostgreSQL: `pg_dump` is the tool made for it (a consistent snapshot too); it is run when it is on PATH.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from contest.scoring import ContestError
from contest.scoring.messages import Message
from contest.settings import sqlite_path


@dataclass(frozen=True)
class Backup:
    """What was written: the file, its size, and (SQLite) what it holds."""

    path: Path
    size: int
    contests: int | None = None
    marks: int | None = None

    def summary(self) -> Message:
        if self.contests is None or self.marks is None:
            return Message("{file}: {size} bytes written", file=str(self.path), size=self.size)
        return Message(
            "{file}: {size} bytes, {contests} contests, {marks} marks, integrity check ok",
            file=str(self.path),
            size=self.size,
            contests=self.contests,
            marks=self.marks,
        )


def default_name(database_url: str, moment: datetime | None = None) -> Path:
    """contest-20260605-0930.db (SQLite) or .dump (PostgreSQL): the database's name and the UTC time."""
    stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    source = sqlite_path(database_url)
    if source is not None:
        return Path(f"{source.stem}-{stamp}.db")
    return Path(f"contest-{stamp}.dump")


def backup(database_url: str, target: Path | None, *, force: bool = False) -> Backup:
    """Copy the database at `database_url` to `target` (a default name when None); ContestError when it cannot."""
    target = target if target is not None else default_name(database_url)
    if target.exists() and not force:
        raise ContestError(
            Message("{file}: already exists; name another file or add {flag}", file=str(target), flag="--force")
        )
    source = sqlite_path(database_url)
    if source is not None:
        return backup_sqlite(source, target)
    if database_url.startswith(("postgresql", "postgres:")):
        return backup_postgresql(database_url, target)
    raise ContestError(
        Message(
            "{option}: cannot back up {url}; expected {expected}",
            option="--db",
            url=_scheme(database_url),
            expected="sqlite:///FILE | postgresql://USER:PASSWORD@HOST/DATABASE",
        )
    )


def backup_sqlite(source: Path, target: Path) -> Backup:
    if not source.is_file():
        raise ContestError(Message("{file}: no such database file", file=str(source)))
    if target.exists() and target.resolve() == source.resolve():
        raise ContestError(
            Message("{option}: {file} is the database itself; name another file", option="-o", file=str(target))
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # written beside the target and renamed into place: a half-written file never carries the backup's name
        handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(handle)
    except OSError as exc:
        raise ContestError(
            Message("{file}: cannot write the backup ({why})", file=str(target), why=exc.strerror)
        ) from None
    partial = Path(partial_name)
    try:
        contests, marks = _copy(source, partial)
        os.replace(partial, target)
    except OSError as exc:
        raise ContestError(
            Message("{file}: cannot write the backup ({why})", file=str(target), why=exc.strerror)
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, target.stat().st_size, contests, marks)


def _copy(source: Path, partial: Path) -> tuple[int, int]:
    try:
        reading = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise ContestError(
            Message("{file}: cannot open the database ({why})", file=str(source), why=str(exc))
        ) from None
    try:
        writing = sqlite3.connect(partial)
        try:
            # pages=-1: every page in one step, one read transaction: a snapshot that writers never restart
            reading.backup(writing, pages=-1)
            writing.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever the source used
            checked = [row[0] for row in writing.execute("PRAGMA integrity_check")]
            if checked != ["ok"]:
                raise ContestError(
                    Message(
                        "{file}: the copy fails its integrity check: {why}",
                        file=str(source),
                        why="; ".join(checked[:5]),
                    )
                )
            tables = {row[0] for row in writing.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"contests", "marks"} <= tables:
                raise ContestError(
                    Message("{file}: not a contest database (no contests or marks table)", file=str(source))
                )
            contests = writing.execute("SELECT count(*) FROM contests").fetchone()[0]
            marks = writing.execute("SELECT count(*) FROM marks").fetchone()[0]
            writing.commit()
        finally:
            writing.close()
    except sqlite3.DatabaseError as exc:
        raise ContestError(
            Message("{file}: cannot back up the database ({why})", file=str(source), why=str(exc))
        ) from None
    finally:
        reading.close()
    return int(contests), int(marks)


def backup_postgresql(database_url: str, target: Path) -> Backup:
    """`pg_dump --format=custom` of the database, the password passed in the environment (never on a command
    line that `ps` shows); restore with `pg_restore --clean --if-exists --no-owner -d URL FILE`."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ContestError(
            Message(
                "{tool} is not installed here: run {command} where it is",
                tool="pg_dump",
                command=f"pg_dump --format=custom --no-owner -f {target} DATABASE",
            )
        )
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise ContestError(
            Message("{option}: cannot read the database address {url}", option="--db", url=_scheme(database_url))
        ) from None
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={plain}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
        raise ContestError(Message("{tool} failed: {why}", tool="pg_dump", why=why))
    return Backup(target, target.stat().st_size)


def _scheme(url: str) -> str:
    """A database URL as it may be shown: its scheme only (a password never reaches the screen)."""
    return url.split("://", 1)[0] + "://…" if "://" in url else url

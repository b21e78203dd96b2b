"""Several processes start on one new database at once (`contest serve --workers 4`, or several hosts): each brings
the schema to the newest migration, and none fails because another is migrating at the same moment."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from contest.db.engine import make_engine, migrate


def migrate_together(url: str, processes: int) -> list[BaseException]:
    engines = [make_engine(url) for _ in range(processes)]
    start = threading.Barrier(processes)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        start.wait()
        try:
            migrate(engines[index])
        except BaseException as exc:  # the test reports what each one raised
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    return failures


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_processes_that_start_together_all_migrate(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # without the advisory lock, PostgreSQL failed 1 run in 3 with 'alembic_version already exists', and uvicorn
    # then stopped the whole server (every screen got 1012)
    for attempt in range(3):
        url = f"sqlite:///{tmp_path / f'venue-{attempt}.db'}" if kind == "sqlite" else request.getfixturevalue("pg_url")
        if kind == "postgresql" and attempt:
            break  # one fresh PostgreSQL database per test; eight processes on it are the check
        failures = migrate_together(url, 8)
        assert failures == [], [repr(f) for f in failures]
        engine = make_engine(url)
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            assert "marks" in inspect(connection).get_table_names()
        engine.dispose()
        assert len(versions) == 1, versions

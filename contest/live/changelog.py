"""Follow the database's change log: every contest's version, read now and then, tells this worker of changes made
by the others (without Redis, and after Redis was down). One query of the watched contests' versions a round."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from contest.db.models import Contest
from contest.live.hub import Hub

log = logging.getLogger(__name__)


def versions(db: sessionmaker[Session], slugs: set[str]) -> dict[str, int]:
    with db() as session:
        rows = session.execute(select(Contest.slug, Contest.seq).where(Contest.slug.in_(slugs)))
        return {slug: seq for slug, seq in rows}


async def follow(db: sessionmaker[Session], hub: Hub, interval: float) -> None:
    """Tell the hub each watched contest's version every `interval` seconds, until cancelled."""
    failing = False
    while True:
        await asyncio.sleep(interval)
        slugs = hub.watched()
        if not slugs:
            continue
        try:
            found = await run_in_threadpool(versions, db, slugs)
        except Exception:
            if not failing:
                log.warning("reading the change log failed; trying again", exc_info=True)
            failing = True
            continue
        failing = False
        for slug, seq in found.items():
            hub.changed_remote(slug, seq)

"""Group commit: one thread writes every submission of this process.

Requests queue their submissions and wait. The writer takes everything that has queued up (one submission when
the venue is quiet, dozens when 50 judges press submit together), checks and stores it in one transaction
(`services.marks.write_batch`), commits once, and only then answers each request. So a mark is never
acknowledged before it is durable, and one commit (one fsync on SQLite) carries many marks.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from contest.scoring import Mark as CoreMark
from contest.services.errors import Message, ServiceError, Unavailable
from contest.services.marks import Cut, MarkRequest, Pending, Receipt, write_batch
from contest.services.principals import Principal

log = logging.getLogger(__name__)

MAX_BATCH = 200


@dataclass(frozen=True)
class Committed:
    """The marks a batch stored for one contest: all of its versions after `after` up to `seq`, nothing else."""

    slug: str
    after: int
    seq: int
    marks: list[CoreMark]


@dataclass
class _Job:
    pending: Pending
    answer: Future[Receipt] = field(default_factory=Future)


class MarkWriter:
    def __init__(
        self,
        db: sessionmaker[Session],
        *,
        cut: Cut | None = None,
        max_batch: int = MAX_BATCH,
        committed: Callable[[Committed], None] | None = None,
    ) -> None:
        self._db = db
        self._cut = cut
        self._committed = committed  # told of each contest a batch stored marks of, once it committed
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="contest-mark-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Write what is queued, then stop; a submission that slipped in behind the stop is refused, not lost."""
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                job.answer.set_exception(_closing())

    def submit(self, sender: Principal | str, slug: str, request: MarkRequest) -> Future[Receipt]:
        """Queue one submission; the future holds its receipt once committed, or the error that refused it."""
        if self._closed:
            raise _closing()
        job = _Job(Pending(sender, slug, request))
        self._queue.put(job)
        return job.answer

    async def write(self, sender: Principal | str, slug: str, request: MarkRequest) -> Receipt:
        return await asyncio.wrap_future(self.submit(sender, slug, request))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            jobs = [first]
            while len(jobs) < self._max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                jobs.append(job)
            self._write(jobs)

    def _write(self, jobs: list[_Job]) -> None:
        try:
            with self._db.begin() as session:
                outcomes = write_batch(session, [job.pending for job in jobs], cut=self._cut)
        except Exception as exc:
            if len(jobs) > 1:  # nothing of the batch was stored: each on its own, so one cannot fail the others
                for job in jobs:
                    self._write([job])
                return
            log.exception("writing a submission failed")
            jobs[0].answer.set_exception(exc)
            return
        # committed: now, and only now, each request hears its answer, and the live boards hear of the change
        stored: dict[str, list[Receipt]] = {}
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, ServiceError):
                job.answer.set_exception(outcome)
            else:
                job.answer.set_result(outcome)
                if outcome.created:
                    stored.setdefault(job.pending.slug, []).append(outcome)
        if self._committed is not None:
            for slug, receipts in stored.items():
                # a contest's submissions in one batch took its next versions one by one, in the batch's order
                marks = [mark for receipt in receipts for mark in receipt.marks]
                self._committed(Committed(slug, receipts[0].seq - 1, receipts[-1].seq, marks))


def _closing() -> Unavailable:
    return Unavailable(Message("the server is shutting down; the tablet will send this again"))

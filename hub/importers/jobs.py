"""Long imports in the background, with their progress for the upload page.

A file larger than IMPORT_BACKGROUND_BYTES is not imported inside the request: the upload
page starts a job and answers at once with a page that polls (htmx, every second) the job's
state — reading, checking row n of N, writing — and shows the usual report when it is done.
Smaller files are imported in the request as before.

The job runs in a thread of the web process that received the file (IMPORT_IN_THREAD; off,
it runs inline, which the tests use). Its state lives in the cache under a random id, with
the user who started it: Redis when configured, so any web process answers the polling; in
the embedded mode the one process's memory, where the thread runs too. No task queue: the
file is in this process's memory already, and an import is one transaction, so a process
that stops mid-import (a restart) writes nothing — the page then says so once the job has
been silent for IMPORT_JOB_STALE_SECONDS.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import translation

from .report import ImportReport

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
READING, CHECKING, WRITING = "reading", "checking", "writing"
KEEP_SECONDS = 6 * 60 * 60
EVERY_ROWS = 500  # progress is saved every this many rows (and at each phase)


@dataclass
class Job:
    id: str
    user_id: int
    filename: str
    dry_run: bool
    state: str = RUNNING
    phase: str = READING
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    updated: float = field(default_factory=time.time)

    @property
    def percent(self) -> int:
        if self.phase == WRITING or self.state != RUNNING:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def stale(self) -> bool:
        return self.state == RUNNING and time.time() - self.updated > stale_seconds()


def stale_seconds() -> int:
    return getattr(settings, "IMPORT_JOB_STALE_SECONDS", 300)


def runs_in_background(content: bytes) -> bool:
    return len(content) > getattr(settings, "IMPORT_BACKGROUND_BYTES", 256 * 1024)


def _key(job_id: str) -> str:
    return f"import-job:{job_id}"


def _save(job: Job) -> None:
    job.updated = time.time()
    cache.set(_key(job.id), job, KEEP_SECONDS)


def get(job_id: str, user) -> Job | None:
    """The job if it exists and `user` started it (anyone else: None, the page answers 404)."""
    job = cache.get(_key(str(job_id)))
    if job is None or job.user_id != user.pk:
        return None
    return job


class Progress:
    """Passed to the importers as `progress(phase, done, total)`; saves at most every
    EVERY_ROWS rows so a 30,000-row file costs about sixty cache writes."""

    def __init__(self, job: Job):
        self.job = job
        self.last = -EVERY_ROWS

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        job = self.job
        if phase == job.phase and done - self.last < EVERY_ROWS and done != total:
            return
        job.phase, job.done, job.total = phase, done, total
        self.last = done
        _save(job)


def start(*, importer, user, content: bytes, filename: str, dry_run: bool) -> Job:
    """Start `importer(user=…, content=…, filename=…, dry_run=…, progress=…)` as a job."""
    job = Job(id=uuid.uuid4().hex, user_id=user.pk, filename=filename, dry_run=dry_run)
    _save(job)
    in_thread = getattr(settings, "IMPORT_IN_THREAD", True)
    language = translation.get_language()  # the report speaks the uploader's language

    def work():
        try:
            with translation.override(language):
                report = importer(
                    user=user,
                    content=content,
                    filename=filename,
                    dry_run=dry_run,
                    progress=Progress(job),
                )
            job.state, job.report = DONE, report
        except Exception:
            log.exception("import job %s failed", job.id)
            job.state = FAILED
            if not in_thread:
                raise
        finally:
            _save(job)
            if in_thread:
                connections.close_all()  # this thread's own database connections

    if in_thread:
        threading.Thread(target=work, name=f"import-{job.id[:8]}", daemon=True).start()
    else:
        work()
    return job

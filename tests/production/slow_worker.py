"""The hub's Celery app as the production-path test's worker runs it: identical, except that a
report build waits PRODPATH_BUILD_DELAY seconds once it has claimed its report (the row says
running), so the test can kill the worker mid-build. Production code has no such hook."""

import os
import time

from celery.signals import worker_process_init

from hub.celery import app

__all__ = ["app"]


def _slow_claims(**kwargs):
    from progress import services

    delay = float(os.environ.get("PRODPATH_BUILD_DELAY", "0") or 0)
    claim = services._claim
    if delay <= 0 or getattr(claim, "slowed", False):
        return

    def slow_claim(report_id, task_id):
        result = claim(report_id, task_id)
        if result[1]:
            time.sleep(delay)
        return result

    slow_claim.slowed = True
    services._claim = slow_claim


# In the pool process that runs the task (the worker is prefork, as in production).
worker_process_init.connect(_slow_claims, weak=False)

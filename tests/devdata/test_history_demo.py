"""The demo's back-filed history (seed_history, the last step of seed_demo): the committed
file imports for a small demo too (rows of absent plants left out), the past years' shares
rise from 0 %, and a second run imports nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.choices import AssessmentOrigin
from assessments.models import Assessment
from devdata import history_demo
from progress.selectors import progress_summary

pytestmark = pytest.mark.django_db


def test_seed_demo_backfiles_the_history_once(db, settings):
    assert "seed_history" in settings.DEMO_SEED_STEPS
    settings.DEMO_SEED_STEPS = [s for s in settings.DEMO_SEED_STEPS if s != "seed_history"]
    call_command("seed_demo", plants=60, force=True, stdout=io.StringIO())
    before = {r["year"]: r for r in progress_summary(as_of=timezone.localdate()).yearly}

    out = io.StringIO()
    call_command("seed_history", force=True, stdout=out)
    backfiled = Assessment.objects.filter(origin=AssessmentOrigin.HISTORY)
    assert backfiled.exists() and "Back-filed history:" in out.getvalue()
    assert backfiled.filter(outcome_only=True).exists()
    assert all(a.source_reference.startswith(history_demo.REFERENCE_PREFIX) for a in backfiled)
    after = {r["year"]: r for r in progress_summary(as_of=timezone.localdate()).yearly}
    past = [y for y in (2019, 2020) if y in after]
    assert past and all(after[y]["level3"] > before[y]["level3"] for y in past)

    count = backfiled.count()
    out = io.StringIO()
    call_command("seed_history", force=True, stdout=out)
    assert "already imported" in out.getvalue() and backfiled.count() == count

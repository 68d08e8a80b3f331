"""Races between real database sessions: threads with their own PostgreSQL connections start
together at a barrier and call the same services (or the API) on the same rows.

Each race runs ROUNDS times on fresh rows. While a service holds its row lock, writing its
audit entry is slowed down (HOLD seconds), so the rival arrives while the lock is held: every
race is checked to have really overlapped. What must hold whatever the interleaving:

- two agency staff confirm one submitted assessment: one succeeds, the other is refused with
  the service's "wrong state" error; one confirmation in the audit log, one level update;
- the consultant saves a rating while staff return or confirm the assessment: a rating is
  saved only after the return (on the returned draft), never on a submitted or confirmed one;
- two projects claim a partner's last committed funds (or the commitment is lowered while a
  project applies): one wins, the other is told how much is left; what the partner's projects
  use never exceeds the commitment.

SQLite has no row locks (select_for_update is a no-op) and locks the whole file: these tests
run on PostgreSQL only (`postgres` marker)."""

import datetime
import itertools
import threading
import time
from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.utils import translation

import assessments.services.evidence
import assessments.services.workflow
import programs.services.kpis
import programs.services.programs
import programs.services.projects
from assessments import scoring
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Item, ItemRating
from hub.choices import AuditAction, Role
from hub.models import AuditEntry, Plant
from tests.assessments.conftest import rate_all, seed_definition
from tests.factories import PlantFactory, member
from tests.programs import conftest as programs_conftest
from tests.programs.conftest import M, project_data

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks and serialises every write",
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 10


@pytest.fixture(autouse=True)
def _seeded_rows(transactional_db):
    """Transactional tests start after other tests' flushes, which empty the tables the data
    migrations seeded (cost-share rules, targets): seed them again, as those migrations do."""
    for name in ("0002_seed_cost_share_rules", "0004_seed_targets"):
        import_module(f"programs.migrations.{name}").seed(_TodaysModels, None)


class _TodaysModels:
    """The app registry as the seeding migrations see it, with today's models: the targets
    have moved from the programs app (whose migration seeds them) to the progress app."""

    MOVED = {("programs", "Target"): "progress", ("programs", "TargetChange"): "progress"}

    @classmethod
    def get_model(cls, app_label, model_name):
        from django.apps import apps

        return apps.get_model(cls.MOVED.get((app_label, model_name), app_label), model_name)


HOLD = 0.05  # seconds a service keeps its lock longer (see slow_audit)


class Outcome:
    def __init__(self, value=None, error=None, started=0.0, ended=0.0):
        self.value, self.error, self.started, self.ended = value, error, started, ended

    @property
    def ok(self) -> bool:
        return self.error is None


def race(*calls) -> list[Outcome]:
    """Run the calls at the same moment, each in its own thread (so its own database
    connection, closed when the thread ends); their outcomes in the same order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index].started = time.monotonic()
            with translation.override("en"):
                outcomes[index].value = call()
        except Exception as exc:  # the outcome under test, asserted by the caller
            outcomes[index].error = exc
        finally:
            outcomes[index].ended = time.monotonic()
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes


def overlapped(outcomes: list[Outcome]) -> bool:
    """The rival started before the winner had finished (so it met the held lock)."""
    return max(o.started for o in outcomes) < min(o.ended for o in outcomes)


@pytest.fixture
def slow_audit(monkeypatch):
    """Audit entries are written inside the services' transactions, after the row locks are
    taken: slowing them keeps each lock held for HOLD seconds."""
    # Each module of the services that writes audit entries while holding row locks.
    for module in (
        assessments.services.workflow,
        assessments.services.evidence,
        programs.services.programs,
        programs.services.projects,
        programs.services.kpis,
    ):
        original = module.audit_record

        def slowed(*args, _original=original, **kwargs):
            time.sleep(HOLD)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, "audit_record", slowed)


@pytest.fixture
def staff(world):
    """Two agency staff of the same agency."""
    return world.agency, member(Role.AGENCY_STAFF, world.agency_org, "agency2")


@pytest.fixture
def framework(world):
    framework, _ = assessments.services.framework_load(data=seed_definition())
    return framework


def submitted_assessment(world) -> Assessment:
    """A fresh plant's assessment, every item rated 3, submitted by the consultant."""
    assessment = assessments.services.assessment_open(
        plant=PlantFactory(), consultant=world.consultant, user=world.agency
    )
    rate_all(assessment, 3)
    return assessments.services.assessment_submit(
        assessment=assessment, user=world.consultant, assessed_on=datetime.date(2025, 6, 2)
    )


def fresh(assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def transitions_to(assessment, status) -> int:
    return (
        AuditEntry.objects.for_object(assessment)
        .filter(action=AuditAction.TRANSITION, after__status=status)
        .count()
    )


def wrong_state(error, message: str) -> bool:
    return (
        isinstance(error, ValidationError)
        and getattr(error, "code", None) == "wrong_state"
        and error.messages == [message]
    )


# --- assessments -----------------------------------------------------------------------------


def test_two_staff_confirming_one_assessment_confirm_it_once(world, staff, framework, slow_audit):
    overlaps = 0
    for _ in range(ROUNDS):
        assessment = submitted_assessment(world)
        outcomes = race(
            *(
                lambda user=user, assessment=assessment: assessments.services.assessment_confirm(
                    assessment=fresh(assessment), user=user
                )
                for user in staff
            )
        )
        overlaps += overlapped(outcomes)
        winners = [o for o in outcomes if o.ok]
        losers = [o for o in outcomes if not o.ok]
        assert len(winners) == 1 and len(losers) == 1, [o.error for o in outcomes]
        assert wrong_state(losers[0].error, "A confirmed assessment cannot be confirmed.")

        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.CONFIRMED
        assert assessment.confirmed_by_id == winners[0].value.confirmed_by_id
        assert transitions_to(assessment, AssessmentStatus.CONFIRMED) == 1
        plant = Plant.objects.get(pk=assessment.plant_id)
        assert AuditEntry.objects.for_object(plant).filter(action=AuditAction.UPDATE).count() == 1
        assert plant.current_level == assessment.final_level
        assert plant.level_confirmed_on == assessment.assessed_on
    assert overlaps >= ROUNDS // 2, f"only {overlaps} of {ROUNDS} rounds overlapped"


def first_item(framework) -> Item:
    return Item.objects.filter(category__area__framework=framework).order_by("order").first()


def rate(world, assessment, item, value):
    return lambda: assessments.services.assessment_rate_item(
        assessment=fresh(assessment),
        item=item,
        user=world.consultant,
        data={"rating": value, "evidence_note": "measured again"},
    )


def test_a_rating_saved_while_staff_return_the_assessment_lands_only_on_the_returned_draft(
    world, framework, slow_audit, record_property
):
    item = first_item(framework)
    saved_after_return = refused = overlaps = 0
    for _ in range(ROUNDS):
        assessment = submitted_assessment(world)
        rating, returned = race(
            rate(world, assessment, item, 5),
            lambda assessment=assessment: assessments.services.assessment_return(
                assessment=fresh(assessment), user=world.agency, reason="Evidence for A1.1?"
            ),
        )
        overlaps += overlapped([rating, returned])
        assert returned.ok, returned.error
        assessment.refresh_from_db()
        assert assessment.status == AssessmentStatus.RETURNED
        assert transitions_to(assessment, AssessmentStatus.RETURNED) == 1
        stored = ItemRating.objects.get(assessment=assessment, item=item)
        if rating.ok:
            # Only possible after the return: the rating entry follows the transition.
            saved_after_return += 1
            assert stored.rating == 5
            entries = list(AuditEntry.objects.for_object(assessment).order_by("pk"))
            kinds = [(e.action, (e.after or {}).get("status")) for e in entries]
            assert kinds.index((AuditAction.TRANSITION, "returned")) < len(kinds) - 1
            assert entries[-1].action == AuditAction.UPDATE and entries[-1].after["rating"] == 5
        else:
            refused += 1
            assert wrong_state(rating.error, "A submitted assessment cannot be edited.")
            assert stored.rating == 3
    assert saved_after_return + refused == ROUNDS
    assert overlaps >= 1
    record_property("saved_after_return", saved_after_return)
    record_property("refused_before_return", refused)


def test_a_rating_saved_while_staff_confirm_never_changes_the_confirmed_assessment(
    world, framework, slow_audit
):
    item = first_item(framework)
    overlaps = 0
    for _ in range(ROUNDS):
        assessment = submitted_assessment(world)
        before = assessment.total_score
        rating, confirmed = race(
            rate(world, assessment, item, 0),
            lambda assessment=assessment: assessments.services.assessment_confirm(
                assessment=fresh(assessment), user=world.agency
            ),
        )
        overlaps += overlapped([rating, confirmed])
        assert confirmed.ok, confirmed.error
        assert not rating.ok
        assert wrong_state(rating.error, "A submitted assessment cannot be edited.") or wrong_state(
            rating.error, "A confirmed assessment cannot be edited."
        )
        assessment.refresh_from_db()
        assert ItemRating.objects.get(assessment=assessment, item=item).rating == 3
        # The stored result is the score of the stored ratings, unchanged since the submit.
        recomputed = assessments.services.assessment_score(assessment)
        assert assessment.total_score == scoring.to_decimal(recomputed.total) == before
    assert overlaps >= 1


def test_two_confirm_requests_over_http_confirm_once(world, staff, framework, slow_audit):
    clients = []
    for user in staff:
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        clients.append(client)
    for _ in range(ROUNDS // 2):
        assessment = submitted_assessment(world)
        url = f"/api/v1/assessments/{assessment.pk}/confirm/"
        outcomes = race(*(lambda client=client, url=url: client.post(url) for client in clients))
        statuses = sorted(o.value.status_code for o in outcomes)
        assert statuses == [200, 400], [o.value.content for o in outcomes]
        refused = next(o.value for o in outcomes if o.value.status_code == 400)
        assert refused.json() == {
            "non_field_errors": ["A confirmed assessment cannot be confirmed."]
        }
        assert transitions_to(assessment, AssessmentStatus.CONFIRMED) == 1


# --- partner funds ---------------------------------------------------------------------------


_programs = itertools.count(1)


def winwin_program(world, committed):
    number = next(_programs)
    return programs_conftest.winwin_program(
        world,
        [(world.firm_a, committed)],
        name_ko=f"상생형 경합 시험 {number}",
        name_en=f"Win-win race test {number}",
    )


def apply(world, program):
    """A basic project of ₩100 m on a fresh plant: the partner pays ₩30 m."""
    plant = PlantFactory()
    return lambda: programs.services.project_apply(
        user=world.agency, data=project_data(program, plant, world.firm_a)
    )


def used(program, world) -> Decimal:
    return programs.services.partner_allocated(program.pk, world.firm_a.pk)


def test_two_projects_claiming_the_last_funds_one_wins(world, slow_audit):
    overlaps = 0
    for _ in range(ROUNDS):
        program = winwin_program(world, 60 * M)
        apply(world, program)()  # ₩30 m of ₩60 m used: ₩30 m left, enough for one more
        outcomes = race(apply(world, program), apply(world, program))
        overlaps += overlapped(outcomes)
        winners = [o for o in outcomes if o.ok]
        losers = [o for o in outcomes if not o.ok]
        assert len(winners) == 1 and len(losers) == 1, [o.error for o in outcomes]
        error = losers[0].error
        assert isinstance(error, ValidationError), error
        assert error.message_dict["partner_share"] == [
            f"{world.firm_a.name} has ₩0 left of its ₩60,000,000 commitment; this project "
            "needs ₩30,000,000 more."
        ]
        assert used(program, world) == 60 * M
        assert program.projects.count() == 2
    assert overlaps >= ROUNDS // 2, f"only {overlaps} of {ROUNDS} rounds overlapped"


def test_lowering_a_commitment_while_a_project_applies_never_overspends(world, slow_audit):
    applied_first = lowered_first = overlaps = 0
    for _ in range(ROUNDS):
        program = winwin_program(world, 60 * M)
        apply(world, program)()
        project, lowered = race(
            apply(world, program),
            lambda program=program: programs.services.commitment_set(
                program=program, partner=world.firm_a, committed=30 * M, user=world.agency
            ),
        )
        overlaps += overlapped([project, lowered])
        assert project.ok != lowered.ok, (project.error, lowered.error)
        commitment = program.commitments.get(partner=world.firm_a)
        assert used(program, world) <= commitment.committed
        if project.ok:
            applied_first += 1
            assert commitment.committed == 60 * M
            assert lowered.error.message_dict["committed"] == [
                f"{world.firm_a.name}'s projects in this program already use ₩60,000,000; "
                "the commitment cannot be lower."
            ]
        else:
            lowered_first += 1
            assert commitment.committed == 30 * M
            assert project.error.message_dict["partner_share"] == [
                f"{world.firm_a.name} has ₩0 left of its ₩30,000,000 commitment; this "
                "project needs ₩30,000,000 more."
            ]
    assert applied_first + lowered_first == ROUNDS
    assert overlaps >= 1

"""manage.py seed_assessments: confirmed assessment histories and a few assessments in progress
for the demo plants (run by seed_demo after the registry data and load_framework).

Every transition goes through the workflow services (open → submit → confirm, or return), so
audit entries, stored results and the plants' current levels come out as in real use; only
the consultant's 40 ratings of each draft are written in one bulk update. Idempotent:
confirmed assessments are keyed by plant and assessment date, and a plant that has any
assessment beyond its planned history gets no new assessment in progress.
"""

import datetime
import time
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from assessments import scoring, services
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Item, ItemRating
from devdata import assessments as demo
from devdata import registry as registry_demo
from devdata.demo_command import DemoCommand
from hub import services as registry_services
from hub.choices import OrganizationKind, PlantStatus, Role
from hub.models import Organization, Plant


class Command(DemoCommand):
    help = "Create demo assessment histories (seed_demo runs this after the registry data)."

    def handle(self, *args, plants: int, force: bool, **options):
        self.refuse_in_production(force)
        started = time.monotonic()
        try:
            framework = services.framework_current()
        except ValidationError as exc:
            raise CommandError("No active framework: run `manage.py load_framework`.") from exc
        self.framework = framework
        self.spec = framework.spec()
        self.item_ids = {
            i.code: i.pk for i in Item.objects.filter(category__area__framework=framework)
        }
        self.created = Counter()
        self.skipped = 0
        with transaction.atomic():
            self.users = self._users()
            self.agency = self.users[demo.AGENCY_USER]
            profiles = demo.profiles(plants)
            plans = demo.plan(self.spec, profiles, timezone.localdate())
            by_key = self._plants(plants)
            for plant_plan in plans:
                plant = by_key.get(plant_plan.key)
                if plant is not None:
                    self._seed_plant(plant, plant_plan)
        if options["verbosity"] >= 1:
            self._summary(list(by_key.values()), time.monotonic() - started)

    # --- set-up ------------------------------------------------------------------------------

    def _users(self) -> dict:
        """The agency login and the demo consultants (creating the ones seed_demo does not)."""
        user_model = get_user_model()
        names = [demo.AGENCY_USER, *demo.CONSULTANTS]
        users = {u.username: u for u in user_model.objects.filter(username__in=names)}
        if demo.AGENCY_USER not in users or "consultant" not in users:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        consultancies = {
            o.name: o for o in Organization.objects.filter(kind=OrganizationKind.CONSULTANCY)
        }
        for username, (first, last, org_name, _share) in demo.CONSULTANTS.items():
            if username in users:
                continue
            if org_name not in consultancies:
                raise CommandError(f"Consultancy {org_name} is missing: run seed_demo first.")
            users[username] = registry_services.user_create_with_membership(
                username=username,
                password=registry_demo.PASSWORD,
                organization=consultancies[org_name],
                role=Role.CONSULTANT,
                email=f"{username}@example.org",
                first_name=first,
                last_name=last,
            )
            self.created["user"] += 1
        return users

    def _plants(self, plants: int) -> dict[str, Plant]:
        numbers = [c.business_number for c in registry_demo.plan(plants)]
        rows = Plant.objects.filter(company__business_number__in=numbers).select_related("company")
        return {demo.plant_key(p.company.business_number, p.name): p for p in rows}

    # --- writing -----------------------------------------------------------------------------

    def _seed_plant(self, plant: Plant, plan: demo.PlantPlan) -> None:
        existing = list(Assessment.objects.filter(plant=plant).values("status", "assessed_on"))
        confirmed_on = {
            a["assessed_on"] for a in existing if a["status"] == AssessmentStatus.CONFIRMED
        }
        planned_on = {a.assessed_on for a in plan.history}
        # Someone opened an assessment of this plant meanwhile, or closed it: leave it be.
        busy = plant.status == PlantStatus.CLOSED or any(
            a["status"] != AssessmentStatus.CONFIRMED for a in existing
        )
        for entry in plan.history:
            if entry.assessed_on in confirmed_on:
                continue
            if busy:
                self.skipped += 1
                continue
            self._confirmed(plant, entry)
        beyond_plan = any(
            a["status"] != AssessmentStatus.CONFIRMED or a["assessed_on"] not in planned_on
            for a in existing
        )
        if plan.in_progress is not None and not beyond_plan and not busy:
            self._in_progress(plant, plan.in_progress)

    def _open(self, plant: Plant, entry: demo.AssessmentPlan, due_on=None) -> Assessment:
        return services.assessment_open(
            plant=plant,
            consultant=self.users[entry.consultant],
            user=self.agency,
            due_on=due_on,
            framework=self.framework,
        )

    def _rate(self, assessment: Assessment, entry: demo.AssessmentPlan) -> None:
        """The consultant's ratings of their own fresh draft. Written in bulk: the blank rows
        assessment_open created are replaced in one delete and one insert (a bulk update
        of 40 rows costs the ORM several times more)."""
        consultant = self.users[entry.consultant]
        rows = []
        for code, item_id in self.item_ids.items():
            value = entry.ratings.get(code)
            not_applicable = value == scoring.NOT_APPLICABLE
            rows.append(
                ItemRating(
                    assessment=assessment,
                    item_id=item_id,
                    rating=None if not_applicable else value,
                    not_applicable=not_applicable,
                    na_reason=entry.na_reasons.get(code, ""),
                    evidence_note=entry.notes.get(code, ""),
                    updated_by=consultant if value is not None else None,
                )
            )
        ItemRating.objects.filter(assessment=assessment).delete()
        ItemRating.objects.bulk_create(rows)

    def _confirmed(self, plant: Plant, entry: demo.AssessmentPlan) -> None:
        assessment = self._open(plant, entry)
        self._rate(assessment, entry)
        services.assessment_submit(
            assessment=assessment,
            user=self.users[entry.consultant],
            assessed_on=entry.assessed_on,
        )
        services.assessment_confirm(assessment=assessment, user=self.agency)
        self._backdate(assessment, entry.assessed_on)
        self.created["confirmed"] += 1

    @staticmethod
    def _backdate(assessment, assessed_on: datetime.date) -> None:
        """Historical records carry historical times: opened two weeks before the visit,
        submitted 3 days and confirmed 10 days after it (never later than now), so progress
        figures as of a past date see the confirmations of that time. A queryset update on
        purpose: it is the seed writing history, not a change to a confirmed assessment; the
        plant's level timeline follows the historical times."""

        def at(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))

        now = timezone.now()
        Assessment.objects.filter(pk=assessment.pk).update(
            opened_at=min(at(assessed_on - datetime.timedelta(days=14)), now),
            submitted_at=min(at(assessed_on + datetime.timedelta(days=3)), now),
            confirmed_at=min(at(assessed_on + datetime.timedelta(days=10)), now),
        )
        services.level_timeline_rebuild(plant_ids=[assessment.plant_id])

    def _in_progress(self, plant: Plant, entry: demo.AssessmentPlan) -> None:
        today = timezone.localdate()
        assessment = self._open(
            plant, entry, due_on=today + datetime.timedelta(days=entry.due_in_days)
        )
        self._rate(assessment, entry)
        if entry.status in (AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED):
            services.assessment_submit(
                assessment=assessment,
                user=self.users[entry.consultant],
                assessed_on=entry.assessed_on,
            )
        if entry.status == AssessmentStatus.RETURNED:
            services.assessment_return(
                assessment=assessment, user=self.agency, reason=entry.return_reason
            )
        self.created[entry.status] += 1

    # --- report ------------------------------------------------------------------------------

    def _summary(self, plants: list[Plant], seconds: float) -> None:
        ids = [p.pk for p in plants]
        levels = Counter(
            Plant.objects.filter(pk__in=ids, current_level__isnull=False).values_list(
                "current_level", flat=True
            )
        )
        assessed = sum(levels.values())
        statuses = Counter(
            Assessment.objects.filter(plant__in=ids).values_list("status", flat=True)
        )
        per_plant = Counter(
            Counter(
                Assessment.objects.filter(
                    plant__in=ids, status=AssessmentStatus.CONFIRMED
                ).values_list("plant_id", flat=True)
            ).values()
        )
        latest = {}
        for plant_id, _day, rule in (
            Assessment.objects.filter(plant__in=ids, status=AssessmentStatus.CONFIRMED)
            .order_by("plant_id", "assessed_on", "confirmed_at", "pk")
            .values_list("plant_id", "assessed_on", "capping_rule")
        ):
            latest[plant_id] = rule
        capped = Counter(rule for rule in latest.values() if rule)
        high = sum(n for level, n in levels.items() if level >= 3)
        new = ", ".join(f"{n} {k}" for k, n in sorted(self.created.items())) or "nothing"
        if self.skipped:
            new += f"; {self.skipped} skipped: plant closed or with an assessment in progress"
        queues = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED, AssessmentStatus.SUBMITTED)
        lines = [
            f"Demo assessments ready in {seconds:.1f} s (created: {new}).",
            f"  plants with a confirmed level: {assessed} of {len(ids)} "
            f"({100 * assessed / max(len(ids), 1):.0f}%); confirmed assessments per plant: "
            + ", ".join(f"{k}×{n}" for k, n in sorted(per_plant.items())),
            f"  current levels: {demo.describe(levels)}; "
            f"Level 3+: {100 * high / max(assessed, 1):.1f}%",
            "  capped by a floor rule: "
            + (", ".join(f"{n} {rule}" for rule, n in sorted(capped.items())) or "none"),
            "  in progress: " + ", ".join(f"{statuses.get(s, 0)} {s}" for s in queues),
            f"  consultant logins (password {registry_demo.PASSWORD}): "
            + ", ".join(demo.CONSULTANTS),
        ]
        self.stdout.write("\n".join(lines))

"""Demo data for a fresh installation, written through the registry services (so every row
has its audit entry). Idempotent: organisations are keyed by kind and name (SME companies by
business number), plants by company and name, mentorships by partner, plant and start date,
users by username. Running it again creates nothing new.

Then it runs the management commands named in settings.DEMO_SEED_STEPS (other apps' demo data,
e.g. the assessment framework and histories: hub does not import those apps), passing on
verbosity and the --plants and --force options to the steps that take them."""

import time
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import transaction

from datahub.choices import SourceKind
from datahub.models import DataSource, Series
from datahub.services import sources
from devdata import registry as demo
from devdata.demo_command import DemoCommand
from hub import services, signals
from hub.choices import OrganizationKind, Role
from hub.models import Mentorship, Organization, Plant


class Command(DemoCommand):
    help = "Create demo organisations, SME plants, mentorships and the six demo logins."
    plants_help = "SME plants (default 240)"

    def handle(self, *args, plants: int, force: bool, **options):
        self.refuse_in_production(force)
        if plants < 1:
            raise CommandError("--plants must be at least 1.")
        started = time.monotonic()
        self.created = Counter()
        with transaction.atomic():
            orgs = self._organizations()
            self._users(orgs)
            companies = demo.plan(plants)
            self._companies(companies, orgs)
            self._sme_login(companies)
        self._summary(time.monotonic() - started)
        self._steps(plants=plants, force=force, verbosity=options["verbosity"])
        signals.bulk_written.send(sender=Plant)  # the steps write in bulk too

    def _steps(self, **options) -> None:
        """Run settings.DEMO_SEED_STEPS, each with the options its parser accepts."""
        commands = get_commands()
        for name in getattr(settings, "DEMO_SEED_STEPS", []):
            if name not in commands:
                raise CommandError(f"DEMO_SEED_STEPS names an unknown command: {name}")
            command = load_command_class(commands[name], name)
            accepted = {action.dest for action in command.create_parser("", name)._actions}
            call_command(
                command,
                stdout=self.stdout,
                stderr=self.stderr,
                **{key: value for key, value in options.items() if key in accepted},
            )

    def _organizations(self) -> dict[str, Organization]:
        existing = {
            (o.kind, o.name): o for o in Organization.objects.exclude(kind=OrganizationKind.SME)
        }
        orgs = {}
        for kind, name, name_en, region in demo.ORGANIZATIONS:
            org = existing.get((kind, name))
            if org is None:
                org = services.organization_create(
                    user=None,
                    data={"kind": kind, "name": name, "name_en": name_en, "region": region},
                )
                self.created[kind] += 1
            orgs[name] = org
        return orgs

    def _users(self, orgs: dict[str, Organization]) -> None:
        user_model = get_user_model()
        taken = set(
            user_model.objects.filter(username__in=demo.USER_NAMES).values_list(
                "username", flat=True
            )
        )
        for username, (role, org_name) in demo.USERS.items():
            if username in taken:
                continue
            first_name, last_name = demo.USER_NAMES[username]
            services.user_create_with_membership(
                username=username,
                password=demo.PASSWORD,
                organization=orgs[org_name],
                role=role,
                email=f"{username}@example.org",
                first_name=first_name,
                last_name=last_name,
            )
            self.created["user"] += 1
        if "admin" not in taken:
            user_model.objects.create_superuser(
                username="admin",
                email="admin@example.org",
                password=demo.PASSWORD,
                first_name=demo.USER_NAMES["admin"][0],
            )
            self.created["user"] += 1

    def _companies(self, companies: list[demo.CompanyPlan], orgs: dict[str, Organization]):
        numbers = [c.business_number for c in companies]
        existing = {
            o.business_number: o for o in Organization.objects.filter(business_number__in=numbers)
        }
        plants = {
            (p.company_id, p.name): p
            for p in Plant.objects.filter(company__business_number__in=numbers)
        }
        mentorships = set(
            Mentorship.objects.filter(plant__company__business_number__in=numbers).values_list(
                "partner_id", "plant_id", "start_date"
            )
        )
        for c in companies:
            company = existing.get(c.business_number)
            if company is None:
                company = services.organization_create(
                    user=None,
                    data={
                        "kind": OrganizationKind.SME,
                        "name": c.name,
                        "name_en": c.name_en,
                        "business_number": c.business_number,
                        "size_class": c.size_class,
                        "employees": c.employees,
                        "revenue_million_krw": c.revenue_million_krw,
                        "region": c.region,
                        "address": c.address,
                    },
                )
                self.created[OrganizationKind.SME] += 1
            for p in c.plants:
                plant = plants.get((company.pk, p.name))
                if plant is None:
                    plant = services.plant_register(
                        user=None,
                        data={
                            "company": company,
                            "name": p.name,
                            "region": p.region,
                            "address": p.address,
                            "industry": p.industry,
                            "employees": p.employees,
                            "status": p.status,
                        },
                    )
                    self.created["plant"] += 1
                if p.partner is None:
                    continue
                partner = orgs[p.partner]
                if (partner.pk, plant.pk, p.mentorship_start) not in mentorships:
                    services.mentorship_create(
                        user=None,
                        data={
                            "partner": partner,
                            "plant": plant,
                            "start_date": p.mentorship_start,
                            "end_date": p.mentorship_end,
                        },
                    )
                    self.created["mentorship"] += 1

    def _sme_login(self, companies: list[demo.CompanyPlan]) -> None:
        """The `sme` login, a member of the plan's first two-plant company, and the data source
        of its first plant with the demo series (its token is not kept: the demo shows how
        to issue one)."""
        plan = demo.sme_login_company(companies)
        company = Organization.objects.get(business_number=plan.business_number)
        user_model = get_user_model()
        user = user_model.objects.filter(username=demo.SME_LOGIN).first()
        if user is None:
            first_name, last_name = demo.USER_NAMES[demo.SME_LOGIN]
            user = services.user_create_with_membership(
                username=demo.SME_LOGIN,
                password=demo.PASSWORD,
                organization=company,
                role=Role.SME_MEMBER,
                email=f"{demo.SME_LOGIN}@example.org",
                first_name=first_name,
                last_name=last_name,
            )
            self.created["user"] += 1
        plant = Plant.objects.get(company=company, name=plan.plants[0].name)
        source = DataSource.objects.filter(plant=plant, name=demo.SME_SOURCE).first()
        if source is None:
            source, _token = sources.source_create(
                user=user, plant=plant, name=demo.SME_SOURCE, kind=SourceKind.MES
            )
            self.created["data source"] += 1
        existing = set(Series.objects.filter(plant=plant).values_list("key", flat=True))
        for code in demo.SME_SERIES:
            if code not in existing:
                sources.series_create(user=user, source=source, kpi=code)
                self.created["series"] += 1

    def _summary(self, seconds: float) -> None:
        kinds = Counter(Organization.objects.values_list("kind", flat=True))
        regions = Plant.objects.values("region").distinct().count()
        industries = Plant.objects.values("industry").distinct().count()
        new = ", ".join(f"{n} {k}" for k, n in sorted(self.created.items())) or "nothing"
        self.stdout.write(
            f"Demo data ready in {seconds:.1f} s (created: {new}).\n"
            f"  organisations: {sum(kinds.values())} "
            f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})\n"
            f"  plants: {Plant.objects.count()} in {regions} regions and {industries} industries;"
            f" mentorships: {Mentorship.objects.count()}\n"
            f"  logins (password {demo.PASSWORD}): "
            f"{', '.join([*demo.USERS, demo.SME_LOGIN, 'admin'])}"
        )

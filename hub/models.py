"""Registry: organisations, memberships, plants, mentorships and the audit log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import roles
from hub.choices import (
    ROLE_ORGANIZATION_KINDS,
    AuditAction,
    Industry,
    OrganizationKind,
    PlantStatus,
    Region,
    Role,
    SizeClass,
)
from hub.validators import format_business_number, validate_business_number


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VisibleQuerySet(models.QuerySet):
    """The one visibility rule (DESIGN.md §4): administrators see every row, a signed-in user
    without membership none, and a member what `restrict_to` gives their role. Views and API
    apply `visible_to(user)` once (hub.views.mixins, hub.api.base); anything outside it
    answers 404."""

    def visible_to(self, user):
        if roles.is_admin(user):
            return self
        membership = roles.membership_of(user)
        if membership is None:
            return self.none()
        return self.restrict_to(user, membership)

    def restrict_to(self, user, membership):
        """What a member sees. By default agency staff and officials every row and the other
        roles none; each model's queryset overrides it for the roles it treats otherwise and
        leaves the rest to this."""
        if membership.role in roles.READS_EVERYTHING:
            return self
        return self.none()


class OrganizationQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        if membership.role in (Role.PARTNER_MEMBER, Role.CONSULTANT, Role.SME_MEMBER):
            # Their own organisation, and the companies owning the plants they may see.
            companies = Plant.objects.visible_to(user).values("company_id")
            return self.filter(Q(pk=membership.organization_id) | Q(pk__in=companies))
        return super().restrict_to(user, membership)


class Organization(TimeStamped):
    """A party of the program: agency, partner firm, SME company, supplier, consultancy or
    ministry. SME companies carry their business registration number and size."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    business_number = models.CharField(
        _("business registration number"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_business_number],
        help_text=_("10 digits, e.g. 123-45-67890; required for SME companies."),
    )
    size_class = models.CharField(
        _("size class"), max_length=16, choices=SizeClass.choices, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    revenue_million_krw = models.DecimalField(
        _("annual revenue (million KRW)"),
        max_digits=14,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    region = models.CharField(_("region"), max_length=2, choices=Region.choices, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("hub:organization_detail", args=[self.pk])

    @property
    def business_number_display(self) -> str:
        return format_business_number(self.business_number or "")

    def clean(self):
        super().clean()
        if self.business_number == "":
            self.business_number = None
        if self.kind == OrganizationKind.SME:
            errors = {}
            if not self.business_number:
                errors["business_number"] = _("An SME company needs its business number.")
            if not self.size_class:
                errors["size_class"] = _("An SME company needs its size class.")
            if errors:
                raise ValidationError(errors)


class Membership(TimeStamped):
    """Ties a user to the organisation they act for, with their role in the program."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        allowed = ROLE_ORGANIZATION_KINDS.get(self.role, set())
        if self.organization_id and self.organization.kind not in allowed:
            raise ValidationError(
                {
                    "organization": _(
                        "A %(role)s must belong to an organisation of kind %(kinds)s."
                    )
                    % {
                        "role": self.get_role_display(),
                        "kinds": ", ".join(str(OrganizationKind(k).label) for k in allowed),
                    }
                }
            )


class PlantQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        if membership.role == Role.PARTNER_MEMBER:
            # Past and current mentorships alike: the firm follows the plants it co-funded.
            mentored = Mentorship.objects.visible_to(user)
            return self.filter(pk__in=mentored.values("plant_id"))
        if membership.role == Role.CONSULTANT:
            return self.filter(roles.consultant_plant_filter(user))
        if membership.role == Role.SME_MEMBER:
            return self.filter(company_id=membership.organization_id)
        return super().restrict_to(user, membership)


class Plant(TimeStamped):
    """A factory site of an SME company: what the program supports and assesses."""

    company = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="plants",
        limit_choices_to={"kind": OrganizationKind.SME},
        verbose_name=_("company"),
    )
    name = models.CharField(_("plant name"), max_length=200)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.CharField(_("industry (KSIC)"), max_length=2, choices=Industry.choices)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    factory_registration_number = models.CharField(
        _("factory registration number"),
        max_length=40,
        blank=True,
        help_text=_("Number on the factory registration certificate, if the plant is registered."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlantStatus.choices, default=PlantStatus.ACTIVE
    )
    operating_since = models.DateField(
        _("operating since"),
        null=True,
        blank=True,
        help_text=_("First day of production; data hub rows dated earlier are refused."),
    )
    # Filled from the latest confirmed assessment (assessments app); kept here so lists and
    # progress figures never recompute them.
    current_level = models.PositiveSmallIntegerField(_("current level"), null=True, blank=True)
    current_score = models.DecimalField(
        _("current score"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    level_confirmed_on = models.DateField(_("level confirmed on"), null=True, blank=True)
    level_valid_until = models.DateField(_("level valid until"), null=True, blank=True)

    objects = PlantQuerySet.as_manager()

    class Meta:
        verbose_name = _("plant")
        verbose_name_plural = _("plants")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="plant_unique_name_per_company"
            ),
            models.UniqueConstraint(
                fields=["factory_registration_number"],
                condition=~Q(factory_registration_number=""),
                name="plant_unique_factory_registration_number",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "industry"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["current_level"]),
            # Lists page in the default order (name, pk), whole or by region, straight off
            # an index at 35,000 plants, deep pages included.
            models.Index(fields=["name", "id"], name="plant_name_order"),
            models.Index(fields=["region", "name", "id"], name="plant_region_name_order"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("hub:plant_detail", args=[self.pk])

    @property
    def level_expired(self) -> bool:
        """A confirmed level counts only until its validity date (framework validity)."""
        return self.level_valid_until is not None and self.level_valid_until < timezone.localdate()

    def clean(self):
        super().clean()
        if self.company_id and self.company.kind != OrganizationKind.SME:
            raise ValidationError({"company": _("A plant belongs to an SME company.")})


class MentorshipQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(partner_id=membership.organization_id)
        if membership.role in (Role.CONSULTANT, Role.SME_MEMBER):
            return self.filter(plant__in=Plant.objects.visible_to(user))
        return super().restrict_to(user, membership)

    def active_on(self, day):
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Mentorship(TimeStamped):
    """A partner firm mentoring (and usually co-funding) one plant over a period."""

    partner = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="mentorships",
        limit_choices_to={"kind": OrganizationKind.PARTNER},
        verbose_name=_("partner firm"),
    )
    plant = models.ForeignKey(
        Plant, on_delete=models.CASCADE, related_name="mentorships", verbose_name=_("plant")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "plant", "start_date"], name="mentorship_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="mentorship_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.partner} → {self.plant}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("hub:mentorship_detail", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        if self.partner_id and self.partner.kind != OrganizationKind.PARTNER:
            errors["partner"] = _("Only a partner firm can mentor a plant.")
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)


class AuditLogAppendOnly(Exception):
    """Raised on any attempt to change or remove an entry of an append-only log (the audit
    log, the data-hub access log) through the application."""


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added (one by one or with bulk_create) and read, never changed or removed."""

    def _refuse(self, what: str):
        raise AuditLogAppendOnly(f"{self.model._meta.object_name} rows cannot be {what}.")

    def update(self, **kwargs):
        self._refuse("changed")

    def delete(self):
        self._refuse("deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("changed")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        self._refuse("changed")

    # As on QuerySet: templates never call them, and delete() stays off the manager.
    update.alters_data = True
    delete.alters_data = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    """A log row: saving it again or deleting it raises AuditLogAppendOnly. (Deleting a row
    it points to still clears or cascades through Django's deletion collector, which works
    on the plain base manager.)"""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnly(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnly(f"{type(self).__name__} rows cannot be deleted.")


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )


class AuditEntry(AppendOnlyModel):
    """One recorded change: who did what to which object, with the values before and after.
    Written by services only; append-only: saving an existing entry, deleting one, and the
    queryset's update()/delete() raise AuditLogAppendOnly. (Deleting a user still clears the
    entry's user: Django's deletion collector updates through the plain base manager.)"""

    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-timestamp", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-timestamp"])]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# Registered here so Django finds the model; it lives beside its services.
from hub.invitation_model import Invitation  # noqa: E402, F401

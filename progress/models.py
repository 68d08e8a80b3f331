"""National targets and their history, and the requested PDF progress reports."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub.choices import Role
from hub.models import VisibleQuerySet
from progress.choices import ReportScope, ReportStatus, TargetCode


class Target(models.Model):
    """A national target of the program (30,000 supported plants; 25 % of them at Level 3+;
    7,500 connected to the data hub), with its due year. Changed only through
    `target_update`, which keeps the history."""

    code = models.CharField(_("target"), max_length=24, choices=TargetCode.choices, unique=True)
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    due_year = models.PositiveSmallIntegerField(
        _("due year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["code"]
        db_table = "programs_target"

    def __str__(self):
        return f"{self.get_code_display()}: {self.value:g} ({self.due_year})"

    def clean(self):
        super().clean()
        if self.code == TargetCode.LEVEL3_SHARE and self.value is not None and self.value > 100:
            raise ValidationError({"value": _("A share is at most 100 %.")})


class TargetChange(models.Model):
    """One change of a target: the history officials can quote from. Never edited."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="changes", verbose_name=_("target")
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    due_year = models.PositiveSmallIntegerField(_("due year"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        ordering = ["-changed_at", "-pk"]
        db_table = "programs_targetchange"

    def __str__(self):
        return f"{self.target.code} → {self.value:g} ({self.due_year})"


class ProgressReportQuerySet(VisibleQuerySet):
    def restrict_to(self, user, membership):
        """Partner members see the reports on their own firm's scope; agency staff and
        officials every report; consultants none."""
        if membership.role == Role.PARTNER_MEMBER:
            return self.filter(
                scope=ReportScope.PARTNER, scope_value=str(membership.organization_id)
            )
        return super().restrict_to(user, membership)


class ProgressReport(models.Model):
    """A requested PDF progress report: scope, language and as-of date in; status, progress,
    figures digest and the PDF out. Built by a Celery task; kept for download."""

    scope = models.CharField(_("scope"), max_length=16, choices=ReportScope.choices)
    # The region code, program id or partner id the scope names ("" for national).
    scope_value = models.CharField(_("scope value"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.PENDING,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    digest = models.CharField(_("SHA-256 of the figures"), max_length=64, blank=True)
    figures = models.JSONField(_("figures"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True, max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The last sign of life: the request, a retry, each build step. A pending or running report
    # silent for longer than REPORT_STALE_AFTER is abandoned (its worker died).
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # The Celery task building the report, so a redelivery of that same task restarts it.
    task_id = models.CharField(_("build task"), max_length=64, blank=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-requested_at", "-pk"]
        db_table = "programs_progressreport"

    def __str__(self):
        return _("Progress report #%(id)s") % {"id": self.pk}

    def get_absolute_url(self):
        return reverse("progress:report_detail", args=[self.pk])

"""The before/after KPIs of a project."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hub.audit import audit_record, snapshot
from hub.choices import AuditAction
from programs.choices import (
    DEFAULT_UNITS,
    Indicator,
    ProjectStatus,
)
from programs.models import KPI, Project
from programs.services.programs import require_program_manager

KPI_FIELDS = (
    "unit",
    "baseline",
    "result",
    "baseline_from",
    "baseline_to",
    "result_from",
    "result_to",
)


def fill_kpi(kpi: KPI, *, project: Project, data: dict[str, Any]) -> None:
    """Set `data` on `kpi` (not saved) and compute its improvement, with the KPI rules: no
    KPIs for a dropped project, results only once building, values that fit their columns.
    The model's full_clean (uniqueness included) is the caller's."""
    if project.status == ProjectStatus.DROPPED:
        raise ValidationError(_("A dropped project has no KPIs."))
    for name in KPI_FIELDS:
        if name in data:
            value = data[name]
            if name in ("baseline", "result") and value is not None:
                value = Decimal(str(value))
            setattr(kpi, name, value)
    if kpi.result is not None and project.status not in (
        ProjectStatus.BUILDING,
        ProjectStatus.COMPLETED,
    ):
        raise ValidationError(
            {"result": _("Results are measured once the system is being built or completed.")}
        )
    # The values must fit their columns before the percentage is computed from them: a
    # baseline of 1e-30 from a file would give a number no Decimal context can round.
    kpi.clean_fields(exclude=["project", "improvement_pct"])
    kpi.improvement_pct = kpi.compute_improvement()
    pct_field = KPI._meta.get_field("improvement_pct")
    if kpi.improvement_pct is not None and abs(kpi.improvement_pct) >= Decimal(10) ** (
        pct_field.max_digits - pct_field.decimal_places
    ):
        raise ValidationError(
            {"result": _("The result is out of all proportion to the baseline; check both.")}
        )


@transaction.atomic
def kpi_record(*, project: Project, indicator: str, user, data: dict[str, Any]) -> KPI:
    """Record (or correct) one indicator of a project, before and after; the improvement is
    computed with the indicator's sign convention."""
    project = Project.objects.select_related("program").get(pk=project.pk)
    require_program_manager(user, project.program)
    if project.status == ProjectStatus.DROPPED:
        raise ValidationError(_("A dropped project has no KPIs."))
    indicator = Indicator(indicator)
    kpi = KPI.objects.select_for_update().filter(project=project, indicator=indicator).first()
    before = snapshot(kpi) if kpi else None
    if kpi is None:
        kpi = KPI(project=project, indicator=indicator, unit=DEFAULT_UNITS[indicator])
    fill_kpi(kpi, project=project, data=data)
    kpi.full_clean()
    after = snapshot(kpi)
    if after != before:
        kpi.save()
        audit_record(
            user=user,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            obj=project,
            before=before,
            after=snapshot(kpi),
            message=_("KPI %(indicator)s recorded.") % {"indicator": indicator.label},
        )
    return kpi

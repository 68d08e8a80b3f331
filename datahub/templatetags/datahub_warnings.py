"""Template helpers of the early warnings: a one-line summary of what a rule found, and the
SME member's own warnings for its data hub home."""

import functools

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from datahub.models import EarlyWarning, KpiDefinition, WarningKind
from hub import roles
from hub.i18n import pick

register = template.Library()

HOME_LIMIT = 10


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


@functools.cache
def _kpi_names() -> dict[str, tuple[str, str]]:
    # The catalogue's codes and names are seed data: read once per process.
    return {
        code: (ko, en)
        for code, ko, en in KpiDefinition.objects.values_list("code", "name_ko", "name_en")
    }


def _kpi_name(code) -> str:
    """A KPI's name in the reader's language ("설비종합효율(OEE)", not "oee")."""
    names = _kpi_names().get(code or "")
    return pick(*names) if names else ""


@register.simple_tag
def warning_summary(warning) -> str:
    """What the rule found, in one line (the detail JSON read for people)."""
    d = warning.detail or {}
    kind = warning.kind
    if kind == WarningKind.KPI_REGRESSED:
        return _(
            "%(kpi)s moved from %(before)s to %(after)s (%(relative)s %%, %(units)s× the noise) "
            "from %(date)s"
        ) % {
            "kpi": _kpi_name(d.get("kpi")) or d.get("series_key") or "",
            "before": _number(d.get("before")),
            "after": _number(d.get("after")),
            "relative": f"{100 * d.get('relative', 0):+.1f}",
            "units": f"{abs(d.get('noise_units', 0)):.1f}",
            "date": d.get("shift_date", ""),
        }
    if kind == WarningKind.SOURCE_SILENT:
        return _("%(source)s has sent nothing for %(days)s days (last data %(last)s)") % {
            "source": d.get("source_name", ""),
            "days": d.get("days_silent", "?"),
            "last": (d.get("last_data_at") or "")[:10],
        }
    if kind == WarningKind.LEVEL_EXPIRED:
        return _("Level %(level)s was valid until %(date)s") % {
            "level": d.get("level", "—"),
            "date": d.get("valid_until", ""),
        }
    if kind == WarningKind.LEVEL_DROPPED:
        return _("Level %(previous)s → %(level)s in the latest confirmed assessment") % {
            "previous": d.get("previous_level", "—"),
            "level": d.get("level", "—"),
        }
    if kind == WarningKind.PLANT_CLOSED:
        return _("Agency staff marked the plant closed")
    if kind == WarningKind.FOLLOW_UP_OVERDUE:
        count = d.get("overdue", 1)
        return ngettext(
            "%(count)s follow-up report of %(program)s overdue, due %(date)s",
            "%(count)s follow-up reports of %(program)s overdue, the oldest due %(date)s",
            count,
        ) % {
            "count": count,
            "program": pick(d.get("program", ""), d.get("program_en", "")),
            "date": d.get("oldest_due", ""),
        }
    return ""


@register.simple_tag(takes_context=True)
def home_warnings(context):
    """The unresolved warnings of the signed-in SME member's plants (at most HOME_LIMIT)."""
    user = context["request"].user
    if not roles.is_sme_member(user):
        return []
    return list(
        EarlyWarning.objects.visible_to(user)
        .unresolved()
        .select_related("plant")
        .queue_order()[:HOME_LIMIT]
    )

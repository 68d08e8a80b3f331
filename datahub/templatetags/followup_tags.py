"""The SME home's follow-up section: `{% followups_due %}` (templates/datahub/home.html)."""

from django import template
from django.utils import timezone

from datahub import followup_rules as rules
from datahub.models import FollowUpPeriod
from datahub.views.followups import kpi_names
from hub import roles

register = template.Library()
SHOWN = 6  # periods per plant on the home, the latest first; the rest on the plant's page


@register.inclusion_tag("datahub/includes/followups_home.html", takes_context=True)
def followups_due(context):
    """Per plant of the SME member's company: the reports due or late and the period
    running now (the latest six), with the KPIs to send."""
    user = context["request"].user
    company = roles.sme_company_of(user)
    if company is None:
        return {"plants": []}
    today = timezone.localdate()
    periods = (
        FollowUpPeriod.objects.visible_to(user)
        .filter(plant__company=company)
        .in_status([rules.DUE, rules.LATE, rules.UPCOMING], today=today)
        .filter(period_start__lte=today)
        .select_related("plant", "program")
        .order_by("plant__name", "plant_id", "-due_date", "-pk")
    )
    names = None
    plants = {}
    for period in periods:
        if names is None:
            names = kpi_names()
        period.status_today = period.current_status(today)
        period.kpi_names = [names.get(code, code) for code in period.required_kpis]
        entry = plants.setdefault(
            period.plant_id, {"plant": period.plant, "periods": [], "more": 0}
        )
        if len(entry["periods"]) < SHOWN:
            entry["periods"].append(period)
        else:
            entry["more"] += 1
    return {"plants": list(plants.values()), "today": today}

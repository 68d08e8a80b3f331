"""What the assessments app adds to the registry's pages through `hub.extensions`: the plant
page panel (level, history chart, area profile, roadmap, assessments, comparison) and the
navigation entries. Registered in AssessmentsConfig.ready."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.choices import LEVEL_NAMES, AssessmentStatus
from assessments.forms import AssessmentCompareForm
from hub import charts, roles
from hub.choices import PlantStatus

LEVEL_TICKS = range(6)


def nav_items(user) -> list[tuple[str, str]]:
    """Consultants: their queue; agency staff: every assessment and the confirm queue;
    officials, partners and administrators: the assessments they may read."""
    url = reverse("assessments:assessment_list")
    calibration = (_("Calibration"), reverse("assessments:calibration"))
    if roles.is_consultant(user):
        return [(_("My assessments"), url), calibration]  # their open ones first
    if roles.agency_of(user) is not None:
        return [(_("Assessments"), url), (_("To confirm"), f"{url}?queue=to_confirm"), calibration]
    if roles.sees_everything(user) or roles.is_partner_member(user):
        return [(_("Assessments"), url)]
    return []


def level_label(level) -> str:
    return _("Level %(level)s") % {"level": level}


def history_chart(history, *, today=None) -> str:
    """Level timeline of confirmed assessments (oldest first) as SVG."""
    points = [
        charts.TimelinePoint(
            day=a.assessed_on, value=a.final_level, label=level_label(a.final_level)
        )
        for a in history
        if a.assessed_on is not None and a.final_level is not None
    ]
    summary = "; ".join(f"{a.assessed_on:%Y-%m-%d}: {level_label(a.final_level)}" for a in history)
    return charts.timeline_chart(
        points,
        title=_("Level history"),
        desc=summary or _("No confirmed assessment yet."),
        y_ticks=[(lvl, str(lvl)) for lvl in LEVEL_TICKS],
        y_title=_("Level"),
        until=today,
        width=560,
        chart_id="level-history",
    )


def area_profile_chart(assessment, areas, *, chart_id="area-profile") -> str:
    """Area scores of one assessment on the 1,000 scale, with the level thresholds marked.
    The axis starts at 500: a rating of 0 earns half the points, so no score is lower."""
    stored = (assessment.result or {}).get("areas", {})
    thresholds = sorted((int(k), v) for k, v in assessment.framework.thresholds.items())
    bars = []
    for area in areas:
        result = stored.get(area.code) or {}
        score = result.get("score")
        if score is None:
            bars.append(charts.Bar(label=area.name, value=None, note=_("not applicable")))
            continue
        value = Decimal(score)
        bars.append(
            charts.Bar(
                label=area.name,
                value=float(value),
                value_label=f"{value.quantize(Decimal('0.1'))} · L{result.get('level')}",
            )
        )
    return charts.hbar_chart(
        bars,
        title=_("Area profile"),
        desc="; ".join(f"{b.label}: {b.value_label or b.note}" for b in bars),
        min_value=500,
        max_value=1000,
        markers=[(minimum, f"L{level}") for level, minimum in thresholds],
        axis_labels=[500, 1000],
        width=560,
        chart_id=chart_id,
    )


def plant_panel(request, plant):
    """The plant page's assessment panel, built in a fixed number of queries (the plant's
    visible assessments, the latest one's areas, its roadmap)."""
    user = request.user
    assessments = list(selectors.assessments_for_plant(plant, user))
    confirmed = sorted(
        (a for a in assessments if a.status == AssessmentStatus.CONFIRMED),
        key=lambda a: (a.assessed_on, a.confirmed_at, a.pk),
    )
    latest = confirmed[-1] if confirmed else None
    today = timezone.localdate()

    current = None
    if plant.current_level is not None:
        if latest is not None and latest.final_level == plant.current_level:
            name, meaning = latest.level_meaning()
        else:
            name, meaning = str(LEVEL_NAMES.get(plant.current_level, "")), ""
        current = {
            "level": plant.current_level,
            "name": name,
            "meaning": meaning,
            "score": plant.current_score,
            "confirmed_on": plant.level_confirmed_on,
            "valid_until": plant.level_valid_until,
            "expired": plant.level_valid_until is not None and plant.level_valid_until < today,
        }

    context = {
        "plant": plant,
        "current": current,
        "assessments": assessments,
        "history": confirmed,
        "history_svg": mark_safe(history_chart(confirmed, today=today)) if confirmed else "",  # noqa: S308 - built from escaped parts  # nosec B308, B703
        "latest": latest,
        "today": today,
    }
    if latest is not None and latest.outcome_only:
        context["latest_outcome_only"] = True  # no areas nor roadmap: only score and level
    elif latest is not None:
        areas = list(latest.framework.areas.order_by("order"))
        context["area_svg"] = mark_safe(area_profile_chart(latest, areas))  # noqa: S308 - chart SVG built from escaped parts  # nosec B308, B703
        context["roadmap"] = selectors.roadmap_rows(latest, limit=5)
        context["target_level"] = min((latest.final_level or 0) + 1, 5)
    if len(assessments) >= 2:
        context["compare_form"] = AssessmentCompareForm(
            assessments=assessments,
            initial={"a": assessments[1].pk, "b": assessments[0].pk},
        )
    if roles.is_agency_staff_or_admin(user):
        in_progress = next((a for a in assessments if a.status != AssessmentStatus.CONFIRMED), None)
        context["can_open"] = in_progress is None and plant.status != PlantStatus.CLOSED
        context["in_progress"] = in_progress
        context["open_url"] = reverse("assessments:assessment_open", args=[plant.pk])
    return {"template": "assessments/plant_panel.html", "context": context}

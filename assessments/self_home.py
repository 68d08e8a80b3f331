"""Where self-diagnoses show on the registry's pages (hub.extensions; registered in
AssessmentsConfig.ready): a navigation entry for SME members (their self-diagnoses) and agency
staff (self-assessed against confirmed levels), and a small panel on the plant page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.choices import SelfAssessmentStatus
from assessments.models import SelfAssessment
from assessments.services.self_assessments import may_write
from hub import roles


def nav_items(user) -> list[tuple[str, str]]:
    if roles.is_sme_member(user):
        return [(_("Self-diagnosis"), reverse("assessments:self_assessment_list"))]
    if roles.is_agency_staff_or_admin(user):
        return [(_("Self-diagnoses"), reverse("assessments:self_assessment_over_rating"))]
    return []


def plant_panel(request, plant):
    """The plant's self-diagnoses the user may see: the latest finished one (self-assessed
    level), the draft in progress, and for its SME members a button to start or continue.
    Nothing for users who may see none (two queries at most)."""
    user = request.user
    writer = may_write(user, plant)
    rows = list(
        SelfAssessment.objects.visible_to(user)
        .filter(plant=plant)
        .order_by("-started_at", "-pk")[:20]
    )
    if not rows and not writer:
        return None
    latest = next((r for r in rows if r.status == SelfAssessmentStatus.FINISHED), None)
    draft = next((r for r in rows if r.status == SelfAssessmentStatus.DRAFT), None)
    return {
        "template": "assessments/self/plant_panel.html",
        "context": {
            "plant": plant,
            "latest": latest,
            "draft": draft,
            "count": len(rows),
            "can_start": writer,
            "list_url": reverse("assessments:self_assessment_list") + f"?plant={plant.pk}",
        },
    }

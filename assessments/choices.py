from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RETURNED = "returned", _("Returned")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")


# The consultant may edit ratings in these states.
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class FrameworkStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Superseded")


# Level names and meanings (DESIGN.md §2); the framework JSON carries its own copy, these are
# the fallback for plants whose level came from elsewhere.
LEVEL_NAMES = {
    0: _("No ICT"),
    1: _("Checking"),
    2: _("Monitoring"),
    3: _("Analysis & control"),
    4: _("Optimisation"),
    5: _("Autonomy"),
}

# Evidence files: what a consultant may attach (PDF, images, office documents).
EVIDENCE_CONTENT_TYPES = {
    ".pdf": ("application/pdf",),
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".gif": ("image/gif",),
    ".webp": ("image/webp",),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
    ".hwp": ("application/x-hwp", "application/haansofthwp"),
    ".hwpx": ("application/hwp+zip", "application/haansofthwpx"),
}


class AssessmentOrigin(models.TextChoices):
    """Where a confirmed assessment came from."""

    HUB = "hub", _("Filed in the hub")
    HISTORY = "history", _("Back-filed history")
    SPOT_CHECK = "spot_check", _("Spot-check adopted by the agency")


class SelfAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINISHED = "finished", _("Finished")


class SpotCheckStatus(models.TextChoices):
    DRAFT = "draft", _("Being rated")
    SUBMITTED = "submitted", _("Rated")
    CANCELLED = "cancelled", _("Cancelled")


class SpotCheckReason(models.TextChoices):
    RANDOM = "random", _("Random sample")
    OUTLIER = "outlier", _("Outlier")
    CHOSEN = "chosen", _("Chosen by agency staff")


class SpotCheckDecision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    KEPT = "kept", _("Confirmed assessment kept")
    REPLACED = "replaced", _("Confirmed assessment replaced")

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetCode(models.TextChoices):
    SUPPORTED_PLANTS = "supported_plants", _("Supported plants")
    LEVEL3_SHARE = "level3_share", _("Share of supported plants at Level 3 or higher (%)")
    CONNECTED_PLANTS = "connected_plants", _("Connected plants (data hub)")


class ReportScope(models.TextChoices):
    NATIONAL = "national", _("National")
    REGION = "region", _("Region")
    PROGRAM = "program", _("Program")
    PARTNER = "partner", _("Partner firm")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")

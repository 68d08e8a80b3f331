"""Shared by the program pages: the visible program or project the URL names.

Reading follows `visible_to` (invisible = 404, hub.views.mixins.VisibleMixin); changing a
visible program or project needs staff of its operating agency
(`services.require_program_manager`), otherwise 403."""

from hub.views.mixins import VisibleMixin
from programs.models import Program, Project


class ProgramMixin(VisibleMixin):
    model = Program
    select_related = ("agency", "cost_share_rule")


class ProjectMixin(VisibleMixin):
    model = Project
    select_related = (
        "program",
        "program__agency",
        "program__cost_share_rule",
        "plant",
        "plant__company",
        "partner",
        "supplier",
    )

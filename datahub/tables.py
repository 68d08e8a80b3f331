"""The columns of the early-warning queue and its exports (hub.tables)."""

from django.utils.translation import gettext_lazy as _

from datahub.templatetags.datahub_warnings import warning_summary
from hub.tables import Column, Table, attr, display, display_of


class WarningTable(Table):
    key = "warnings"
    stem = "early-warnings"
    title = _("Early warnings")
    select_related = ("plant", "plant__company")
    columns = (
        Column("status", _("Status"), display("status")),
        Column("kind", _("Warning"), display("kind")),
        Column("plant", _("Plant"), attr("plant.name")),
        Column("region", _("Region"), display_of("plant", "region")),
        Column("summary", _("What was found"), warning_summary),
        Column("first_detected", _("First detected"), attr("first_detected")),
        Column("last_detected", _("Last detected"), attr("last_detected")),
        Column("company", _("Company"), attr("plant.company.name"), default=False),
        Column(
            "business_number",
            _("Business number"),
            attr("plant.company.business_number_display"),
            default=False,
        ),
        Column("industry", _("Industry"), display_of("plant", "industry"), default=False),
        Column("since", _("Condition since"), attr("since"), default=False),
        Column("note", _("Note"), attr("note"), default=False),
    )

"""The columns of the program and project lists and their exports (hub.tables). Amounts are
exported as numbers of won (the page writes them as ₩42,000,000)."""

from django.utils.translation import gettext_lazy as _

from hub.tables import Column, Table, attr, display, display_of
from programs.choices import STATUS_DATE_FIELDS
from programs.models import Project


def _partners(program):
    commitments = getattr(program, "visible_commitments", None) or []
    return ", ".join(c.partner.name for c in commitments) or None


def _window(program):
    opens, closes = program.applications_open, program.applications_close
    if not (opens or closes):
        return None
    return f"{opens.isoformat() if opens else ''} – {closes.isoformat() if closes else ''}"


class ProgramTable(Table):
    key = "programs"
    stem = "programs"
    title = _("Programs")
    select_related = ("agency", "cost_share_rule")
    columns = (
        Column("year", _("Year"), lambda p: str(p.year), sort="year", numeric=True),
        Column("name", _("Program"), attr("name"), sort="name"),
        Column("kind", _("Kind"), display("kind")),
        Column("agency", _("Operating agency"), attr("agency.name")),
        Column("budget", _("Budget (KRW)"), attr("budget"), sort="budget", numeric=True),
        Column("window", _("Application window"), _window),
        Column("projects", _("Projects"), attr("n_projects"), numeric=True),
        Column("partners", _("Partner firms"), _partners),
        Column("name_en", _("English name"), attr("name_en"), default=False),
    )


def _status_date_columns():
    return tuple(
        Column(
            f"date_{status}",
            Project._meta.get_field(field).verbose_name,
            attr(field),
            default=False,
        )
        for status, field in STATUS_DATE_FIELDS.items()
        if field not in ("applied_on", "completed_on")
    )


class ProjectTable(Table):
    key = "projects"
    stem = "projects"
    title = _("Projects")
    select_related = ("program", "plant", "plant__company", "partner", "supplier")
    columns = (
        Column("id", _("ID"), attr("pk"), default=False),
        Column("plant", _("Plant"), attr("plant.name"), sort="plant"),
        Column("company", _("Company"), attr("plant.company.name")),
        Column("program", _("Program"), attr("program.name")),
        Column("partner", _("Partner firm"), attr("partner.name")),
        Column("target_level", _("Target system level"), display("target_level"), default=False),
        Column("cost", _("Total cost (KRW)"), attr("total_cost"), sort="cost", numeric=True),
        Column("status", _("Status"), display("status"), sort="status"),
        Column("applied", _("Applied"), attr("applied_on"), sort="applied"),
        Column("completed", _("Completed"), attr("completed_on"), sort="completed"),
        Column(
            "government_share",
            _("Government share (KRW)"),
            attr("government_share"),
            numeric=True,
            default=False,
        ),
        Column(
            "partner_share",
            _("Partner share (KRW)"),
            attr("partner_share"),
            numeric=True,
            default=False,
        ),
        Column("sme_share", _("SME share (KRW)"), attr("sme_share"), numeric=True, default=False),
        Column("reference", _("Reference"), attr("reference"), default=False),
        Column("title", _("Title"), attr("title"), default=False),
        Column(
            "business_number",
            _("Business number"),
            attr("plant.company.business_number_display"),
            default=False,
        ),
        Column("region", _("Region"), display_of("plant", "region"), default=False),
        Column("industry", _("Industry"), display_of("plant", "industry"), default=False),
        Column("year", _("Year"), attr("program.year"), default=False),
        Column("supplier", _("Supplier"), attr("supplier.name"), default=False),
        *_status_date_columns(),
        Column("drop_reason", _("Reason for dropping"), attr("drop_reason"), default=False),
    )

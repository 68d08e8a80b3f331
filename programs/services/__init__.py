"""Program, project and KPI write paths: role and state checks, cost-share and fund checks
with messages that say which rule and by how much, row locks, audit entries."""

from programs.services.kpis import (
    KPI_FIELDS,
    fill_kpi,
    kpi_record,
)
from programs.services.programs import (
    can_manage_program,
    commitment_set,
    krw,
    partner_allocated,
    program_create,
    program_update,
    require_program_manager,
)
from programs.services.projects import (
    BREACH_MESSAGES,
    FROZEN_AFTER_AGREEMENT,
    PROJECT_FIELDS,
    change_fields,
    periods_meet,
    project_advance,
    project_apply,
    project_errors,
    project_update,
    take_step,
)

__all__ = [
    "BREACH_MESSAGES",
    "FROZEN_AFTER_AGREEMENT",
    "KPI_FIELDS",
    "PROJECT_FIELDS",
    "can_manage_program",
    "change_fields",
    "commitment_set",
    "fill_kpi",
    "kpi_record",
    "krw",
    "partner_allocated",
    "periods_meet",
    "program_create",
    "program_update",
    "project_advance",
    "project_apply",
    "project_errors",
    "project_update",
    "require_program_manager",
    "take_step",
]

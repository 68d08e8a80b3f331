"""Programs, who may manage them, and partner commitments."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction
from programs.choices import (
    FUNDED_STATUSES,
)
from programs.models import PartnerCommitment, Program, Project


def krw(amount) -> str:
    """₩42,000,000"""
    return f"₩{int(Decimal(amount).to_integral_value()):,}"


def can_manage_program(user, program: Program | None = None) -> bool:
    """Agency staff manage the programs their agency operates (admins every program)."""
    if roles.is_admin(user):
        return True
    agency = roles.agency_of(user)
    return agency is not None and (program is None or program.agency_id == agency.pk)


def require_program_manager(user, program: Program | None = None) -> None:
    """PermissionDenied unless the user may change `program` (or create one, when None)."""
    if not can_manage_program(user, program):
        raise PermissionDenied(
            _("Only staff of the operating agency may change this program and its projects.")
        )


# --- programs --------------------------------------------------------------------------------


@transaction.atomic
def program_create(*, user, data: dict[str, Any], commitments=()) -> Program:
    """Create a program; `commitments` is a list of (partner, amount)."""
    data = dict(data)
    if "agency" not in data and not roles.is_admin(user):
        data["agency"] = roles.agency_of(user)
    program = Program(**data)
    require_program_manager(user, program if program.agency_id else None)
    program.full_clean()
    program.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=program, after=snapshot(program))
    for partner, amount in commitments:
        commitment_set(program=program, partner=partner, committed=amount, user=user)
    return program


@transaction.atomic
def program_update(*, program: Program, user, data: dict[str, Any]) -> Program:
    require_program_manager(user, program)
    program = Program.objects.select_for_update().get(pk=program.pk)
    before = snapshot(program)
    for name, value in data.items():
        setattr(program, name, value)
    require_program_manager(user, program)  # may not hand the program to another agency
    program.full_clean()
    after = snapshot(program)
    if after != before:
        program.save()
        audit_record(user=user, action=AuditAction.UPDATE, obj=program, before=before, after=after)
    return program


def partner_allocated(program_id: int, partner_id: int, exclude_project_id=None) -> Decimal:
    """The partner's share already promised to projects of the program (dropped ones free
    their share again)."""
    qs = Project.objects.filter(
        program_id=program_id, partner_id=partner_id, status__in=FUNDED_STATUSES
    )
    if exclude_project_id is not None:
        qs = qs.exclude(pk=exclude_project_id)
    return qs.aggregate(s=Sum("partner_share"))["s"] or Decimal(0)


@transaction.atomic
def commitment_set(*, program: Program, partner, committed, user) -> PartnerCommitment:
    """Add a partner to a program or change its committed funds; a commitment cannot fall
    below what its projects already use."""
    require_program_manager(user, program)
    committed = Decimal(committed)
    commitment = (
        PartnerCommitment.objects.select_for_update()
        .filter(program=program, partner=partner)
        .first()
    )
    used = partner_allocated(program.pk, partner.pk)
    if committed < used:
        raise ValidationError(
            {
                "committed": _(
                    "%(partner)s's projects in this program already use %(used)s; the "
                    "commitment cannot be lower."
                )
                % {"partner": partner, "used": krw(used)}
            }
        )
    before = snapshot(commitment) if commitment else None
    if commitment is None:
        commitment = PartnerCommitment(program=program, partner=partner)
    commitment.committed = committed
    commitment.full_clean()
    commitment.save()
    audit_record(
        user=user,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=program,
        before=before,
        after=snapshot(commitment),
        message=_("Commitment of %(partner)s: %(amount)s.")
        % {"partner": partner, "amount": krw(committed)},
    )
    return commitment

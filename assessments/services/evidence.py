"""Evidence files of an assessment: checked by content, stored under generated names."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.choices import (
    EDITABLE_STATUSES,
    EVIDENCE_CONTENT_TYPES,
)
from assessments.models import (
    Assessment,
    Evidence,
    Item,
)
from assessments.services.workflow import _locked, _require_assigned_consultant, _require_status
from hub.audit import audit_record
from hub.choices import AuditAction

# Leading bytes of the accepted formats; office formats are zip (OOXML) or OLE (HWP).
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".hwpx": (b"PK\x03\x04",),
    ".hwp": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}


def evidence_max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def check_evidence_file(upload) -> str:
    """Refuse files that are too large or not one of the accepted types (by extension and by
    content); returns the content type to store."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_CONTENT_TYPES:
        raise ValidationError(
            {
                "file": _(
                    "Only PDF, images (PNG, JPEG, GIF, WebP) and office files (DOCX, XLSX, "
                    "PPTX, HWP, HWPX) can be attached."
                )
            }
        )
    if upload.size > evidence_max_bytes():
        raise ValidationError(
            {
                "file": _("The file is %(size).1f MB; evidence files may be at most %(max).0f MB.")
                % {"size": upload.size / 1048576, "max": evidence_max_bytes() / 1048576}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[suffix]):
        raise ValidationError(
            {
                "file": _("The file's content does not match its %(suffix)s extension.")
                % {"suffix": suffix}
            }
        )
    return EVIDENCE_CONTENT_TYPES[suffix][0]


@transaction.atomic
def evidence_add(*, assessment: Assessment, item: Item, upload, user) -> Evidence:
    assessment = _locked(assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("edited"))
    if item.category.area.framework_id != assessment.framework_id:
        raise ValidationError({"item": _("This item is not part of the assessment's framework.")})
    content_type = check_evidence_file(upload)
    evidence = Evidence(
        assessment=assessment,
        item=item,
        original_name=Path(upload.name).name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=assessment,
        after={"evidence": evidence.original_name, "item": item.code, "size": evidence.size},
        message=_("Evidence added to %(code)s.") % {"code": item.code},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user) -> None:
    assessment = _locked(evidence.assessment)
    _require_assigned_consultant(assessment, user)
    _require_status(assessment, EDITABLE_STATUSES, _("edited"))
    name, code = evidence.original_name, evidence.item.code
    storage, path = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(path))
    audit_record(
        user=user,
        action=AuditAction.DELETE,
        obj=assessment,
        before={"evidence": name, "item": code},
        message=_("Evidence removed from %(code)s.") % {"code": code},
    )

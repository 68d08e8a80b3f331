"""Data sources, their tokens and series: the plant's own write paths (DESIGN.md §4: the SME
member manages its sources and tokens; administrators may too). Audited like the registry.

A token reads `sfh_<prefix>_<secret>`: the prefix finds the row, only the SHA-256 digest of
the whole token is stored, so it is shown once, when issued, and never again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from datahub.choices import SourceKind
from datahub.models import DataSource, KpiDefinition, Series, SourceToken
from datahub.services import token_guard
from hub import roles
from hub.audit import audit_record, snapshot
from hub.choices import AuditAction

TOKEN_SCHEME = "sfh"  # nosec B105 - the public scheme name of a token, not a secret
# last_used_at is written at most this often per token (a write per request would cost more
# than the request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def manages_data_of(user, plant) -> bool:
    """The SME member of the plant's company, or an administrator."""
    if roles.is_admin(user):
        return True
    company = roles.sme_company_of(user)
    return company is not None and plant.company_id == company.pk


def require_data_manager(user, plant) -> None:
    if not manages_data_of(user, plant):
        raise PermissionDenied(_("Only the plant's own members manage its data sources."))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def source_create(
    *, user, plant, name: str, kind: str = "other", description: str = "", token: bool = True
):
    """A new source with its first token; returns (source, token string shown once). A source
    filled only through the hub's own pages (the monthly form) needs no token: token=False
    gives ""."""
    require_data_manager(user, plant)
    source = DataSource(
        plant=plant, name=name.strip(), kind=kind, description=description, created_by=user
    )
    source.full_clean()
    source.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=source, after=snapshot(source))
    if not token:
        return source, ""
    _token, secret = token_issue(user=user, source=source)
    return source, secret


@transaction.atomic
def source_update(*, user, source, data: dict):
    require_data_manager(user, source.plant)
    before = snapshot(source)
    for field in ("name", "kind", "description", "is_active"):
        if field in data:
            setattr(source, field, data[field])
    source.full_clean()
    source.save()
    audit_record(
        user=user, action=AuditAction.UPDATE, obj=source, before=before, after=snapshot(source)
    )
    return source


@transaction.atomic
def spreadsheet_source(*, user, plant) -> DataSource:
    """The plant's spreadsheet source, registered on first use and without a token: uploads
    and the monthly form come through the signed-in member."""
    source = (
        DataSource.objects.filter(plant=plant, kind=SourceKind.SPREADSHEET).order_by("pk").first()
    )
    if source is None:
        name = _("Spreadsheet upload")
        if DataSource.objects.filter(plant=plant, name=name).exists():
            name = f"{name} {secrets.token_hex(2)}"
        source, _secret = source_create(
            user=user, plant=plant, name=name, kind=SourceKind.SPREADSHEET, token=False
        )
    return source


def token_issue(*, user, source, expires_at: dt.datetime | None = None):
    """A new token of `source` beside its others; returns (token row, token string)."""
    require_data_manager(user, source.plant)
    if expires_at is None and settings.DATAHUB_TOKEN_DAYS:
        expires_at = timezone.now() + dt.timedelta(days=settings.DATAHUB_TOKEN_DAYS)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    prefix, secret = _new_secret()
    token = SourceToken.objects.create(
        source=source, prefix=prefix, digest=_digest(secret), created_by=user, expires_at=expires_at
    )
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=source,
        message=_("Token %(prefix)s issued") % {"prefix": prefix},
    )
    return token, secret


@transaction.atomic
def token_revoke(*, user, source) -> int:
    """Revoke every usable token of the source at once; returns how many."""
    require_data_manager(user, source.plant)
    revoked = SourceToken.objects.filter(source=source).usable().update(revoked_at=timezone.now())
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=source,
        message=_("%(count)d token(s) revoked") % {"count": revoked},
    )
    return revoked


@transaction.atomic
def token_rotate(*, user, source, expires_at: dt.datetime | None = None):
    """Revoke the source's tokens and issue a new one; returns (token row, token string)."""
    token_revoke(user=user, source=source)
    return token_issue(user=user, source=source, expires_at=expires_at)


def authenticate(raw: str, *, client: str | None = None) -> SourceToken | None:
    """The usable token `raw` names (with its source and plant), or None. Constant-time
    comparison of digests; revoked and expired tokens are refused at once. A guess (unknown
    prefix or wrong secret) counts against `client` (an address or MQTT client id) and the
    prefix; past their limits `token_guard.TooManyFailures` is raised before anything is
    read (`datahub.services.token_guard`)."""
    raw = (raw or "").strip()
    parts = raw.split("_", 2)
    well_formed = len(parts) == 3 and parts[0] == TOKEN_SCHEME
    prefix = parts[1] if well_formed else None
    token_guard.check(client=client, prefix=prefix)
    token = None
    if well_formed:
        token = SourceToken.objects.select_related("source__plant").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        token_guard.record_failure(client=client, prefix=prefix)
        return None
    if not token.is_usable or not token.source.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        SourceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def default_key(kpi_code: str, label: str = "") -> str:
    return slugify(f"{kpi_code}-{label}") if label else kpi_code


@transaction.atomic
def series_create(
    *,
    user,
    source,
    kpi: str | KpiDefinition,
    unit: str = "",
    granularity: str = "hour",
    label: str = "",
    key: str = "",
):
    """A series of the source's plant. The unit is the KPI's UCUM unit (given or not); the
    key (default: KPI code, and the label) is what rows name."""
    require_data_manager(user, source.plant)
    if isinstance(kpi, str):
        definition = KpiDefinition.objects.filter(catalogue__is_current=True, code=kpi).first()
        if definition is None:
            raise ValidationError({"kpi": _("Unknown KPI or quantity: %(code)s") % {"code": kpi}})
    else:
        definition = kpi
    unit = (unit or definition.unit).strip()
    if unit != definition.unit:
        raise ValidationError(
            {
                "unit": _("%(code)s is measured in %(expected)s, not %(unit)s.")
                % {"code": definition.code, "expected": definition.unit, "unit": unit}
            }
        )
    key = (key or default_key(definition.code, label)).strip()
    if Series.objects.filter(plant_id=source.plant_id, key=key).exists():
        raise ValidationError({"key": _("This plant already has a series %(key)s.") % {"key": key}})
    series = Series(
        plant_id=source.plant_id,
        source=source,
        kpi=definition,
        unit=unit,
        granularity=granularity,
        label=label.strip(),
        key=key,
    )
    series.full_clean()
    series.save()
    audit_record(user=user, action=AuditAction.CREATE, obj=series, after=snapshot(series))
    return series

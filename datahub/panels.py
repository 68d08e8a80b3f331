"""What the data hub adds to the plant page (hub.extensions.plant_panels, registered in
DatahubConfig.ready): the plant's data sources, when each last sent data and the state of its
tokens, its series with their latest value and a chart of the last 30 days, and how long its
raw data is kept.

Who sees what (DESIGN.md §4): the plant's own members everything; agency staff and officials
whether the plant is connected and its sources' metadata, but values and charts only under a
consent the plant gave for their purpose (services.access), and each such showing is logged
for the plant; a mentoring partner under its partner consent likewise. Others: no panel."""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from datahub import selectors
from datahub.buckets import buckets_between
from datahub.choices import Aggregation, Rollup
from datahub.models import ReadKind
from datahub.services import access, retention
from hub import charts, roles
from hub.formats import with_unit

CHART_DAYS = 30


def token_state(source, now=None) -> dict:
    """The state of a source's tokens: `state` (active, expired, revoked or none), how many
    are usable, the soonest expiry of those and the last use of any (prefetched tokens)."""
    now = now or timezone.now()
    tokens = list(source.tokens.all())
    usable = [
        t for t in tokens if t.revoked_at is None and (not t.expires_at or t.expires_at > now)
    ]
    if usable:
        state, label = "active", _("Active")
    elif not tokens:
        state, label = "none", _("No token")
    elif any(t.revoked_at is None for t in tokens):
        state, label = "expired", _("Expired")
    else:
        state, label = "revoked", _("Revoked")
    expiries = [t.expires_at for t in usable if t.expires_at]
    used = [t.last_used_at for t in tokens if t.last_used_at]
    return {
        "state": state,
        "label": label,
        "usable": len(usable),
        "expires_at": min(expiries, default=None),
        "last_used_at": max(used, default=None),
    }


def latest_label(value, unit: str) -> str:
    """A value with its unit as people write it (hub.formats.unit_name: "시간", "개/시간",
    "kWh"), at most two decimals."""
    if value is None:
        return ""
    return with_unit(floatformat(value, "-2"), unit)


def daily_value(bucket, aggregation: str) -> float:
    if aggregation == Aggregation.SUM:
        return bucket.sum
    if aggregation == Aggregation.LAST:
        return bucket.last
    return bucket.mean


def series_chart(series, buckets, *, days: list[dt.datetime]) -> str:
    """The last CHART_DAYS days of one series as a small line chart; a day without data is
    a gap in the line, not a zero."""
    aggregation = series.kpi.aggregation
    by_day = {b.start: b for b in buckets}
    columns = []
    for day in days:
        bucket = by_day.get(day)
        value = daily_value(bucket, aggregation) if bucket else None
        columns.append(charts.Column(label=f"{day:%m-%d}", value=value))
    summary = _("%(series)s, last %(days)d days: %(count)d days with data.") % {
        "series": series.kpi.name + (f" · {series.label}" if series.label else ""),
        "days": len(days),
        "count": len(buckets),
    }
    return charts.line_chart(
        columns,
        title=series.kpi.name,
        desc=summary,
        y_max=0,
        width=360,
        height=150,
        chart_id=f"series-{series.pk}",
    )


def plant_panel(request, plant):
    user = request.user
    own = access.is_own(user, plant)
    sources = selectors.plant_sources(plant, user)
    if not own and not sources and not roles.sees_everything(user):
        return None
    now = timezone.now()
    purpose = None if own else access.purpose_of_read(user, plant)
    show_values = own or purpose is not None
    series = [s for source in sources for s in source.series.all()]
    context = {
        "plant": plant,
        "own": own,
        "sources": [{"source": s, "tokens": token_state(s, now)} for s in sources],
        "connected": selectors.is_connected(sources, now),
        "last_data_at": selectors.last_data_at(sources),
        "connected_days": selectors.CONNECTED_WITHIN.days,
        "show_values": show_values,
        "retention": retention.policy_for(plant, now=now),
        "series": [],
    }
    if show_values and series:
        if purpose is not None:
            access.log_read(
                user=user,
                plant=plant,
                purpose=purpose,
                kind=ReadKind.PLANT_PAGE,
                days=CHART_DAYS,
                count=len(series),
            )
        daily = selectors.daily_buckets([s.pk for s in series], days=CHART_DAYS, now=now)
        days = buckets_between(now - dt.timedelta(days=CHART_DAYS - 1), now, Rollup.DAY)
        context["series"] = [
            {
                "series": s,
                "latest": latest_label(s.latest_value, s.unit),
                "chart": mark_safe(series_chart(s, daily[s.pk], days=days)),  # noqa: S308 - SVG built from escaped parts  # nosec B308, B703
            }
            for s in series
        ]
    return {"template": "datahub/panels/plant.html", "context": context}

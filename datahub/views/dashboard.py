"""The plant's own dashboard (/datahub/plants/<pk>/dashboard/): each KPI over time at a chosen
rollup with its gaps, OEE split into availability, performance and quality rate, and
before/after each completed project beside the gain it reported.

Who: the plant's own members; anyone else who may see the plant and reads its data under a
consent for their purpose (the mentoring partner under the partner consent, agency staff under
the follow-up consent or period): `access.open_for_reading` decides and logs the read. Others
get 404, never a hint that the plant has data."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from datahub import dashboard, evidence
from datahub.buckets import ZONE
from datahub.choices import Rollup
from datahub.models import ReadKind
from datahub.panels import latest_label
from datahub.services import access
from hub import charts, formats
from hub.models import Plant
from hub.replica import reads_from_replica
from hub.views.mixins import get_visible_or_404

SLOT_LABEL = {Rollup.HOUR: "%m-%d %H:00", Rollup.DAY: "%m-%d", Rollup.MONTH: "%Y-%m"}
OEE_NAMES = {
    "oee": gettext_lazy("OEE"),
    "availability": gettext_lazy("Availability"),
    "performance": gettext_lazy("Performance"),
    "quality_rate": gettext_lazy("Quality rate"),
}
REASONS = {
    evidence.FEW_BEFORE: gettext_lazy(
        "Not enough data: %(before)d of the %(minimum)d months needed before the project."
    ),
    evidence.FEW_AFTER: gettext_lazy(
        "Not enough data: %(after)d of the %(minimum)d months needed after the project."
    ),
    evidence.NO_START: gettext_lazy("Not enough data: the project has no start date."),
    evidence.NOT_COMPLETED: gettext_lazy("The project is not completed."),
}
BEGAN_FROM = {
    "building": gettext_lazy("building start"),
    "agreed": gettext_lazy("agreement"),
    "selected": gettext_lazy("selection"),
}
VERDICTS = {
    "improved": gettext_lazy("Improved"),
    "worsened": gettext_lazy("Worsened"),
    "unclear": gettext_lazy("Not clear (the interval includes no change)"),
    "unchanged": gettext_lazy("Unchanged"),
    "none": gettext_lazy("Changed (no better direction)"),
    "missing": gettext_lazy("Not enough data"),
}


def reason_text(result: evidence.Evidence) -> str:
    template = REASONS.get(result.reason)
    if template is None:
        return ""
    return str(template) % {
        "before": result.months_before,
        "after": result.months_after,
        "minimum": evidence.MIN_MONTHS,
    }


def measured_text(result: evidence.Evidence) -> str:
    """+18.2 % (95 % interval +10.1 % to +26.3 %): the measured improvement, or the relative
    change when the KPI has no better direction."""
    if not result.ok or result.change_pct is None:
        return ""
    value = result.improvement_pct if result.improved is not None else result.change_pct
    interval = result.improvement_interval_pct or result.interval_pct
    return _("%(value)s (95 %% interval %(low)s to %(high)s)") % {
        "value": formats.signed_percent(value),
        "low": formats.signed_percent(interval[0]),
        "high": formats.signed_percent(interval[1]),
    }


def comparison_text(row: dashboard.KpiEvidence) -> str:
    """ "reported +30.0 %, measured +18.2 % (95 % interval …)" (as far as both are known)."""
    result = row.evidence
    measured = measured_text(result)
    reported = row.reported.improvement_pct if row.reported is not None else None
    if reported is not None and measured:
        return _("reported %(reported)s, measured %(measured)s") % {
            "reported": formats.signed_percent(reported),
            "measured": measured,
        }
    if measured:
        return _("measured %(measured)s") % {"measured": measured}
    if reported is not None:
        return _("reported %(reported)s, not measurable: %(reason)s") % {
            "reported": formats.signed_percent(reported),
            "reason": reason_text(result) or _("no relative change from a zero mean"),
        }
    return reason_text(result)


def _slot_label(slot: dt.datetime, rollup: str) -> str:
    return slot.astimezone(ZONE).strftime(SLOT_LABEL[rollup])


def _columns(slots, values, rollup: str, *, labels: int) -> list:
    """One column per slot; at most about `labels` of them labelled on the axis (the chart
    writes every k-th label of a long series: the step is kept a multiple of it)."""
    count = len(slots)
    every = 1 if count <= 12 else (count + 11) // 12
    wanted = max(1, -(-count // labels))
    step = every * max(1, -(-wanted // every))
    return [
        charts.Column(label=_slot_label(slot, rollup) if index % step == 0 else "", value=value)
        for index, (slot, value) in enumerate(zip(slots, values, strict=True))
    ]


def series_chart(summary: dashboard.SeriesSummary) -> str:
    kpi = summary.kpi
    columns = _columns(summary.slots, summary.values, summary.rollup, labels=6)
    desc = _(
        "%(series)s: %(present)d of %(total)d %(rollup)s buckets with data; %(missing)d without "
        "(gaps in the line)."
    ) % {
        "series": kpi.name + (f" · {summary.series.label}" if summary.series.label else ""),
        "present": summary.present,
        "total": len(summary.slots),
        "rollup": Rollup(summary.rollup).label,
        "missing": summary.missing,
    }
    return charts.line_chart(
        columns,
        title=kpi.name,
        desc=desc,
        y_max=100 if summary.series.unit == "%" else 0,
        width=480,
        height=200,
        chart_id=f"dash-series-{summary.series.pk}",
        dots=len(columns) <= 40,
    )


def oee_charts(split: dashboard.OeeSplit) -> dict:
    means = [
        charts.Bar(
            label=str(OEE_NAMES[code]),
            value=split.means[code],
            value_label=formats.percent(split.means[code]),
            note=_("no data"),
        )
        for code in dashboard.OEE_PARTS
    ]
    bars = charts.hbar_chart(
        means,
        title=_("OEE and its factors, mean of the period"),
        desc=_("OEE = availability × performance × quality rate."),
        min_value=0,
        max_value=100,
        axis_labels=(0, 25, 50, 75, 100),
        width=640,
        chart_id="dash-oee-means",
    )
    lines = []
    for code in dashboard.OEE_PARTS:
        columns = _columns(split.slots, split.values[code], split.rollup, labels=4)
        lines.append(
            {
                "name": OEE_NAMES[code],
                "chart": mark_safe(  # noqa: S308 - SVG built from escaped parts  # nosec B308, B703
                    charts.line_chart(
                        columns,
                        title=str(OEE_NAMES[code]),
                        desc=_("%(name)s per %(rollup)s; gaps where no data.")
                        % {"name": OEE_NAMES[code], "rollup": Rollup(split.rollup).label},
                        y_max=100,
                        width=360,
                        height=160,
                        chart_id=f"dash-oee-{code}",
                        dots=len(columns) <= 40,
                    )
                ),
            }
        )
    return {"bars": mark_safe(bars), "lines": lines}  # noqa: S308  # nosec B308, B703


class DashboardForm(forms.Form):
    """The rollup and the period (whole days, Asia/Seoul; the end day included)."""

    rollup = forms.ChoiceField(label=gettext_lazy("Rollup"), choices=Rollup.choices, required=False)
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean(self):
        data = super().clean()
        rollup = data.get("rollup") or None
        start = data.get("start")
        end = data.get("end")
        try:
            start_at = dt.datetime.combine(start, dt.time(), ZONE) if start else None
            end_at = None
            if end:
                end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), ZONE)
                end_at = min(end_at, self.now)
            data["period"] = dashboard.period(rollup, start_at, end_at, self.now)
        except (OverflowError, ValueError):
            self.add_error("end", _("The period is out of range."))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data


@reads_from_replica
class PlantDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "datahub/dashboard.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        self.plant = get_visible_or_404(
            Plant.objects.select_related("company"), user, pk=kwargs["plant_pk"]
        )
        now = timezone.now()
        form = DashboardForm(request.GET or None, now=now)
        if form.is_bound and form.is_valid():
            rollup, start, end = form.cleaned_data["period"]
        else:
            rollup, start, end = dashboard.period(now=now)
        if not form.is_bound:
            form = DashboardForm(
                now=now,
                initial={
                    "rollup": rollup,
                    "start": start.astimezone(ZONE).date(),
                    "end": end.astimezone(ZONE).date(),
                },
            )
        self.purpose = access.open_for_reading(
            user,
            self.plant,
            ReadKind.DASHBOARD,
            rollup=rollup,
            start=f"{start.astimezone(ZONE):%Y-%m-%d}",
            end=f"{end.astimezone(ZONE):%Y-%m-%d}",
        )
        self.form = form
        self.board = dashboard.plant_dashboard(
            self.plant, user, rollup=rollup, start=start, end=end, now=now
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        board = self.board
        ctx.update(
            plant=self.plant,
            board=board,
            form=self.form,
            own=self.purpose is None,
            purpose=self.purpose,
            rollup_label=Rollup(board.rollup).label,
            start_day=board.start.astimezone(ZONE).date(),
            end_day=(board.end - dt.timedelta(microseconds=1)).astimezone(ZONE).date(),
            series=[
                {
                    "summary": s,
                    "latest": latest_label(s.latest_value, s.series.unit),
                    "recent_mean": latest_label(s.recent_mean, s.series.unit),
                    "period_mean": latest_label(s.period_mean, s.series.unit),
                    "chart": mark_safe(series_chart(s)),  # noqa: S308  # nosec B308, B703
                }
                for s in board.series
            ],
            oee=oee_charts(board.oee) if board.oee.source else None,
            projects=[
                {
                    "project": p.project,
                    "began_on": p.rows[0].evidence.began_on if p.rows else None,
                    "began_from": BEGAN_FROM.get(p.rows[0].evidence.began_from, "")
                    if p.rows
                    else "",
                    "before_range": p.rows[0].evidence.before_range if p.rows else None,
                    "after_range": p.rows[0].evidence.after_range if p.rows else None,
                    "rows": [_row(row) for row in p.rows],
                    "unmeasured": [
                        {"name": k.get_indicator_display(), "gain": _signed(k.improvement_pct)}
                        for k in p.unmeasured
                    ],
                }
                for p in board.projects
            ],
            window=board.window,
            minimum=evidence.MIN_MONTHS,
        )
        return ctx


def _signed(value) -> str:
    return formats.signed_percent(value) if value is not None else formats.DASH


def _row(row: dashboard.KpiEvidence) -> dict:
    result = row.evidence
    unit = row.unit
    return {
        "row": row,
        "before": latest_label(result.before.mean, unit) if result.before else "",
        "after": latest_label(result.after.mean, unit) if result.after else "",
        "change": latest_label(result.change, unit) if result.change is not None else "",
        "verdict": VERDICTS[result.verdict],
        "verdict_code": result.verdict,
        "comparison": comparison_text(row),
        "reported": _signed(row.reported.improvement_pct) if row.reported is not None else "",
    }

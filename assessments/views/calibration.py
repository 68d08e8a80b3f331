"""Calibration figures: per consultant and consultancy (agency staff: every row; a
consultant: their own row beside anonymous peers), with CSV. The spot-checks' pages are in
assessments/views/spot_checks.py."""

from types import SimpleNamespace

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from assessments.calibration import shares
from assessments.calibration_figures import (
    CONSULTANCY,
    CONSULTANT,
    calibration_rows,
    spot_check_agreement,
)
from assessments.calibration_forms import (
    CalibrationFilterForm,
)
from assessments.models import (
    localized,
)
from hub import roles
from hub.exports import csv_response
from hub.formats import DASH


def require_calibration_reader(user) -> None:
    if not (roles.is_agency_staff_or_admin(user) or roles.is_consultant(user)):
        raise PermissionDenied(_("Calibration figures are for agency staff and consultants."))


def _fmt(value, places=2) -> str:
    if value is None:
        return DASH
    return f"{value:+.{places}f}" if places and value < 0 else f"{value:.{places}f}"


def _share(value) -> str:
    return DASH if value is None else f"{100 * value:.0f}%"


def _histogram(counts: dict) -> list[SimpleNamespace]:
    fractions = shares(counts)
    return [
        SimpleNamespace(level=k, count=counts[k], share=_share(fractions[k]))
        for k in sorted(counts)
    ]


def present_row(row) -> SimpleNamespace:
    data = row.as_dict()
    return SimpleNamespace(
        **data,
        return_share_text=_share(row.return_share),
        items_changed_text=_fmt(row.items_changed_per_return, 1),
        mean_level_text=_fmt(data["mean_level"]),
        peer_mean_text=_fmt(data["peer_mean_level"]),
        difference_text=_signed(data["difference_to_peers"]),
        self_text=_signed(row.self_difference),
        next_text=_signed(row.next_difference),
        histogram=_histogram(row.peer.histogram) if row.peer else [],
        peer_histogram=_histogram(row.peer.peer_histogram) if row.peer else [],
    )


def _signed(value) -> str:
    return DASH if value is None else f"{value:+.2f}"


def present_agreement(group) -> SimpleNamespace:
    a = group.agreement.overall
    levels = group.agreement.levels
    return SimpleNamespace(
        label=group.label,
        checks=group.checks,
        pairs=a.pairs,
        kappa=_fmt(a.kappa),
        kappa_linear=_fmt(a.kappa_linear),
        exact=_share(a.exact),
        within_one=_share(a.within_one),
        mean_difference=_signed(a.mean_difference),
        level_kappa=_fmt(levels.kappa) if levels else DASH,
        level_difference=_signed(levels.mean_difference) if levels else DASH,
    )


CSV_HEADER = (
    ("name", "name"),
    ("consultancy", "consultancy"),
    ("assessments", "assessments"),
    ("confirmed", "confirmed"),
    ("submitted", "submitted"),
    ("returned", "returned"),
    ("return_share", "return_share"),
    ("items_changed_after_return", "items_changed_after_return"),
    ("items_changed_per_return", "items_changed_per_return"),
    ("mean_level", "mean_level"),
    ("peer_mean_level", "peer_mean_level"),
    ("difference_to_peers", "difference_to_peers"),
    ("difference_to_self_diagnosis", "difference_to_self_diagnosis"),
    ("difference_to_next_assessment", "difference_to_next_assessment"),
)


class CalibrationView(LoginRequiredMixin, TemplateView):
    """Agency staff: every consultant's and consultancy's figures, spot-check agreement by
    consultancy and over time, CSV. A consultant: their own row, the anonymous peer
    comparison, and the agreement of spot-checks of their own assessments."""

    template_name = "assessments/calibration/calibration.html"

    def get(self, request, *args, **kwargs):
        require_calibration_reader(request.user)
        self.form = CalibrationFilterForm(request.GET or None)
        self.agency = roles.is_agency_staff_or_admin(request.user)
        if request.GET.get("format") == "csv":
            by = CONSULTANCY if request.GET.get("by") == CONSULTANCY else CONSULTANT
            rows = self._rows(by)
            return csv_response(
                f"calibration-{by}.csv",
                [h for h, _k in CSV_HEADER],
                [[r.as_dict()[k] for _h, k in CSV_HEADER] for r in rows],
            )
        return super().get(request, *args, **kwargs)

    def _rows(self, by):
        only = None if self.agency else self.request.user.pk
        if by == CONSULTANCY and not self.agency:
            return []
        return calibration_rows(by=by, filters=self.form.filters(), only=only)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filters = self.form.filters()
        period = self.form.period_value()
        consultant = None if self.agency else self.request.user
        agreement = spot_check_agreement(filters=filters, period=period, consultant=consultant)
        ctx.update(
            form=self.form,
            agency=self.agency,
            rows=[present_row(r) for r in self._rows(CONSULTANT)],
            org_rows=[present_row(r) for r in self._rows(CONSULTANCY)],
            overall=present_agreement(agreement.overall),
            by_consultancy=[present_agreement(g) for g in agreement.by_consultancy]
            if self.agency
            else [],
            by_period=[present_agreement(g) for g in agreement.by_period],
            items=[
                SimpleNamespace(
                    code=i["code"],
                    name=localized({"ko": i["name_ko"], "en": i["name_en"]}),
                    pairs=i["agreement"].pairs,
                    kappa=_fmt(i["agreement"].kappa),
                    exact=_share(i["agreement"].exact),
                    mean_difference=_signed(i["agreement"].mean_difference),
                )
                for i in agreement.items
            ],
            query=self.request.GET.urlencode(),
        )
        return ctx

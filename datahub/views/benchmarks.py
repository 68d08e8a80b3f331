"""Peer benchmark pages: a plant's percentiles (whoever may read its data) and the national
peer table of one KSIC division and one KPI (agency staff and officials), with its CSV."""

import csv

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from datahub import benchmarks, disclosure, peergroups
from datahub.models import ReadKind
from datahub.services import access
from hub import charts, roles
from hub.choices import REGION_KOREAN_NAMES, Industry, Region, Role
from hub.formats import with_unit
from hub.models import Plant
from hub.replica import reads_from_replica

MACRO_LABELS = {
    "capital": gettext_lazy("Capital region"),
    "chungcheong": gettext_lazy("Chungcheong region"),
    "honam": gettext_lazy("Honam region"),
    "daegyeong": gettext_lazy("Daegu–Gyeongbuk region"),
    "dongnam": gettext_lazy("Southeast region"),
    "gangwon": gettext_lazy("Gangwon region"),
    "jeju": gettext_lazy("Jeju region"),
}
REASON_LABELS = {
    disclosure.Reason.FEW_COMPANIES: gettext_lazy("fewer than 5 companies"),
    disclosure.Reason.DOMINANT: gettext_lazy("one company makes up more than half"),
    disclosure.Reason.COMPLEMENTARY: gettext_lazy(
        "hidden so that another hidden cell stays hidden"
    ),
}


def band_label(band: str | None) -> str:
    if band is None:
        return _("all sizes")
    if band == benchmarks.UNKNOWN_BAND:
        return _("size unknown")
    if band == disclosure.TOTAL:
        return _("Total")
    return _("%(band)s employees") % {"band": band}


def group_label(group: peergroups.Group) -> str:
    """ "Fabricated metal products · 10-49 employees · Capital region" and the like."""
    parts = [Industry(group.division).label, band_label(group.band)]
    if group.region is not None:
        parts.append(Region(group.region).label)
    elif group.macro_region is not None:
        parts.append(MACRO_LABELS[group.macro_region])
    else:
        parts.append(_("nationwide"))
    return " · ".join(str(p) for p in parts)


def _svg(markup: str):
    return mark_safe(markup)  # noqa: S308 - chart SVG built from escaped parts  # nosec B308, B703


@reads_from_replica
class PlantBenchmarksView(LoginRequiredMixin, TemplateView):
    """The plant's percentile among its peers per KPI, as bars (its own data: the plant's
    members, or others under a consent, each read logged)."""

    template_name = "datahub/benchmarks.html"

    def get(self, request, *args, **kwargs):
        self.plant = get_object_or_404(
            Plant.objects.visible_to(request.user).select_related("company"),
            pk=kwargs["plant_pk"],
        )
        access.open_for_reading(request.user, self.plant, ReadKind.BENCHMARKS)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        result = benchmarks.plant_benchmarks(self.plant)
        rows = []
        for index, b in enumerate(result.kpis):
            row = {"b": b, "group": group_label(b.group)}
            if b.suppressed:
                row["reason"] = REASON_LABELS[b.reason]
            else:
                pct = b.percentile
                row["percentile"] = pct
                row["chart"] = _svg(
                    charts.progress_meter(
                        pct,
                        100,
                        title=_("%(kpi)s: percentile among peers") % {"kpi": b.kpi.name},
                        desc=_("Better than about %(p)s %% of the peer plants.") % {"p": pct},
                        value_label=f"{b.kpi.name} {with_unit(f'{b.value:.1f}', b.kpi.unit)}",
                        target_label="100",
                        ratio_label=_("%(p)sth percentile") % {"p": pct},
                        chart_id=f"bench-{index}",
                    )
                )
            rows.append(row)
        ctx.update(
            plant=self.plant,
            result=result,
            rows=rows,
            band=band_label(result.band),
            min_companies=disclosure.MIN_COMPANIES,
            manages=access.is_own(self.request.user, self.plant),
        )
        return ctx


# --- the national peer table ----------------------------------------------------------------


def may_see_tables(user) -> bool:
    """Agency staff, officials and administrators read aggregate tables."""
    return roles.is_agency_staff_or_admin(user) or roles.role_of(user) == Role.OFFICIAL


class PeerTableForm(forms.Form):
    division = forms.ChoiceField(label=gettext_lazy("KSIC division"), choices=Industry.choices)
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"))

    def __init__(self, *args, kpis, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = {k.code: k for k in kpis}
        self.fields["kpi"].choices = [(k.code, k.name) for k in kpis]


def default_division() -> str:
    """The division with the most consented plants (the first division when none has one)."""
    row = (
        Plant.objects.filter(pk__in=benchmarks.consented_plants())
        .values("industry")
        .annotate(n=Count("pk"))
        .order_by("-n", "industry")
        .first()
    )
    return row["industry"] if row else Industry.values[0]


@reads_from_replica
class PeerTableView(LoginRequiredMixin, TemplateView):
    """The median of one KPI in one KSIC division by region × size band, with the totals,
    under disclosure control; `?format=csv` exports exactly the released cells."""

    template_name = "datahub/benchmark_table.html"

    def get(self, request, *args, **kwargs):
        if not may_see_tables(request.user):
            raise PermissionDenied(_("Peer tables are for agency staff and officials."))
        kpis = list(benchmarks.benchmark_kpis())
        data = request.GET.copy()
        data.setdefault("kpi", "oee" if any(k.code == "oee" for k in kpis) else kpis[0].code)
        if "division" not in data:
            data["division"] = default_division()
        form = PeerTableForm(data, kpis=kpis)
        table = None
        if form.is_valid():
            table = benchmarks.peer_table(
                division=form.cleaned_data["division"], kpi=form.kpis[form.cleaned_data["kpi"]]
            )
            if request.GET.get("format") == "csv":
                return self.csv(table)
        return self.render_to_response(self.get_context_data(form=form, table=table))

    def get_context_data(self, *, form, table, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = form
        ctx["table"] = table
        ctx["min_companies"] = disclosure.MIN_COMPANIES
        ctx["reasons"] = REASON_LABELS.values()
        if table is not None:
            ctx["division_label"] = Industry(table.division).label
            ctx["header"] = [band_label(c) for c in table.columns]
            ctx["body"] = [
                {
                    "label": _("Total") if r == disclosure.TOTAL else Region(r).label,
                    "total": r == disclosure.TOTAL,
                    "cells": [table.cell(r, c) for c in table.columns],
                }
                for r in table.rows
            ]
            ctx["csv_query"] = f"division={table.division}&kpi={table.kpi.code}&format=csv"
        return ctx

    def csv(self, table: benchmarks.PeerTable) -> HttpResponse:
        """One line per present cell: released figures, "x" for a suppressed one; the
        footnote says what "x" means. Empty cells are left out."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="peer-table-{table.division}-{table.kpi.code}.csv"'
        )
        response.write("\ufeff")  # Excel reads UTF-8 with a BOM
        out = csv.writer(response)
        out.writerow(
            ["region", "region_name", "size_band", "companies", "plants", "median", "unit"]
        )
        for r in table.rows:
            name = REGION_KOREAN_NAMES[r][0] if r in REGION_KOREAN_NAMES else "전국"
            for c in table.columns:
                cell = table.cell(r, c)
                if cell is None:
                    continue
                if cell.suppressed:
                    figures = ["x", "x", "x"]
                else:
                    figures = [cell.companies, cell.plants, f"{cell.median:.3f}"]
                out.writerow([r, name, c, *figures, table.kpi.unit])
        out.writerow([])
        out.writerow(
            [
                "x: "
                + _(
                    "suppressed (fewer than %(n)s companies, one company above half of the "
                    "sum, or hidden so that another hidden cell cannot be worked out)"
                )
                % {"n": disclosure.MIN_COMPANIES}
            ]
        )
        out.writerow(
            [
                _("KPI %(kpi)s, KSIC division %(division)s, months %(first)s to %(last)s")
                % {
                    "kpi": table.kpi.code,
                    "division": table.division,
                    "first": table.period.first.strftime("%Y-%m"),
                    "last": table.period.last.strftime("%Y-%m"),
                }
            ]
        )
        return response

"""The funds ledger and the partner portfolio.

Who may read them (the selectors decide, and answer 404 to anyone else):
- ledger: agency staff, officials and admins read every row; a partner member only their own
  firm's rows (the partner filter is fixed to their firm);
- portfolio: a partner member reads their own firm's; agency staff, officials and admins may
  pick any partner firm with ?partner=<id>.
"""

from types import SimpleNamespace

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from hub import charts, extensions, roles
from hub.choices import OrganizationKind
from hub.models import Organization
from programs import selectors
from programs.choices import ProjectStatus
from programs.exports import csv_response
from programs.models import Program


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"), required=False, coerce=int, empty_value=None
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"), queryset=Program.objects.none(), required=False
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner firm"),
        queryset=Organization.objects.filter(kind=OrganizationKind.PARTNER),
        required=False,
    )

    def __init__(self, *args, user, partner_scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All"))] + [
            (y, str(y)) for y in selectors.ledger_years(user)
        ]
        self.fields["program"].queryset = Program.objects.visible_to(user)
        self.fields["program"].empty_label = _("All")
        self.fields["partner"].empty_label = _("All")
        if partner_scope is not None:  # a partner member: their own firm, nothing to choose
            del self.fields["partner"]

    def filters(self) -> dict:
        """The valid filters (an invalid value is ignored, the form shows its error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in ("year", "program", "partner") if data.get(name)}


# Program × partner lines per page of the ledger: at national scale (34 programs, 679
# commitments) the page with every line weighed 567 KiB; the CSV still has them all.
LEDGER_LINES_PER_PAGE = 50
# Mentored plants per page of a portfolio: the national dataset's largest firm mentors ~700
# plants, 594 KiB on one page; the CSV still has them all.
PORTFOLIO_PLANTS_PER_PAGE = 50


class LedgerView(LoginRequiredMixin, TemplateView):
    template_name = "programs/ledger.html"

    def get(self, request, *args, **kwargs):
        self.scope = selectors.ledger_partner_scope(request.user)
        self.form = LedgerFilterForm(
            request.GET or None, user=request.user, partner_scope=self.scope
        )
        self.filters = self.form.filters() if request.GET else {}
        self.report = selectors.ledger(user=request.user, **self.filters)
        if request.GET.get("export") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        query.pop("page", None)
        paginator = Paginator(self.report.lines, LEDGER_LINES_PER_PAGE)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        ctx.update(
            paginator=paginator,
            page_obj=page_obj,
            lines=page_obj.object_list,
            query_without_page=query.urlencode(),
            page_sizes=(),
        )
        query["export"] = "csv"
        ctx.update(
            report=self.report,
            filterset=SimpleNamespace(form=self.form),
            csv_query=query.urlencode(),
            own_partner=(
                Organization.objects.filter(pk=self.scope).first()
                if self.scope is not None
                else None
            ),
        )
        return ctx

    def csv(self):
        header = [
            _("Year"),
            _("Program"),
            _("Operating agency"),
            _("Partner firm"),
            _("Committed"),
            _("Remaining"),
            _("Live projects"),
            _("Live: partner share"),
            _("Agreed projects"),
            _("Agreed: government"),
            _("Agreed: partner"),
            _("Agreed: SME"),
            _("Agreed: total"),
            _("Completed projects"),
            _("Completed: government"),
            _("Completed: partner"),
            _("Completed: SME"),
            _("Completed: total"),
            _("Dropped projects"),
        ]
        rows = []
        for line in self.report.lines:
            rows.append(
                [
                    line.program.year,
                    line.program.name,
                    line.program.agency.name,
                    line.partner.name if line.partner else "",
                    int(line.committed) if line.has_commitment else None,
                    int(line.remaining) if line.remaining is not None else None,
                    line.allocated.count,
                    int(line.allocated.partner),
                    line.agreed.count,
                    int(line.agreed.government),
                    int(line.agreed.partner),
                    int(line.agreed.sme),
                    int(line.agreed.total),
                    line.completed.count,
                    int(line.completed.government),
                    int(line.completed.partner),
                    int(line.completed.sme),
                    int(line.completed.total),
                    line.dropped,
                ]
            )
        filename = f"ledger-{timezone.localdate().isoformat()}.csv"
        return csv_response(filename, header, rows)


class PortfolioView(LoginRequiredMixin, TemplateView):
    template_name = "programs/portfolio.html"

    def get(self, request, *args, **kwargs):
        requested = request.GET.get("partner")
        try:
            requested_id = int(requested) if requested else None
        except ValueError:
            raise Http404 from None
        self.partner = selectors.portfolio_partner_for(request.user, requested_id)
        if self.partner is not None and request.GET.get("export") == "csv":
            return portfolio_plants_csv(self.partner)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.partner is None:  # agency staff or official: choose a firm
            ctx["partners"] = Organization.objects.filter(kind=OrganizationKind.PARTNER).order_by(
                "name"
            )
            return ctx
        portfolio = selectors.partner_portfolio(self.partner)
        paginator = Paginator(portfolio.plants, PORTFOLIO_PLANTS_PER_PAGE)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        # Columns later apps add (hub.extensions), e.g. the data hub's connection.
        columns = [c for c in extensions.portfolio_plant_columns if c.applies(self.request.user)]
        for column in columns:
            column.attach([row.plant for row in page_obj.object_list])
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            paginator=paginator,
            page_obj=page_obj,
            plant_rows=page_obj.object_list,
            query_without_page=query.urlencode(),
            page_sizes=(),
        )
        ctx.update(
            extra_columns=columns,
            portfolio=portfolio,
            partner=self.partner,
            viewing_other=roles.sees_everything(self.request.user),
            kpi_svg=kpi_chart(portfolio),
            status_rows=[
                {
                    "status": status.value,
                    "label": status.label,
                    "count": portfolio.status_counts[status.value],
                    "cost": portfolio.status_costs[status.value],
                }
                for status in ProjectStatus
            ],
        )
        return ctx


def portfolio_plants_csv(partner: Organization):
    """The firm's mentored plants as on its portfolio page, one row each (levels as numbers)."""
    portfolio = selectors.partner_portfolio(partner)
    header = [
        _("Plant"),
        _("Company"),
        _("Business number"),
        _("Region"),
        _("Projects"),
        _("Support since"),
        _("Level then"),
        _("Level now"),
        _("Level valid until"),
        _("Change"),
    ]
    rows = [
        [
            row.plant.name,
            row.plant.company.name,
            row.plant.company.business_number_display,
            row.plant.get_region_display(),
            row.projects,
            row.support_since,
            row.baseline_level,
            row.current_level,
            row.plant.level_valid_until,
            row.level_change,
        ]
        for row in portfolio.plants
    ]
    filename = f"portfolio-{partner.pk}-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, header, rows)


def kpi_chart(portfolio: selectors.Portfolio) -> str:
    """The firm's average KPI improvements next to the national averages: one group of two
    bars per indicator with a national average, in two colours named in a legend (a firm
    without results for an indicator gets a note in place of its bar)."""
    groups = []
    for k in portfolio.kpis:
        if k.national is None:
            continue
        firm = (
            charts.Bar(portfolio.partner.name, None, note=_("no data"))
            if k.partner_avg is None
            else charts.Bar(
                portfolio.partner.name,
                k.partner_avg,
                f"{k.partner_avg:+.1f} % (n={k.partner_n})",
            )
        )
        national = charts.Bar(_("National average"), k.national, f"{k.national:+.1f} %")
        groups.append((str(k.indicator.label), [firm, national]))
    if not groups:
        return ""
    return charts.grouped_hbar_chart(
        groups,
        series=[portfolio.partner.name, _("National average")],
        title=_("KPI improvement against the national average"),
        desc=_("Average improvement in percent per indicator over completed projects."),
        chart_id="portfolio-kpis",
    )

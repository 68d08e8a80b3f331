"""Follow-up (사후관리) pages: the agency's queue of overdue plants, one plant's periods, and
the SME home's section (datahub/templatetags/followup_tags.py)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from datahub import followup_rules as rules
from datahub.followup_filters import FollowUpFilterSet
from datahub.models import FollowUpPeriod, KpiDefinition
from datahub.services.sources import manages_data_of
from hub import roles
from hub.exports import EXPORT_FORMATS
from hub.models import Plant
from hub.views.mixins import get_visible_or_404
from programs.models import Project

QUEUE_PAGE = 50


def export_query(params: QueryDict, fmt: str) -> str:
    """The queue's filters for the API's export: the same default status (late)."""
    query = params.copy()
    if not query.get("status"):
        query.setlist("status", [rules.LATE])
    query["format"] = fmt
    return query.urlencode()


def kpi_names() -> dict[str, str]:
    """code -> the KPI's name in the active language (current catalogue)."""
    return {d.code: d.name for d in KpiDefinition.objects.filter(catalogue__is_current=True)}


class FollowUpQueueView(LoginRequiredMixin, TemplateView):
    """Agency staff's queue: plants with overdue follow-up reports, one row per project
    (plant, program, agency), most overdue first, with counts by agency and program.
    Officials read it too; nothing here changes anything."""

    template_name = "datahub/followups.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.sees_everything(request.user):
            raise PermissionDenied(_("The follow-up queue is for agency staff and officials."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        data = self.request.GET.copy()
        if not data.get("status"):
            data.setlist("status", [rules.LATE])
        periods = FollowUpPeriod.objects.visible_to(self.request.user)
        filterset = FollowUpFilterSet(data, queryset=periods, request=self.request)
        periods = filterset.qs.order_by() if filterset.is_valid() else periods.none()
        grouped = (
            periods.values("project_id")
            .annotate(periods=Count("pk"), oldest=Min("due_date"))
            .order_by("oldest", "project_id")
        )
        page = Paginator(grouped, QUEUE_PAGE).get_page(self.request.GET.get("page"))
        projects = Project.objects.select_related("plant__company", "program__agency").in_bulk(
            [row["project_id"] for row in page]
        )
        rows = [
            {
                "project": projects[row["project_id"]],
                "periods": row["periods"],
                "oldest": row["oldest"],
                "days": max(0, (today - row["oldest"]).days),
            }
            for row in page
        ]
        totals = periods.aggregate(periods=Count("pk"), plants=Count("plant_id", distinct=True))

        def breakdown(*fields):
            return list(
                periods.values(*fields)
                .annotate(plants=Count("plant_id", distinct=True), periods=Count("pk"))
                .order_by("-plants", fields[0])[:10]
            )

        params = QueryDict(mutable=True)
        params.update(self.request.GET)
        params.pop("page", None)
        ctx.update(
            filterset=filterset,
            rows=rows,
            page_obj=page,
            paginator=page.paginator,
            totals=totals,
            by_agency=breakdown("agency__name", "agency_id"),
            by_program=breakdown("program__name_ko", "program_id"),
            today=today,
            query_without_page=params.urlencode(),
            # Every overdue period with the same filters, from the API's list (session auth).
            export_urls=[
                (fmt.upper(), f"{reverse('followup-list')}?{export_query(params, fmt)}")
                for fmt in EXPORT_FORMATS
            ],
            page_sizes=[QUEUE_PAGE],
        )
        return ctx


class PlantFollowUpView(LoginRequiredMixin, TemplateView):
    """One plant's follow-up: every period of its completed projects that the user may see,
    with what each report must hold and a link to send it (for the plant's own members)."""

    template_name = "datahub/followups_plant.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        self.plant = get_visible_or_404(
            Plant.objects.select_related("company"), user, pk=kwargs["plant_pk"]
        )
        if roles.is_consultant(user):
            raise PermissionDenied(_("Consultants do not follow up projects."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        names = kpi_names()
        periods = (
            FollowUpPeriod.objects.visible_to(self.request.user)
            .filter(plant=self.plant)
            .select_related("project__program__agency", "project__plant")
            .order_by("project__completed_on", "project_id", "sequence")
        )
        projects = {}
        for period in periods:
            period.status_today = period.current_status(today)
            period.kpi_names = [names.get(code, code) for code in period.required_kpis]
            projects.setdefault(period.project_id, {"project": period.project, "periods": []})
            projects[period.project_id]["periods"].append(period)
        ctx.update(
            plant=self.plant,
            projects=list(projects.values()),
            can_send=manages_data_of(self.request.user, self.plant),
            today=today,
        )
        return ctx

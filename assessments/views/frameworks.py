"""The maturity frameworks, read-only, for every member."""

from django.db.models import Count, Exists, OuterRef
from django.views.generic import DetailView, ListView

from assessments import selectors
from assessments.models import Assessment, Framework
from assessments.views.common import floor_rule_text
from hub.views.mixins import VisibleMixin


class FrameworkListView(VisibleMixin, ListView):
    model = Framework
    template_name = "assessments/framework_list.html"
    context_object_name = "frameworks"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                item_count=Count("areas__categories__items", distinct=True),
                is_in_use=Exists(Assessment.objects.filter(framework=OuterRef("pk"))),
            )
        )


class FrameworkDetailView(VisibleMixin, DetailView):
    model = Framework
    template_name = "assessments/framework_detail.html"
    context_object_name = "framework"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        framework = self.object
        ctx["areas"] = selectors.framework_tree(framework)
        ctx["thresholds"] = [
            (int(level), minimum, *framework.level_meaning(int(level)))
            for level, minimum in sorted(framework.thresholds.items(), key=lambda kv: int(kv[0]))
        ]
        ctx["level_zero"] = framework.level_meaning(0)
        ctx["floor_rules"] = [
            {
                "code": rule.get("code"),
                "text": floor_rule_text(framework, rule.get("code")),
                "enabled": rule.get("enabled", True),
            }
            for rule in framework.floor_rules
        ]
        ctx["in_use"] = framework.in_use
        return ctx

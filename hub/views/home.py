"""The landing page: what the signed-in user's role may use, with a few counts."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import TemplateView

from hub import extensions
from hub.models import Mentorship, Organization, Plant


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "hub/home.html"

    def get(self, request, *args, **kwargs):
        for home_of in extensions.home_redirects:
            url = home_of(request.user)
            if url:
                return redirect(url)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["plant_count"] = Plant.objects.visible_to(user).count()
        ctx["organization_count"] = Organization.objects.visible_to(user).count()
        ctx["mentorship_count"] = Mentorship.objects.visible_to(user).count()
        return ctx

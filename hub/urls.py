"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

import assessments.api.urls
import hub.api.urls
import programs.api.urls
from hub.views import health, home, imports, registry

# One API router for every app, so /api/v1/ lists all endpoints.
api_router = DefaultRouter()
hub.api.urls.register(api_router)
assessments.api.urls.register(api_router)
programs.api.urls.register(api_router)

registry_patterns = [
    path("plants/", registry.PlantListView.as_view(), name="plant_list"),
    path("plants/new/", registry.PlantCreateView.as_view(), name="plant_create"),
    path("plants/import/", imports.PlantImportView.as_view(), name="plant_import"),
    path("plants/lookup/", registry.PlantLookupView.as_view(), name="plant_lookup"),
    path("plants/<int:pk>/", registry.PlantDetailView.as_view(), name="plant_detail"),
    path("plants/<int:pk>/edit/", registry.PlantUpdateView.as_view(), name="plant_update"),
    path("organizations/", registry.OrganizationListView.as_view(), name="organization_list"),
    path(
        "organizations/new/", registry.OrganizationCreateView.as_view(), name="organization_create"
    ),
    path(
        "organizations/<int:pk>/",
        registry.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
    path(
        "organizations/<int:pk>/edit/",
        registry.OrganizationUpdateView.as_view(),
        name="organization_update",
    ),
    path("mentorships/", registry.MentorshipListView.as_view(), name="mentorship_list"),
    path("mentorships/new/", registry.MentorshipCreateView.as_view(), name="mentorship_create"),
    path(
        "mentorships/<int:pk>/", registry.MentorshipDetailView.as_view(), name="mentorship_detail"
    ),
    path(
        "mentorships/<int:pk>/edit/",
        registry.MentorshipUpdateView.as_view(),
        name="mentorship_update",
    ),
]

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include((registry_patterns, "hub"))),
    path("", include("assessments.urls")),
    path("", include("programs.urls")),
    path("api/v1/", include(api_router.urls)),
    path("api/v1/auth/token/", obtain_auth_token, name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]

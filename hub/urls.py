"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from hub.views import health, home, imports, registry

registry_patterns = [
    path("plants/", registry.PlantListView.as_view(), name="plant_list"),
    path("plants/new/", registry.PlantCreateView.as_view(), name="plant_create"),
    path("plants/import/", imports.PlantImportView.as_view(), name="plant_import"),
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
    path("api/v1/", include("hub.api.urls")),
    path("api/v1/auth/token/", obtain_auth_token, name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]

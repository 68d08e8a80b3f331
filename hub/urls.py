"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

import assessments.api.urls
import datahub.api.urls
import hub.api.urls
import programs.api.urls
import progress.api.urls
from hub.lockout import TokenLoginView
from hub.views import audit, health, home, imports, invitations, lookups, mfa, registry

# One API router for every app, so /api/v1/ lists all endpoints. No ".json" suffix routes:
# the API speaks JSON (and PDF by Accept header), and the suffix broke every custom action.
api_router = DefaultRouter()
api_router.include_format_suffixes = False
hub.api.urls.register(api_router)
assessments.api.urls.register(api_router)
programs.api.urls.register(api_router)
datahub.api.urls.register(api_router)
progress.api.urls.register(api_router)

registry_patterns = [
    path("plants/", registry.PlantListView.as_view(), name="plant_list"),
    path("plants/new/", registry.PlantCreateView.as_view(), name="plant_create"),
    path("plants/import/", imports.PlantImportView.as_view(), name="plant_import"),
    path("plants/lookup/", lookups.PlantLookupView.as_view(), name="plant_lookup"),
    path(
        "organizations/lookup/",
        lookups.OrganizationLookupView.as_view(),
        name="organization_lookup",
    ),
    path("consultants/lookup/", lookups.ConsultantLookupView.as_view(), name="consultant_lookup"),
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
    path(
        "organizations/<int:pk>/invite/",
        invitations.InviteView.as_view(),
        name="organization_invite",
    ),
    path(
        "organizations/<int:pk>/members/new/",
        invitations.SmeMemberCreateView.as_view(),
        name="sme_member_create",
    ),
    path(
        "invitations/<str:token>/",
        invitations.InvitationAcceptView.as_view(),
        name="invitation_accept",
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
    # Two-step sign-in (hub/mfa.py).
    path("accounts/two-step/", mfa.MfaSettingsView.as_view(), name="mfa_settings"),
    path("accounts/two-step/setup/", mfa.MfaSetupView.as_view(), name="mfa_setup"),
    path("accounts/two-step/verify/", mfa.MfaVerifyView.as_view(), name="mfa_verify"),
    path(
        "accounts/two-step/recovery-codes/",
        mfa.MfaRecoveryCodesView.as_view(),
        name="mfa_recovery_codes",
    ),
    path("accounts/two-step/turn-off/", mfa.MfaTurnOffView.as_view(), name="mfa_turn_off"),
]

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", audit.AuditListView.as_view(), name="audit-list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include((registry_patterns, "hub"))),
    path("", include("assessments.urls")),
    path("", include("programs.urls")),
    path("", include("datahub.urls")),
    path("", include("progress.urls")),
    path("api/v1/", include(datahub.api.urls.urlpatterns)),
    path("api/v1/", include(api_router.urls)),
    # Throttled like the login page (hub/lockout.py).
    path("api/v1/auth/token/", TokenLoginView.as_view(), name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI within the Content Security Policy: its start-up script is served by the same
    # view (?script) as a file instead of inline, and its page frame comes from a stylesheet.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="hub/api_docs.html"
        ),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
]

# JSON, not the HTML page, for /api/ URLs that match no route.
handler404 = "hub.api.errors.not_found"
# A refusal to an htmx request comes back as a fragment, not the whole 403 page.
handler403 = "hub.views.refusals.permission_denied"
# A database that did not answer for a moment: 503 with Retry-After (JSON under /api/).
handler500 = "hub.api.errors.server_error"

from hub.api import views


def register(router) -> None:
    router.register("organizations", views.OrganizationViewSet, basename="organization")
    router.register("plants", views.PlantViewSet, basename="plant")
    router.register("mentorships", views.MentorshipViewSet, basename="mentorship")

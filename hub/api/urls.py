from rest_framework.routers import DefaultRouter

from hub.api import views

router = DefaultRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("plants", views.PlantViewSet, basename="plant")
router.register("mentorships", views.MentorshipViewSet, basename="mentorship")

urlpatterns = router.urls

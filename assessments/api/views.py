"""Assessment API (placeholder viewsets until the API lands)."""

from rest_framework import viewsets

from assessments.models import Assessment, Framework


class FrameworkViewSet(viewsets.GenericViewSet):
    queryset = Framework.objects.none()


class AssessmentViewSet(viewsets.GenericViewSet):
    queryset = Assessment.objects.none()

"""Program API (placeholder viewsets until the API lands)."""

from rest_framework import viewsets

from programs.models import KPI, Program, Project


class ProgramViewSet(viewsets.GenericViewSet):
    queryset = Program.objects.none()


class ProjectViewSet(viewsets.GenericViewSet):
    queryset = Project.objects.none()


class KPIViewSet(viewsets.GenericViewSet):
    queryset = KPI.objects.none()

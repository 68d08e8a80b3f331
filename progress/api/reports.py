"""Progress report API: request (create), list, retrieve (status) and download the PDF.

Reading follows `ProgressReport.objects.visible_to` (invisible => 404); creating is decided by
`progress.services.report_request` (403 for a scope the user may not ask for, 400 for bad
inputs); the build runs in a Celery task enqueued on commit."""

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from hub.api.base import VisibleViewSet
from progress import document
from progress import services as reports
from progress.choices import ReportScope, ReportStatus
from progress.models import ProgressReport


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the view returns the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ProgressReportSerializer(serializers.ModelSerializer):
    scope_label = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "scope",
            "scope_value",
            "scope_label",
            "language",
            "as_of",
            "status",
            "progress",
            "error",
            "digest",
            "figures",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "attempts",
            "download_url",
        ]
        read_only_fields = fields

    def get_scope_label(self, obj) -> str:
        return document.scope_words(obj.scope, obj.scope_value)

    def get_download_url(self, obj) -> str | None:
        if obj.status != ReportStatus.DONE:
            return None
        request = self.context.get("request")
        url = f"/api/v1/reports/{obj.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class ProgressReportRequestSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ReportScope.choices)
    scope_value = serializers.CharField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=reports.LANGUAGE_CODES)
    # Today in the hub's time zone when left out, as on the request page.
    as_of = serializers.DateField(default=timezone.localdate)


class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Progress reports the user may see; POST requests a new one (202, built in the
    background: poll the report until `status` is done or failed)."""

    queryset = ProgressReport.objects.select_related("requested_by")
    permission_classes = [IsAuthenticated]
    serializer_class = ProgressReportSerializer
    filter_backends = []

    @extend_schema(
        request=ProgressReportRequestSerializer,
        responses={
            202: ProgressReportSerializer,
            400: OpenApiResponse(description="Field errors (scope value, language, as-of)."),
            403: OpenApiResponse(description="You may not request a report on this scope."),
        },
    )
    def create(self, request, *args, **kwargs):
        body = ProgressReportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = reports.report_request(user=request.user, **body.validated_data)
        report = self.reread(report)  # after the (eager) build, if any
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            202: ProgressReportSerializer,
            400: OpenApiResponse(description="The report has not failed."),
            404: OpenApiResponse(description="No such report visible to you."),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        report = reports.report_retry(user=request.user, report=self.get_object())
        report = self.reread(report)
        return Response(self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The PDF."
            ),
            404: OpenApiResponse(description="No such report visible to you, or not done."),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def download(self, request, pk=None):
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404(_("The report is not ready."))
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=reports.report_filename(report),
            content_type="application/pdf",
        )

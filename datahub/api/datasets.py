"""Research datasets in the API: list and read (officials and agency staff; everyone else
sees none), request (officials: 202, built in the background) and download one file
(`?file=parquet|csv|dictionary`; every download logged)."""

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from datahub.choices import DatasetFile, DatasetStatus
from datahub.models import ResearchDataset
from datahub.selectors import dataset_withdrawals
from datahub.services import datasets
from hub.api.base import VisibleViewSet
from hub.formats import person_name


class _WithdrawalsOnce(serializers.ListSerializer):
    """Counts the withdrawn contributors of the whole page at once (2 queries)."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.context["withdrawals"] = dataset_withdrawals(items)
        return super().to_representation(items)


class ResearchDatasetSerializer(serializers.ModelSerializer):
    withdrawn_count = serializers.SerializerMethodField(
        help_text=_(
            "How many of the plants in this released dataset have since withdrawn their "
            "research consent. The files do not change (their hash is published); leave "
            "the dataset out of new work when this matters."
        )
    )
    refusal_reason = serializers.CharField(
        source="refusal_text",
        read_only=True,
        help_text=_("Why the dataset was refused, in the language of the request."),
    )
    requested_by = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = ResearchDataset
        fields = [
            "id",
            "title",
            "as_of",
            "status",
            "k",
            "generalisation",
            "plant_count",
            "suppressed_count",
            "row_count",
            "withdrawn_count",
            "content_hash",
            "requested_by",
            "requested_at",
            "built_at",
            "refusal",
            "refusal_reason",
            "error",
            "files",
        ]
        read_only_fields = fields
        list_serializer_class = _WithdrawalsOnce

    def get_withdrawn_count(self, obj) -> int:
        counts = self.context.get("withdrawals")
        if counts is None:
            counts = dataset_withdrawals([obj])
        return counts.get(obj.pk, 0)

    def get_requested_by(self, obj) -> str:
        return person_name(obj.requested_by) if obj.requested_by_id else ""

    def get_files(self, obj) -> dict[str, str]:
        """Download URL per file kind (parquet, csv, dictionary) of a ready dataset."""
        if obj.status != DatasetStatus.READY:
            return {}
        request = self.context.get("request")
        base = f"/api/v1/datasets/{obj.pk}/download/"
        urls = {kind: f"{base}?file={kind}" for kind in DatasetFile.values}
        if request is not None:
            urls = {kind: request.build_absolute_uri(url) for kind, url in urls.items()}
        return urls


class DatasetRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    as_of = serializers.DateField(default=timezone.localdate)


class AnyFileRenderer(BaseRenderer):
    """Lets a client accept the file types of the download; the view answers the file."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ResearchDatasetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, VisibleViewSet):
    """Anonymised research datasets: monthly KPI values of plants that consented to research
    use, k-anonymous (k ≥ 5) on region, size, industry and start of operation. POST requests
    one (officials; 202, built in the background: poll until `status` is ready or refused)."""

    queryset = ResearchDataset.objects.select_related("requested_by")
    serializer_class = ResearchDatasetSerializer
    filter_backends = []

    @extend_schema(
        request=DatasetRequestSerializer,
        responses={
            202: ResearchDatasetSerializer,
            400: OpenApiResponse(description="Field errors (title, as-of date)."),
            403: OpenApiResponse(description="Only officials request research datasets."),
        },
        examples=[
            OpenApiExample(
                "Request",
                request_only=True,
                value={"title": "OEE of connected plants 2026", "as_of": "2026-12-01"},
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        if not datasets.can_request(request.user):
            raise PermissionDenied(datasets.refusal_text())
        body = DatasetRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dataset = datasets.dataset_request(user=request.user, **body.validated_data)
        dataset = self.reread(dataset)
        return Response(self.get_serializer(dataset).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file",
                OpenApiTypes.STR,
                enum=list(DatasetFile.values),
                description="parquet (default), csv or dictionary (JSON).",
            )
        ],
        responses={
            (200, "application/vnd.apache.parquet"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The Parquet file."
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file."),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The data dictionary."
            ),
            400: OpenApiResponse(description="Unknown file kind."),
            404: OpenApiResponse(description="No such dataset visible to you, or not ready."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, AnyFileRenderer],
        pagination_class=None,
    )
    def download(self, request, pk=None):
        """One file of a ready dataset, as an attachment; the download is logged."""
        dataset = self.get_object()
        kind = request.query_params.get("file") or DatasetFile.PARQUET
        try:
            handle, filename, content_type = datasets.dataset_download(
                user=request.user, dataset=dataset, kind=kind
            )
        except LookupError as exc:
            raise Http404 from exc
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )

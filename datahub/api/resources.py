"""Data hub resources of the API: the KPI catalogue, data sources and their tokens, series,
consents (with their ODRL export) and the access log.

Visibility comes from each model's `visible_to(user)` (hub.api.base.VisibleViewSet): an
invisible object answers 404. Writes are the plant's own (its SME members, and
administrators): anyone else gets 403 on what they can see. A plant or source named in a body
that the caller cannot see is refused like a missing one (400 on that field). Every write is
one service call (datahub.services), which checks the role again; its ValidationErrors become
400 with field errors (hub.api.exceptions)."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from datahub import filtersets as f
from datahub.api import serializers as s
from datahub.models import AccessLogEntry, Consent, DataSource, KpiDefinition, Series, SourceToken
from datahub.services import consents, sources
from hub import roles
from hub.api.base import VisibleViewSet


class DataHubPermission(BasePermission):
    """Everyone signed in reads what `visible_to` lets them see. Creating needs an SME member
    (or an administrator); on one object, visibility is decided first (404), then whether the
    caller manages the plant's data (403), then the body (400)."""

    message = _("Only the plant's own members manage its data sources, series and consents.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action == "create":
            return roles.is_admin(user) or roles.is_sme_member(user)
        return True  # reads, and on one object has_object_permission; other methods: 405

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or sources.manages_data_of(request.user, obj.plant)


WRITE_RESPONSES = {
    400: OpenApiResponse(description="Field errors (an invisible plant or source reads as none)."),
    403: OpenApiResponse(description="Not a member of the plant's company."),
    404: OpenApiResponse(description="No such object visible to you."),
}


class _DataHubViewSet(VisibleViewSet):
    permission_classes = [DataHubPermission]

    def _answer(self, obj, serializer_class=None, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.reread(obj)
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)


# --- the KPI catalogue -----------------------------------------------------------------------


class KpiDefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _DataHubViewSet):
    """The current KPI catalogue (ISO 22400-2 KPIs and the raw quantities they come from):
    code, names, UCUM unit, better direction, valid range, formula and inputs. Every member
    reads it. One definition is found by its code (`oee`) or its id."""

    queryset = KpiDefinition.objects.filter(catalogue__is_current=True).select_related("catalogue")
    serializer_class = s.KpiDefinitionSerializer
    filterset_class = f.KpiDefinitionFilterSet
    lookup_value_regex = "[^/]+"

    def get_object(self):
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        queryset = self.filter_queryset(self.get_queryset())
        lookup = {"pk": int(value)} if value.isascii() and value.isdigit() else {"code": value}
        obj = queryset.filter(**lookup).first()
        if obj is None:
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", str, OpenApiParameter.PATH, description="The KPI's code (oee) or id."
            )
        ]
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


# --- data sources and tokens -----------------------------------------------------------------


class DataSourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _DataHubViewSet,
):
    """A plant's systems that send data (an MES, a SCADA gateway, a spreadsheet). Creating a
    source gives its first token, shown only in that answer; `rotate-token` replaces the
    tokens by a new one (the old ones are refused at once), `revoke-token` refuses them all.
    Reads show token metadata (prefix, times, revocation) to the plant's own members only."""

    queryset = DataSource.objects.select_related("plant").prefetch_related(
        Prefetch("tokens", queryset=SourceToken.objects.order_by("-created_at", "-pk"))
    )
    serializer_class = s.DataSourceSerializer
    filterset_class = f.DataSourceFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.DataSourceUpdateSerializer
        return s.DataSourceSerializer

    @extend_schema(responses={201: s.DataSourceCreatedSerializer, **WRITE_RESPONSES})
    def create(self, request, *args, **kwargs):
        """Register a source of one of your plants; the answer carries its token (`token`),
        shown only here."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source, token = sources.source_create(
            user=request.user,
            plant=data["plant"],
            name=data["name"],
            kind=data.get("kind", "other"),
            description=data.get("description", ""),
        )
        answer = self._answer(source, s.DataSourceCreatedSerializer, status.HTTP_201_CREATED)
        answer.data["token"] = token
        return answer

    @extend_schema(responses={200: s.DataSourceSerializer, **WRITE_RESPONSES})
    def partial_update(self, request, *args, **kwargs):
        """Rename, describe, change the kind, or deactivate (`is_active: false` refuses every
        token of the source until it is active again)."""
        source = self.get_object()
        serializer = self.get_serializer(source, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        source = sources.source_update(
            user=request.user, source=source, data=dict(serializer.validated_data)
        )
        return self._answer(source, s.DataSourceSerializer)

    @extend_schema(
        request=s.TokenRotateSerializer,
        responses={200: s.TokenIssuedSerializer, **WRITE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="rotate-token",
        filter_backends=[],
        pagination_class=None,
    )
    def rotate_token(self, request, pk=None):
        """Revoke the source's tokens and issue a new one, shown only in this answer."""
        source = self.get_object()
        body = s.TokenRotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, secret = sources.token_rotate(
            user=request.user, source=source, expires_at=body.validated_data.get("expires_at")
        )
        return Response({"token": secret, "prefix": token.prefix, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={200: s.TokenRevokedSerializer, **WRITE_RESPONSES})
    @action(
        detail=True,
        methods=["post"],
        url_path="revoke-token",
        filter_backends=[],
        pagination_class=None,
    )
    def revoke_token(self, request, pk=None):
        """Refuse every token of the source from now on; issue a new one with rotate-token."""
        source = self.get_object()
        return Response({"revoked": sources.token_revoke(user=request.user, source=source)})


# --- series ----------------------------------------------------------------------------------


class SeriesViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _DataHubViewSet
):
    """What a source sends: a KPI or raw quantity of the catalogue, in its UCUM unit, at a
    granularity, optionally for one line or machine. Rows name a series by its `key`;
    `last_ts` is its latest observation, `last_data_at` when data last arrived."""

    queryset = Series.objects.select_related("plant", "source", "kpi")
    serializer_class = s.SeriesSerializer
    filterset_class = f.SeriesFilterSet

    @extend_schema(responses={201: s.SeriesSerializer, **WRITE_RESPONSES})
    def create(self, request, *args, **kwargs):
        """Add a series to a source of your plant. A unit other than the KPI's answers 400 on
        `unit`; a key the plant already uses, 400 on `key`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        series = sources.series_create(
            user=request.user,
            source=data["source"],
            kpi=data["kpi"],
            unit=data.get("unit", ""),
            granularity=data.get("granularity", "hour"),
            label=data.get("label", ""),
            key=data.get("key", ""),
        )
        return self._answer(series, status_code=status.HTTP_201_CREATED)


# --- consents and the access log -------------------------------------------------------------


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class ConsentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _DataHubViewSet
):
    """The plant's consents to the use of its data, per purpose, until they expire or are
    revoked. The plant's members see and grant their own; agency staff and officials see
    every one; a partner member those given to its firm."""

    # The id breaks ties, so pages never overlap.
    queryset = Consent.objects.select_related("plant__company", "partner").order_by(
        "plant", "purpose", "-granted_at", "-pk"
    )
    serializer_class = s.ConsentSerializer
    filterset_class = f.ConsentFilterSet

    @extend_schema(
        responses={
            201: s.ConsentSerializer,
            200: OpenApiResponse(
                s.ConsentSerializer, description="An active consent was renewed (new expiry)."
            ),
            **WRITE_RESPONSES,
        }
    )
    def create(self, request, *args, **kwargs):
        """Grant a consent for a purpose (the partner purpose names a firm mentoring the
        plant). Granting an active one again renews it: 200 with the new expiry."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existed = (
            Consent.objects.active()
            .filter(plant=data["plant"], purpose=data["purpose"], partner=data.get("partner"))
            .exists()
        )
        consent = consents.consent_grant(
            user=request.user,
            plant=data["plant"],
            purpose=data["purpose"],
            partner=data.get("partner"),
            expires_at=data.get("expires_at"),
        )
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return self._answer(consent, status_code=code)

    @extend_schema(request=None, responses={200: s.ConsentSerializer, **WRITE_RESPONSES})
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def revoke(self, request, pk=None):
        """Revoke at once. The program follow-up consent cannot be revoked while a completed
        project's follow-up period runs (400 saying until when)."""
        consent = consents.consent_revoke(user=request.user, consent=self.get_object())
        return self._answer(consent)

    @extend_schema(
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The consent as an ODRL 2.2 Agreement."
            ),
            # The same document to a client that asks for plain JSON (Accept).
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The consent as an ODRL 2.2 Agreement."
            ),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONLDRenderer, JSONRenderer],
    )
    def odrl(self, request, pk=None):
        """The consent as an ODRL policy (JSON-LD, application/ld+json)."""
        return Response(consents.odrl_policy(self.get_object()))


class AccessLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _DataHubViewSet):
    """Every read of a plant's data by someone other than the plant: who, when, what, for
    which purpose. The plant's members see their own plants' entries, agency staff all;
    filter by plant, purpose and a date range (`since`, `until`: dates in Asia/Seoul)."""

    queryset = AccessLogEntry.objects.select_related("plant", "user", "organization")
    serializer_class = s.AccessLogEntrySerializer
    filterset_class = f.AccessLogFilterSet

"""`POST /api/v1/ingest/`: a data source sends observations with its Bearer token and gets
a receipt (datahub.services.ingest). Documented in the OpenAPI schema with the three body
forms, the receipt and the refusals."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from datahub.api import ingest_docs as docs
from datahub.api.authentication import HasSourceToken, SourceTokenAuthentication
from datahub.choices import ConflictPolicy
from datahub.ingest import parsing
from datahub.models import SourceToken
from datahub.services import ingest as ingest_service

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class _RawParser(BaseParser):
    """Names the media types the endpoint takes (for the schema); the view reads the body
    itself so it can bound its size before reading it all."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class JSONBodyParser(_RawParser):
    media_type = parsing.JSON


class CSVBodyParser(_RawParser):
    media_type = parsing.CSV


class SourceTokenThrottle(SimpleRateThrottle):
    """Requests per token (keyed by the token's public prefix), at DATAHUB_TOKEN_RATE."""

    scope = "ingest"

    def get_rate(self):
        return settings.DATAHUB_TOKEN_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, SourceToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class RejectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text="Records: position in the list (from 0). SensorThings: running position over "
        "every dataArray row of the body (from 0). CSV: data line (1 = first after the header)."
    )
    field = serializers.CharField(help_text="The part of the row at fault (CSV: column name).")
    reason = serializers.CharField()
    code = serializers.CharField(
        help_text="unknown_series, unit, not_a_number, out_of_range, bad_timestamp, future, "
        "too_old, before_plant, conflict, missing, invalid."
    )
    datastream = serializers.IntegerField(
        required=False, help_text="SensorThings only: position of the block in the body."
    )


class ReceiptSerializer(serializers.Serializer):
    request = serializers.IntegerField(allow_null=True, help_text="Id of the ingest request.")
    accepted = serializers.IntegerField(help_text="New values stored.")
    duplicates = serializers.IntegerField(
        help_text="Values already stored, or repeated in the body, with the same value."
    )
    conflicts = serializers.IntegerField(
        help_text="Rows whose series and time already hold another value and were refused."
    )
    replaced = serializers.IntegerField(help_text="Values replaced (on_conflict=replace).")
    rejected = RejectionSerializer(many=True)
    stored = serializers.BooleanField(help_text="Whether this request wrote any value.")


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request was refused.")
    code = serializers.CharField(
        required=False,
        help_text="unparsable, on_conflict, atomic, idempotency_key, media_type, too_large, "
        "too_many_rows, idempotency_mismatch (absent on 401 and 429).",
    )


def _refusal(description, example=None):
    return OpenApiResponse(RefusalSerializer, description=description, examples=example or [])


class IngestView(APIView):
    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [HasSourceToken]
    throttle_classes = [SourceTokenThrottle]
    parser_classes = [JSONBodyParser, CSVBodyParser]

    def initial(self, request, *args, **kwargs):
        # Another method answers 405 whoever asks, before the token is even looked at.
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="ingest",
        tags=["data hub"],
        summary="Send observations of a data source",
        description=docs.DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "on_conflict",
                str,
                enum=ConflictPolicy.values,
                default=ConflictPolicy.REFUSE,
                description="What to do with a row whose series and time already hold another "
                "value: refuse it (a rejection with code conflict) or replace the value (the old "
                "one is kept as a correction).",
            ),
            OpenApiParameter(
                "atomic",
                bool,
                default=False,
                description="true: store nothing if any row is rejected.",
            ),
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="At most 200 characters. The same key and body answer the first "
                "receipt again (header Idempotent-Replayed: true) without storing twice; the same "
                "key with another body is refused (422).",
            ),
        ],
        request={parsing.JSON: docs.JSON_BODY, parsing.CSV: docs.CSV_BODY},
        examples=docs.REQUEST_EXAMPLES,
        responses={
            201: OpenApiResponse(
                ReceiptSerializer,
                description="Some values were stored.",
                examples=[docs.RECEIPT_EXAMPLE],
            ),
            200: OpenApiResponse(
                ReceiptSerializer,
                description="Nothing new stored: all duplicates or rejected, atomic refusal, or "
                "the receipt of an earlier request with the same Idempotency-Key.",
                examples=[docs.ATOMIC_EXAMPLE],
            ),
            400: _refusal(
                "The body cannot be read (not JSON, no dataArray, no CSV header) or a query "
                "parameter is invalid.",
                [docs.UNPARSABLE_EXAMPLE],
            ),
            401: _refusal(
                "No valid source token (missing, unknown, revoked or expired).",
                [docs.UNAUTHENTICATED_EXAMPLE],
            ),
            413: _refusal("More rows or bytes than a request may carry.", [docs.TOO_MANY_EXAMPLE]),
            415: _refusal("Not application/json nor text/csv.", [docs.MEDIA_TYPE_EXAMPLE]),
            422: _refusal(
                "The Idempotency-Key was used with another body.", [docs.MISMATCH_EXAMPLE]
            ),
            429: _refusal(
                "Too many requests with this token: wait Retry-After seconds.",
                [docs.THROTTLED_EXAMPLE],
            ),
        },
    )
    def post(self, request):
        on_conflict = request.query_params.get("on_conflict", ConflictPolicy.REFUSE)
        atomic = request.query_params.get("atomic", "false").strip().lower()
        if on_conflict not in ConflictPolicy.values:
            return self._refused(
                400, "on_conflict", _('on_conflict must be "refuse" or "replace".')
            )
        if atomic not in TRUE + FALSE:
            return self._refused(400, "atomic", _('atomic must be "true" or "false".'))
        if parsing.media_type(request.content_type) not in parsing.MEDIA_TYPES:
            return self._refused(415, "media_type", _("Send application/json or text/csv."))
        maximum = settings.DATAHUB_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > maximum:
            return self._refused(413, "too_large", ingest_service.too_large_message())
        # Not request.body: read at most one byte more than allowed, whatever the headers say.
        body = request._request.read(maximum + 1)
        token = request.auth
        try:
            receipt = ingest_service.ingest(
                source=token.source,
                body=body,
                content_type=request.content_type,
                idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
                on_conflict=on_conflict,
                atomic=atomic in TRUE,
                token=token,
            )
        except ingest_service.IngestRefused as refusal:
            return self._refused(refusal.status, refusal.code, refusal.message)
        if receipt.replayed:
            return Response(receipt.as_dict(), status=200, headers={"Idempotent-Replayed": "true"})
        return Response(receipt.as_dict(), status=201 if receipt.stored else 200)

    @staticmethod
    def _refused(status, code, message):
        return Response({"detail": message, "code": code}, status=status)

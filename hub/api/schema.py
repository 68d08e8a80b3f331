"""The OpenAPI schema documents the error answers every endpoint can give, not only success.

drf-spectacular documents the success code of an operation and whatever an `extend_schema`
adds. DRF itself answers more: 401 without valid credentials, 403 for a role that may not act,
404 for an object that is not visible (or a page past the end), 400 for an invalid filter,
page size or body; 429 to a password login that is locked out. A client generated from the
schema (or a schema-driven fuzzer) must know them, so they are added here to every operation
that can give them, unless the operation documents that code itself."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why the request was refused.")


NOT_AUTHENTICATED = OpenApiResponse(
    ErrorDetailSerializer, description="No valid credentials (token or session)."
)
FORBIDDEN = OpenApiResponse(ErrorDetailSerializer, description="Not allowed for your role.")
NOT_FOUND = OpenApiResponse(
    ErrorDetailSerializer, description="No such object visible to you, or no such page."
)
LOCKED_OUT = OpenApiResponse(
    ErrorDetailSerializer,
    description="Too many failed logins for this username from this address: locked for a while.",
)
INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid input: field name (or non_field_errors) to a list of messages.",
)


EXPORT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "xlsx"],
    description=(
        "csv or xlsx: every row matching the filters, search and ordering as one file "
        "(not paged; CSV streamed, UTF-8 with BOM, formula cells neutralised), with "
        "translated headers and values as the web list shows them."
    ),
)


class HubAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "GET" and self._is_list_view() and hasattr(self.view, "export_format"):
            parameters = [*parameters, EXPORT_PARAMETER]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {}
        open_to_all = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not open_to_all:
            errors["401"] = NOT_AUTHENTICATED
            errors["403"] = FORBIDDEN
        writes = self.method in ("POST", "PUT", "PATCH")
        lists = self.method == "GET" and self._is_list_view()
        if writes or lists:
            errors["400"] = INVALID  # body, filter or page size
        if "{" in self.path or lists:
            errors["404"] = NOT_FOUND  # object not visible, or page past the end
        if isinstance(self.view, ObtainAuthToken):
            errors["429"] = LOCKED_OUT  # a password login: throttled (hub/lockout.py)
        return errors

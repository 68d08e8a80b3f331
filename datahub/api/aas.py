"""GET /api/v1/plants/{id}/aas/: the plant as an Asset Administration Shell — the AAS JSON
environment, or with `?format=aasx` (or `Accept: application/asset-administration-shell-
package+xml`) the AASX package as an attachment.

The plant must be visible (`Plant.objects.visible_to`, else 404). The Digital Nameplate is
for everyone who sees the plant; the Time Series submodel (its series and links to their
data) for the plant's own members and readers with a consent for their purpose, logged
(datahub.services.exports)."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from datahub import aas
from datahub.services import exports
from hub.models import Plant


class AASXRenderer(BaseRenderer):
    """Lets a client ask for the package by `?format=aasx` or its media type; the view
    answers the bytes itself."""

    media_type = aas.AASX_MEDIA_TYPE
    format = "aasx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


EXAMPLE = {
    "assetAdministrationShells": [
        {
            "idShort": "Plant_7",
            "modelType": "AssetAdministrationShell",
            "id": "urn:sfh:plant:7:aas",
            "assetInformation": {
                "assetKind": "Instance",
                "globalAssetId": "urn:sfh:plant:7",
                "specificAssetIds": [{"name": "hubPlantId", "value": "7"}],
            },
            "submodels": [
                {
                    "type": "ModelReference",
                    "keys": [{"type": "Submodel", "value": "urn:sfh:plant:7:submodel:nameplate"}],
                }
            ],
        }
    ],
    "submodels": [
        {
            "idShort": "Nameplate",
            "modelType": "Submodel",
            "id": "urn:sfh:plant:7:submodel:nameplate",
            "semanticId": {
                "type": "ExternalReference",
                "keys": [{"type": "GlobalReference", "value": aas.NAMEPLATE}],
            },
            "submodelElements": [
                {
                    "idShort": "ManufacturerName",
                    "modelType": "MultiLanguageProperty",
                    "value": [{"language": "ko", "text": "(주)한빛정밀"}],
                }
            ],
        }
    ],
}


class PlantAASView(APIView):
    renderer_classes = [JSONRenderer, AASXRenderer]

    @extend_schema(
        operation_id="plant_aas",
        summary="The plant as an Asset Administration Shell (JSON or AASX)",
        description=(
            "The AAS JSON environment of the plant: the shell `urn:sfh:plant:{id}:aas` with a "
            "Digital Nameplate submodel (IDTA 02006) and, for the plant's own members and "
            "readers with a consent for their purpose (the read is logged for the plant), a "
            "Time Series submodel (IDTA 02008) whose LinkedSegments point at "
            "`/api/v1/series/{id}/observations/`. `?format=aasx` answers the AASX package."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "aasx"],
                description="json (default) or aasx (the package, as an attachment).",
            )
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The AAS JSON environment."
            ),
            (200, aas.AASX_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="The AASX package."
            ),
        },
        examples=[OpenApiExample("Nameplate only", value=EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        plant = get_object_or_404(
            Plant.objects.visible_to(request.user).select_related("company"), pk=pk
        )
        fmt = request.accepted_renderer.format
        store, _with_series = exports.plant_aas(
            user=request.user, plant=plant, build_uri=request.build_absolute_uri, fmt=fmt
        )
        if fmt == "aasx":
            response = HttpResponse(aas.to_aasx(store, plant.pk), content_type=aas.AASX_MEDIA_TYPE)
            response["Content-Disposition"] = f'attachment; filename="plant-{plant.pk}.aasx"'
            return response
        return HttpResponse(aas.to_json(store), content_type="application/json")

    def handle_exception(self, exc):
        # Errors are JSON whatever format was asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

"""The `ratings` action every rating sheet's API has (assessment, self-diagnosis, spot-check):
GET the items in framework order, PATCH several at once, all or nothing, with errors keyed by
entry index. One decorator gives the route and its schema; each view keeps its own body."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser


def ratings_action(
    *,
    rows,
    entries,
    read: str,
    write: str,
    refused: str,
    forbidden: OpenApiResponse,
    not_found: OpenApiResponse | None = None,
    parameters=(),
):
    """`rows`: the serializer of the ratings answered; `entries`: of the PATCH body; `read`
    and `write`: the two descriptions; `refused`: the 400 description."""
    errors = {400: OpenApiResponse(description=refused), 403: forbidden}
    if not_found is not None:
        errors[404] = not_found
    extra = {"parameters": list(parameters)} if parameters else {}

    def decorate(view):
        view = action(
            detail=True,
            methods=["get", "patch"],
            parser_classes=[JSONParser],
            filter_backends=[],
            pagination_class=None,
        )(view)
        view = extend_schema(
            methods=["PATCH"],
            request=entries(many=True),
            responses={200: rows(many=True), **errors},
            description=write,
            **extra,
        )(view)
        return extend_schema(
            methods=["GET"], request=None, responses=rows(many=True), description=read, **extra
        )(view)

    return decorate

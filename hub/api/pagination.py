"""Paging of API lists. By page number (`?page=`, `?page_size=`), with a count; or, to walk a
whole list however long, by cursor: `?cursor=` starts at the beginning, each answer's `next`
carries on. Cursor pages follow the id order (whatever `ordering` says), so each one is an
index range scan: page 3,000 costs what page 1 does, where OFFSET paging reads every row
before it. Cursor answers carry no count (counting is the slow part of a deep page)."""

import base64
import binascii
import json

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from hub.pagination import DeferredJoinPaginator


def encode_cursor(after: int) -> str:
    raw = json.dumps({"after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> int | None:
    """The id a cursor continues after (None: from the start). ValueError if malformed."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise ValueError(value) from exc
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise ValueError(value)
    return after


class StandardPagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.by_cursor = self.cursor_query_param in request.query_params
        if not self.by_cursor or not isinstance(queryset, QuerySet):
            self.by_cursor = False
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        try:
            after = decode_cursor(request.query_params[self.cursor_query_param])
        except ValueError:
            raise ValidationError({self.cursor_query_param: [_("Invalid cursor.")]}) from None
        size = self.get_page_size(request)
        rows = queryset.order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        rows = list(rows[: size + 1])
        self.next_after = rows[size - 1].pk if len(rows) > size else None
        return rows[:size]

    def get_paginated_response(self, data):
        if not self.by_cursor:
            return super().get_paginated_response(data)
        return Response(
            {"count": None, "next": self._next_cursor_link(), "previous": None, "results": data}
        )

    def _next_cursor_link(self):
        if self.next_after is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, encode_cursor(self.next_after))

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]
        answer["properties"]["count"]["nullable"] = True
        answer["properties"]["count"]["description"] = (
            "Rows in the whole list; null when paging by cursor."
        )
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Page by cursor instead of by number: empty for the first page, then the "
                    "`next` link's value. Pages follow the id order; no count is given."
                ),
                "schema": {"type": "string"},
            },
        ]

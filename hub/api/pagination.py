from rest_framework.pagination import PageNumberPagination

from hub.pagination import DeferredJoinPaginator


class StandardPagination(PageNumberPagination):
    django_paginator_class = DeferredJoinPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

"""Ledger and partner portfolio (placeholders until they land)."""

from django.http import Http404
from django.views import View


class _Placeholder(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class LedgerView(_Placeholder):
    pass


class PortfolioView(_Placeholder):
    pass

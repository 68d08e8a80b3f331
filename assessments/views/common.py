"""Helpers shared by the assessment pages: the visibility lookup, refusals, anchors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect

from assessments.models import Assessment, Framework, localized
from hub import roles

EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.docx,.xlsx,.pptx,.hwp,.hwpx"


def can_manage(user) -> bool:
    """Agency staff (and administrators) open, confirm and return assessments."""
    return roles.is_agency_staff_or_admin(user)


def visible_assessment(user, pk, *related) -> Assessment:
    qs = Assessment.objects.visible_to(user)
    if related:
        qs = qs.select_related(*related)
    return get_object_or_404(qs, pk=pk)


def anchor(code: str) -> str:
    return "item-" + code.replace(".", "-")


def refuse(request, exc: ValidationError, url: str):
    """A service refused (wrong state, incomplete…): say why and go to `url`. An htmx request
    gets 400 and is sent there by HX-Redirect, so a stale page never swaps in nonsense."""
    for message in exc.messages:
        messages.error(request, message)
    if request.htmx:
        response = HttpResponse(status=400)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def floor_rule_text(framework: Framework, code: str) -> str:
    for rule in framework.floor_rules:
        if rule.get("code") == code:
            return localized({k: v for k, v in rule.items() if k in ("ko", "en")}, code)
    return code

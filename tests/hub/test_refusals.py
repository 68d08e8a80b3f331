"""One refusal for htmx: a 403 to an htmx request is a small message for the page's refusal
area (HX-Retarget / HX-Reswap), never the whole error page swapped into a fragment's place.
Requests without htmx keep the 403 page; invisible objects stay 404 either way."""

import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_htmx.middleware import HtmxDetails

from assessments import services
from hub.views.refusals import permission_denied
from tests.assessments.conftest import framework, items_by_code  # noqa: F401

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def is_fragment(response) -> bool:
    return response["HX-Retarget"] == "#refusals" and response["HX-Reswap"] == "innerHTML"


@pytest.fixture
def draft(world, framework):  # noqa: F811
    return services.assessment_open(
        plant=world.plant_a, consultant=world.consultant, user=world.agency
    )


def item_save(draft):
    item = items_by_code(draft.framework)["A1.1"]
    url = reverse("assessments:item_save", args=[draft.pk, item.pk])
    data = {f"i{item.pk}-rating": "3", f"i{item.pk}-na_reason": "", f"i{item.pk}-evidence_note": ""}
    return url, data


def test_htmx_save_refused_by_the_service_answers_a_fragment(world, draft, browse):
    url, data = item_save(draft)
    response = browse(world.agency).post(url, data, **HTMX)
    assert response.status_code == 403
    assert is_fragment(response)
    body = response.content.decode()
    assert "<html" not in body
    assert 'role="alert"' in body
    assert "Only the assigned consultant may change this assessment." in body


def test_the_same_refusal_without_htmx_is_the_403_page(world, draft, browse):
    url, data = item_save(draft)
    response = browse(world.agency).post(url, data)
    assert response.status_code == 403
    assert "HX-Retarget" not in response
    body = response.content.decode()
    assert "<html" in body and "Only the assigned consultant may change this assessment." in body


def test_htmx_refusal_of_a_view_check(world, browse):
    url = reverse("hub:plant_update", args=[world.plant_a.pk])
    response = browse(world.partner_a).get(url, **HTMX)
    assert response.status_code == 403
    assert is_fragment(response)
    assert "Only agency staff may change the registry." in response.content.decode()


def test_htmx_refusal_speaks_korean_by_default(world, client_for):
    url = reverse("hub:plant_update", args=[world.plant_a.pk])
    # The request switches the process to Korean; later tests expect it back as it was.
    with translation.override(translation.get_language()):
        response = client_for(world.partner_a).get(url, **HTMX)
    assert "기관 담당자" in response.content.decode()


def test_invisible_stays_404_for_htmx(world, browse):
    url = reverse("hub:plant_update", args=[world.plant_b.pk])
    response = browse(world.partner_a).get(url, **HTMX)
    assert response.status_code == 404
    assert "HX-Retarget" not in response


def test_htmx_request_failing_csrf_gets_the_fragment(world):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.consultant)
    url = reverse("hub:plant_lookup")
    response = client.post(url, {"q": "x"}, **HTMX)
    assert response.status_code == 403
    assert is_fragment(response)
    assert "<html" not in response.content.decode()
    plain = client.post(url, {"q": "x"})
    assert plain.status_code == 403
    assert "HX-Retarget" not in plain


def test_pages_have_the_refusal_area_and_htmx_swaps_403(world, browse):
    page = browse(world.agency).get(reverse("home")).content.decode()
    assert 'id="refusals"' in page
    config = json.loads(re.search(r"name=\"htmx-config\" content='([^']*)'", page).group(1))
    codes = [rule["code"] for rule in config["responseHandling"]]
    forbidden = next(rule for rule in config["responseHandling"] if rule["code"] == "403")
    assert forbidden["swap"] is True
    # Before the catch-all for 4xx/5xx, which does not swap.
    assert codes.index("403") < codes.index("[45]..")


def test_a_refusal_without_a_reason_says_the_role_may_not(rf):
    request = rf.get("/", HTTP_HX_REQUEST="true")
    request.htmx = HtmxDetails(request)
    with translation.override("en"):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert is_fragment(response)
    assert "Your role may not do this." in response.content.decode()

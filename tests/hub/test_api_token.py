"""Token authentication loads the user's membership in the token query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("who", ["agency", "partner_a", "outsider"])
def test_membership_comes_with_the_token(world, who):
    client = token_client(getattr(world, who))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/plants/")
    assert response.status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    assert "hub_membership" in sql[0] and "authtoken_token" in sql[0]
    assert not any(s.lstrip().startswith('SELECT "hub_membership"') for s in sql[1:])
    expected = {"agency": 3, "partner_a": 1, "outsider": 0}[who]
    assert response.json()["count"] == expected


def test_a_wrong_token_is_refused_as_before(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.get("/api/v1/plants/")
    assert response.status_code == 401

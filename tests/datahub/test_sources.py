"""Data sources, tokens and series through the service layer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from datahub.models import SourceToken
from datahub.services import sources


def test_token_is_stored_hashed_and_authenticates(feed):
    token = sources.authenticate(feed.token)
    assert token is not None and token.source == feed.source
    stored = SourceToken.objects.get(pk=token.pk)
    assert feed.token not in (stored.digest, stored.prefix)
    assert feed.token.split("_", 2)[2] not in stored.digest
    assert stored.last_used_at is not None


def test_wrong_or_tampered_token_is_refused(feed):
    assert sources.authenticate("") is None
    assert sources.authenticate("Bearer x") is None
    assert sources.authenticate(feed.token[:-1] + ("A" if feed.token[-1] != "A" else "B")) is None


def test_rotation_refuses_the_old_token_at_once(world, feed):
    _token, new = sources.token_rotate(user=world.sme, source=feed.source)
    assert sources.authenticate(feed.token) is None
    assert sources.authenticate(new).source == feed.source


def test_revocation_refuses_every_token(world, feed):
    assert sources.token_revoke(user=world.sme, source=feed.source) == 1
    assert sources.authenticate(feed.token) is None


def test_only_the_plants_own_member_manages_its_sources(world, feed):
    for user in (world.agency, world.partner_a, world.consultant, world.official):
        with pytest.raises(PermissionDenied):
            sources.source_create(user=user, plant=world.plant_a, name="X")
    with pytest.raises(PermissionDenied):
        sources.token_rotate(user=world.sme, source=feed.source_b)


def test_series_unit_must_be_the_kpis(world, feed):
    with pytest.raises(ValidationError) as error:
        sources.series_create(user=world.sme, source=feed.source, kpi="oee", unit="kW.h", label="x")
    assert "unit" in error.value.message_dict
    with pytest.raises(ValidationError):
        sources.series_create(user=world.sme, source=feed.source, kpi="no_such_kpi")
    with pytest.raises(ValidationError):
        sources.series_create(user=world.sme, source=feed.source, kpi="oee")  # key taken
    assert feed.produced.key == "produced_quantity-line-1"


@pytest.mark.parametrize("secret", ["_leading", "in_the_middle", "trailing_", "-_-"])
def test_a_secret_holding_underscores_authenticates(world, monkeypatch, secret):
    # The URL-safe alphabet of the secret includes "_": only the first two separate parts.
    monkeypatch.setattr(sources.secrets, "token_urlsafe", lambda n: secret)
    source, token = sources.source_create(user=world.sme, plant=world.plant_a, name="PLC")
    assert token.endswith("_" + secret)
    found = sources.authenticate(token)
    assert found is not None and found.source == source
    assert sources.authenticate(token[:-1]) is None

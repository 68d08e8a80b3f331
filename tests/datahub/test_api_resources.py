"""The data hub's resources through the API: the KPI catalogue, sources and their tokens,
series, consents with their ODRL export, and the access log; who may see and change what."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from datahub.choices import Purpose
from datahub.models import Consent, DataSource, KpiDefinition, ReadKind, Series
from datahub.services import access, consents, sources
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db

NONEXISTENT = 987_654


def api(user=None, language=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if language:  # the language switch's cookie (browsers' Accept-Language is not followed)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def create_source(world, plant=None, name="MES"):
    response = api(world.sme).post(
        "/api/v1/data-sources/",
        {"plant": (plant or world.plant_a).pk, "name": name, "kind": "mes"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- the KPI catalogue -----------------------------------------------------------------------


def test_every_member_reads_the_catalogue_and_an_outsider_nothing(world):
    current = KpiDefinition.objects.filter(catalogue__is_current=True)
    for user in (world.sme, world.agency, world.consultant, world.partner_a, world.official):
        response = api(user).get("/api/v1/kpi-definitions/", {"page_size": 500})
        assert ids(response) == set(current.values_list("pk", flat=True))
    assert ids(api(world.outsider).get("/api/v1/kpi-definitions/")) == set()
    assert api(world.outsider).get("/api/v1/kpi-definitions/oee/").status_code == 404
    assert api().get("/api/v1/kpi-definitions/").status_code == 401


def test_a_definition_by_code_or_id_in_the_active_language(world):
    oee = KpiDefinition.objects.get(catalogue__is_current=True, code="oee")
    english = api(world.sme, "en").get("/api/v1/kpi-definitions/oee/").json()
    korean = api(world.sme, "ko").get(f"/api/v1/kpi-definitions/{oee.pk}/").json()
    assert english["id"] == korean["id"] == oee.pk
    assert english["name"] == oee.name_en and korean["name"] == oee.name_ko
    assert english["unit"] == oee.unit and english["kind"] == "kpi"
    assert english["inputs"] and english["formula"]
    assert english["catalogue_version"] == oee.catalogue.version
    for missing in ("no-such-kpi", "99999999999999999999999", "%EC%95%88"):
        assert api(world.sme).get(f"/api/v1/kpi-definitions/{missing}/").status_code == 404


def test_catalogue_filters_by_kind(world):
    raw = ids(api(world.sme).get("/api/v1/kpi-definitions/", {"kind": "raw", "page_size": 500}))
    expected = KpiDefinition.objects.filter(catalogue__is_current=True, kind="raw")
    assert raw == set(expected.values_list("pk", flat=True)) and raw


# --- sources and tokens ----------------------------------------------------------------------


def test_sme_creates_a_source_and_sees_its_token_once(world):
    created = create_source(world)
    token = created["token"]
    assert token.startswith("sfh_") and created["plant"] == world.plant_a.pk
    authenticated = sources.authenticate(token)
    assert authenticated is not None and authenticated.source_id == created["id"]

    detail = api(world.sme).get(f"/api/v1/data-sources/{created['id']}/")
    listing = api(world.sme).get("/api/v1/data-sources/")
    for response in (detail, listing):
        assert response.status_code == 200
        text = response.content.decode()
        # (the secret is what follows the prefix; it may itself hold "_")
        assert token not in text and token.split("_", 2)[2] not in text
        assert "digest" not in text and authenticated.digest not in text
    [meta] = detail.json()["tokens"]
    assert meta["prefix"] == authenticated.prefix and meta["is_usable"] is True
    assert meta["revoked_at"] is None and meta["expires_at"] is not None


def test_rotation_refuses_the_old_token_at_once_and_revocation_every_token(world):
    created = create_source(world)
    old = created["token"]
    url = f"/api/v1/data-sources/{created['id']}/"
    rotated = api(world.sme).post(url + "rotate-token/", {}, format="json")
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["token"]
    assert new != old and rotated.json()["prefix"] in new
    assert sources.authenticate(old) is None
    assert sources.authenticate(new) is not None
    tokens = api(world.sme).get(url).json()["tokens"]
    assert [t["is_usable"] for t in tokens] == [True, False]  # newest first

    revoked = api(world.sme).post(url + "revoke-token/")
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 1}
    assert sources.authenticate(new) is None
    assert api(world.sme).post(url + "revoke-token/").json() == {"revoked": 0}


def test_rotation_with_an_expiry_in_the_past_is_refused(world):
    created = create_source(world)
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = api(world.sme).post(
        f"/api/v1/data-sources/{created['id']}/rotate-token/", {"expires_at": past}, format="json"
    )
    assert response.status_code == 400 and "expires_at" in response.json()
    assert sources.authenticate(created["token"]) is not None  # nothing changed


def test_sme_edits_and_deactivates_its_source(world):
    created = create_source(world)
    url = f"/api/v1/data-sources/{created['id']}/"
    response = api(world.sme).patch(
        url, {"name": "MES 2", "description": "Line 1 and 2", "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "MES 2" and response.json()["is_active"] is False
    assert sources.authenticate(created["token"]) is None
    assert api(world.sme).patch(url, {"plant": world.plant_b.pk}, format="json").json()[
        "plant"
    ] == (world.plant_a.pk)


def test_a_duplicate_source_name_is_a_field_error(world):
    create_source(world)
    response = api(world.sme).post(
        "/api/v1/data-sources/", {"plant": world.plant_a.pk, "name": "MES"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"name"}
    second = create_source(world, name="SCADA")
    renamed = api(world.sme).patch(
        f"/api/v1/data-sources/{second['id']}/", {"name": "MES"}, format="json"
    )
    assert renamed.status_code == 400 and set(renamed.json()) == {"name"}


def test_another_companys_plant_reads_like_a_missing_one(world):
    answers = [
        api(world.sme).post("/api/v1/data-sources/", {"plant": plant, "name": "MES"}, format="json")
        for plant in (world.plant_b.pk, NONEXISTENT)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    first, second = (a.json() for a in answers)
    assert set(first) == {"plant"}
    assert first["plant"] == [
        m.replace(str(NONEXISTENT), str(world.plant_b.pk)) for m in second["plant"]
    ]
    assert not DataSource.objects.filter(plant=world.plant_b).exists()


@pytest.mark.parametrize("persona", ["agency", "consultant", "partner_a", "official", "outsider"])
def test_only_the_plants_members_create_sources(world, persona):
    response = api(getattr(world, persona)).post(
        "/api/v1/data-sources/", {"plant": world.plant_a.pk, "name": "X"}, format="json"
    )
    assert response.status_code == 403
    assert not DataSource.objects.exists()


def test_who_sees_and_who_changes_another_companys_source(world, feed):
    """Plant B's source: agency staff and officials see it (who is connected) but change
    nothing; plant A's member, consultants, outsiders and a partner without the plant's
    consent do not see it at all."""
    url = f"/api/v1/data-sources/{feed.source_b.pk}/"
    for user in (world.agency, world.official):
        assert api(user).get(url).status_code == 200
        assert api(user).get(url).json()["tokens"] == []
        assert api(user).patch(url, {"name": "x"}, format="json").status_code == 403
        assert api(user).post(url + "rotate-token/").status_code == 403
        assert api(user).post(url + "revoke-token/").status_code == 403
    for user in (world.sme, world.consultant, world.outsider, world.partner_a, world.partner_b):
        assert api(user).get(url).status_code == 404
        assert api(user).patch(url, {"name": "x"}, format="json").status_code == 404
        assert api(user).post(url + "rotate-token/").status_code == 404
        assert feed.source_b.pk not in ids(api(user).get("/api/v1/data-sources/"))
    assert sources.authenticate(feed.token_b) is not None
    assert DataSource.objects.get(pk=feed.source_b.pk).name == "SCADA"


def test_a_partner_sees_the_sources_of_a_mentored_plant_that_consented(world, feed):
    url = f"/api/v1/data-sources/{feed.source.pk}/"
    assert api(world.partner_a).get(url).status_code == 404
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert api(world.partner_a).get(url).status_code == 200
    assert api(world.partner_a).post(url + "revoke-token/").status_code == 403
    assert api(world.partner_b).get(url).status_code == 404


def test_source_list_query_count_does_not_grow(world, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            source, _ = sources.source_create(user=world.sme, plant=world.plant_a, name=f"S{i}")
            sources.token_rotate(user=world.sme, source=source)

    fill(2)
    client = api(world.sme)
    with django_assert_max_num_queries(6):
        assert len(ids(client.get("/api/v1/data-sources/"))) == 2
    fill_more = 20
    for i in range(fill_more):
        source, _ = sources.source_create(user=world.sme, plant=world.plant_a, name=f"T{i}")
    with django_assert_max_num_queries(6):
        assert len(ids(client.get("/api/v1/data-sources/"))) == 22


# --- series ----------------------------------------------------------------------------------


def test_sme_creates_a_series_and_rows_name_it_by_key(world):
    source = create_source(world)
    response = api(world.sme).post(
        "/api/v1/series/",
        {"source": source["id"], "kpi": "produced_quantity", "label": "Line 1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] == "produced_quantity-line-1" and body["plant"] == world.plant_a.pk
    assert (
        body["unit"]
        == KpiDefinition.objects.get(catalogue__is_current=True, code="produced_quantity").unit
    )
    assert body["last_ts"] is None and body["last_data_at"] is None
    detail = api(world.sme).get(f"/api/v1/series/{body['id']}/").json()
    assert detail == body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": "kg"}, "unit"),
        ({"kpi": "no_such_kpi"}, "kpi"),
        ({"granularity": "minute"}, "granularity"),
        ({"key": "not a slug"}, "key"),
    ],
)
def test_a_wrong_series_is_a_field_error(world, change, field):
    source = create_source(world)
    body = {"source": source["id"], "kpi": "oee", **change}
    response = api(world.sme).post("/api/v1/series/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Series.objects.exists()


def test_a_key_the_plant_uses_is_refused(world, feed):
    body = {"source": feed.source.pk, "kpi": "oee"}
    response = api(world.sme).post("/api/v1/series/", body, format="json")
    assert response.status_code == 400 and "key" in response.json()


def test_another_companys_source_reads_like_a_missing_one(world, feed):
    answers = [
        api(world.sme).post("/api/v1/series/", {"source": pk, "kpi": "oee"}, format="json")
        for pk in (feed.source_b.pk, NONEXISTENT)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert set(answers[0].json()) == {"source"}
    for user in (world.agency, world.partner_a, world.official, world.consultant):
        response = api(user).post(
            "/api/v1/series/", {"source": feed.source.pk, "kpi": "scrap_quantity"}, format="json"
        )
        assert response.status_code == 403


def test_series_list_filters_and_visibility(world, feed):
    client = api(world.sme)
    assert ids(client.get("/api/v1/series/")) == {feed.oee.pk, feed.produced.pk}
    assert ids(client.get("/api/v1/series/", {"kpi": "oee"})) == {feed.oee.pk}
    assert ids(client.get("/api/v1/series/", {"source": feed.source.pk})) == {
        feed.oee.pk,
        feed.produced.pk,
    }
    assert ids(client.get("/api/v1/series/", {"plant": world.plant_a.pk})) == {
        feed.oee.pk,
        feed.produced.pk,
    }
    # Another company's plant or source as a filter: refused like a missing one.
    assert client.get("/api/v1/series/", {"plant": world.plant_b.pk}).status_code == 400
    assert client.get("/api/v1/series/", {"source": feed.source_b.pk}).status_code == 400
    assert client.get(f"/api/v1/series/{feed.series_b.pk}/").status_code == 404
    agency = ids(api(world.agency).get("/api/v1/series/"))
    assert agency == {feed.oee.pk, feed.produced.pk, feed.series_b.pk}
    assert ids(api(world.partner_a).get("/api/v1/series/")) == set()
    assert ids(api(world.consultant).get("/api/v1/series/")) == set()


def test_series_list_query_count_does_not_grow(world, feed, django_assert_max_num_queries):
    client = api(world.agency)
    with django_assert_max_num_queries(5):
        assert len(ids(client.get("/api/v1/series/"))) == 3
    plant = PlantFactory()
    source, _ = sources.source_create(user=world.admin_user, plant=plant, name="MES")
    for code in ("scrap_quantity", "good_quantity", "energy_consumed", "planned_busy_time"):
        for label in ("L1", "L2", "L3"):
            sources.series_create(user=world.admin_user, source=source, kpi=code, label=label)
    with django_assert_max_num_queries(5):
        assert len(ids(client.get("/api/v1/series/"))) == 15


# --- consents --------------------------------------------------------------------------------


def grant(user, plant, purpose, **extra):
    return api(user).post(
        "/api/v1/consents/", {"plant": plant.pk, "purpose": purpose, **extra}, format="json"
    )


def test_sme_grants_renews_and_revokes_a_consent(world):
    response = grant(world.sme, world.plant_a, "statistics")
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["is_active"] is True and consent["expires_at"] is None
    later = (timezone.now() + dt.timedelta(days=90)).isoformat()
    renewed = grant(world.sme, world.plant_a, "statistics", expires_at=later)
    assert renewed.status_code == 200 and renewed.json()["id"] == consent["id"]
    assert renewed.json()["expires_at"] is not None

    url = f"/api/v1/consents/{consent['id']}/"
    assert api(world.agency).post(url + "revoke/").status_code == 403
    revoked = api(world.sme).post(url + "revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False and revoked.json()["revoked_at"]
    assert not Consent.objects.active().exists()


def test_consent_field_errors(world):
    no_partner = grant(world.sme, world.plant_a, "partner")
    assert no_partner.status_code == 400 and "partner" in no_partner.json()
    not_mentoring = grant(world.sme, world.plant_a, "partner", partner=world.firm_b.pk)
    assert not_mentoring.status_code == 400 and "partner" in not_mentoring.json()
    unknown = grant(world.sme, world.plant_a, "marketing")
    assert unknown.status_code == 400 and "purpose" in unknown.json()
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    expired = grant(world.sme, world.plant_a, "research", expires_at=past)
    assert expired.status_code == 400 and "expires_at" in expired.json()
    other = grant(world.sme, world.plant_b, "research")
    assert other.status_code == 400 and set(other.json()) == {"plant"}
    for user in (world.agency, world.partner_a, world.official, world.consultant):
        assert grant(user, world.plant_a, "research").status_code == 403
    assert not Consent.objects.exists()


def test_who_sees_which_consent(world):
    partner = grant(world.sme, world.plant_a, "partner", partner=world.firm_a.pk).json()
    stats = grant(world.sme, world.plant_a, "statistics").json()
    theirs = consents.consent_grant(
        user=world.admin_user, plant=world.plant_b, purpose=Purpose.RESEARCH
    )
    everything = {partner["id"], stats["id"], theirs.pk}
    assert ids(api(world.sme).get("/api/v1/consents/")) == {partner["id"], stats["id"]}
    assert ids(api(world.agency).get("/api/v1/consents/")) == everything
    assert ids(api(world.official).get("/api/v1/consents/")) == everything
    assert ids(api(world.partner_a).get("/api/v1/consents/")) == {partner["id"]}
    assert ids(api(world.partner_b).get("/api/v1/consents/")) == set()
    assert ids(api(world.consultant).get("/api/v1/consents/")) == set()
    assert api(world.sme).get(f"/api/v1/consents/{theirs.pk}/").status_code == 404
    assert api(world.sme).post(f"/api/v1/consents/{theirs.pk}/revoke/").status_code == 404
    assert api(world.partner_a).post(f"/api/v1/consents/{partner['id']}/revoke/").status_code == (
        403
    )
    filtered = api(world.agency).get("/api/v1/consents/", {"purpose": "partner"})
    assert ids(filtered) == {partner["id"]}
    active = api(world.sme).get("/api/v1/consents/", {"active": "true"})
    assert ids(active) == {partner["id"], stats["id"]}


def test_consent_exports_as_odrl_json_ld(world):
    consent = grant(world.sme, world.plant_a, "partner", partner=world.firm_a.pk).json()
    for user in (world.sme, world.partner_a, world.agency):
        response = api(user).get(f"/api/v1/consents/{consent['id']}/odrl/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/ld+json")
        policy = response.json()
        assert policy["@context"] == "http://www.w3.org/ns/odrl.jsonld"
        assert policy["uid"] == f"urn:sfh:consent:{consent['id']}"
        [permission] = policy["permission"]
        assert permission["assignee"]["uid"] == f"urn:sfh:organization:{world.firm_a.pk}"
    assert api(world.partner_b).get(f"/api/v1/consents/{consent['id']}/odrl/").status_code == 404
    plain = api(world.sme).get(
        f"/api/v1/consents/{consent['id']}/odrl/", HTTP_ACCEPT="application/json"
    )
    assert plain["Content-Type"].startswith("application/json")
    assert plain.json()["uid"] == f"urn:sfh:consent:{consent['id']}"


# --- the access log --------------------------------------------------------------------------


def test_the_plant_sees_who_read_its_data(world, feed):
    grant(world.sme, world.plant_a, "follow_up")
    access.open_for_reading(world.agency, world.plant_a, ReadKind.AAS, format="json")
    access.open_for_reading(world.sme, world.plant_a, ReadKind.AAS, format="own: not logged")
    with pytest.raises(Exception):  # noqa: B017 - no consent: Http404
        access.open_for_reading(world.agency, world.plant_b, ReadKind.AAS, format="refused")

    response = api(world.sme).get("/api/v1/access-log/")
    [entry] = response.json()["results"]
    assert entry["plant"] == world.plant_a.pk and entry["purpose"] == "follow_up"
    assert (entry["kind"], entry["details"]) == ("aas", {"format": "json"})
    assert entry["organization"] == world.agency_org.pk
    # what was read, worded in the request's language
    assert entry["what"] == "자산관리셸(AAS) (json)"
    english = api(world.sme, language="en").get("/api/v1/access-log/").json()["results"][0]
    assert english["what"] == "Asset administration shell (json)"
    assert entry["user_name"] == (world.agency.get_full_name() or world.agency.get_username())
    assert api(world.sme).get(f"/api/v1/access-log/{entry['id']}/").status_code == 200

    assert ids(api(world.agency).get("/api/v1/access-log/")) == {entry["id"]}
    for user in (world.partner_a, world.official, world.consultant, world.outsider):
        assert ids(api(user).get("/api/v1/access-log/")) == set()
        assert api(user).get(f"/api/v1/access-log/{entry['id']}/").status_code == 404
    other_sme_company = ids(api(world.sme).get("/api/v1/access-log/", {"purpose": Purpose.PARTNER}))
    assert other_sme_company == set()


def test_access_log_filters_by_date_range_in_seoul_time(world):
    grant(world.sme, world.plant_a, "follow_up")
    # 2025-03-01 00:30 in Seoul is still 2025-02-28 in UTC (the log is append-only: the
    # entry is written at that moment rather than moved there).
    with time_machine.travel(dt.datetime(2025, 2, 28, 15, 30, tzinfo=dt.UTC), tick=False):
        entry = access.log_read(
            user=world.agency,
            plant=world.plant_a,
            purpose=Purpose.FOLLOW_UP,
            kind=ReadKind.AAS,
            format="x",
        )
    client = api(world.sme)
    assert ids(client.get("/api/v1/access-log/", {"since": "2025-03-01"})) == {entry.pk}
    assert ids(client.get("/api/v1/access-log/", {"until": "2025-02-28"})) == set()
    assert ids(client.get("/api/v1/access-log/", {"until": "2025-03-01"})) == {entry.pk}
    assert ids(client.get("/api/v1/access-log/", {"since": "2025-03-02"})) == set()
    assert ids(client.get("/api/v1/access-log/", {"since": "0001-01-01"})) == {entry.pk}
    assert ids(client.get("/api/v1/access-log/", {"until": "9999-12-31"})) == {entry.pk}
    assert client.get("/api/v1/access-log/", {"since": "yesterday"}).status_code == 400


def test_access_log_query_count_does_not_grow(world, django_assert_max_num_queries):
    grant(world.sme, world.plant_a, "follow_up")
    access.open_for_reading(world.agency, world.plant_a, ReadKind.AAS, format="one")
    client = api(world.sme)
    with django_assert_max_num_queries(4):
        assert len(ids(client.get("/api/v1/access-log/"))) == 1
    for i in range(20):
        access.open_for_reading(world.agency, world.plant_a, ReadKind.AAS, format=f"read {i}")
    with django_assert_max_num_queries(4):
        assert len(ids(client.get("/api/v1/access-log/"))) == 21

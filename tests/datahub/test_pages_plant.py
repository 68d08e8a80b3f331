"""The data hub's pages as the plant's SME member uses them, and as everyone else meets them:
404 for a plant they cannot see, 403 for one they can see but do not manage."""

import json

import pytest
from django.urls import reverse

from datahub.choices import Purpose
from datahub.models import AccessLogEntry, Consent, DataSource, ReadKind, Series, SourceToken
from datahub.services import access, consents, sources
from tests.programs.conftest import complete, project_data, winwin_program

pytestmark = pytest.mark.django_db


def page_urls(world, feed):
    """Every page of plant A's data, (method, url)."""
    consent = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.STATISTICS
    )
    plant = world.plant_a.pk
    return [
        ("get", reverse("datahub:plant", args=[plant])),
        ("get", reverse("datahub:source_create", args=[plant])),
        ("post", reverse("datahub:source_create", args=[plant])),
        ("get", reverse("datahub:source_token", args=[feed.source.pk])),
        ("get", reverse("datahub:token_rotate", args=[feed.source.pk])),
        ("post", reverse("datahub:token_rotate", args=[feed.source.pk])),
        ("post", reverse("datahub:token_revoke", args=[feed.source.pk])),
        ("get", reverse("datahub:series_create", args=[feed.source.pk])),
        ("post", reverse("datahub:series_create", args=[feed.source.pk])),
        ("get", reverse("datahub:consents", args=[plant])),
        ("post", reverse("datahub:consents", args=[plant])),
        ("post", reverse("datahub:consent_revoke", args=[consent.pk])),
        ("get", reverse("datahub:consent_odrl", args=[consent.pk])),
        ("get", reverse("datahub:access_log", args=[plant])),
        ("get", reverse("datahub:upload_template", args=[plant, "xlsx"])),
        ("get", reverse("datahub:upload", args=[plant])),
        ("post", reverse("datahub:upload", args=[plant])),
        ("get", reverse("datahub:monthly", args=[plant])),
        ("post", reverse("datahub:monthly", args=[plant])),
    ]


def test_the_plants_own_member_opens_every_page(world, feed, browse):
    client = browse(world.sme)
    for method, url in page_urls(world, feed):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_an_administrator_manages_every_plants_data(world, feed, browse):
    client = browse(world.admin_user)
    assert client.get(reverse("datahub:plant", args=[world.plant_b.pk])).status_code == 200
    assert client.get(reverse("datahub:consents", args=[world.plant_a.pk])).status_code == 200


@pytest.mark.parametrize("persona", ["agency", "official", "partner_a"])
def test_who_sees_the_plant_but_does_not_manage_it_is_refused(world, feed, browse, persona):
    client = browse(getattr(world, persona))
    tokens = SourceToken.objects.count()
    for method, url in page_urls(world, feed):
        response = getattr(client, method)(url, {"name": "X", "purpose": "research"})
        assert response.status_code == 403, (persona, method, url)
    assert SourceToken.objects.count() == tokens
    assert DataSource.objects.count() == 2
    assert Consent.objects.active().count() == 1


def test_partner_with_the_partner_consent_still_cannot_manage(world, feed, browse):
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    client = browse(world.partner_a)
    for method, url in page_urls(world, feed):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("persona", ["consultant", "partner_b", "outsider"])
def test_who_cannot_see_the_plant_gets_404(world, feed, browse, persona):
    client = browse(getattr(world, persona))
    for method, url in page_urls(world, feed):
        assert getattr(client, method)(url).status_code == 404, (persona, method, url)


def test_another_companys_sme_member_gets_404(world, feed, browse):
    from tests.factories import Role, member

    other = member(Role.SME_MEMBER, world.plant_b.company, "sme_b")
    client = browse(other)
    for method, url in page_urls(world, feed):
        assert getattr(client, method)(url).status_code == 404, url
    # and its own plant's page works
    assert client.get(reverse("datahub:plant", args=[world.plant_b.pk])).status_code == 200


def test_anonymous_is_sent_to_the_login(world, feed, client):
    for method, url in page_urls(world, feed):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_source_create_shows_the_token_once(world, browse):
    client = browse(world.sme)
    url = reverse("datahub:source_create", args=[world.plant_a.pk])
    response = client.post(url, {"name": "SCADA gateway", "kind": "scada"}, follow=True)
    assert response.status_code == 200
    token = response.context["token"]
    assert token.startswith("sfh_")
    assert token in response.content.decode()
    assert "curl -X POST" in response.content.decode()
    source = DataSource.objects.get(name="SCADA gateway")
    assert sources.authenticate(token).source == source
    # never again
    again = client.get(reverse("datahub:source_token", args=[source.pk]))
    assert again.context["token"] is None
    assert token not in again.content.decode()
    assert (
        token not in client.get(reverse("datahub:plant", args=[world.plant_a.pk])).content.decode()
    )


def test_source_create_shows_service_errors_on_the_form(world, feed, browse):
    url = reverse("datahub:source_create", args=[world.plant_a.pk])
    response = browse(world.sme).post(url, {"name": "MES", "kind": "mes"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert DataSource.objects.filter(plant=world.plant_a).count() == 1


def test_rotate_refuses_the_old_token_and_shows_the_new_once(world, feed, browse):
    client = browse(world.sme)
    url = reverse("datahub:token_rotate", args=[feed.source.pk])
    confirm = client.get(url).content.decode()
    assert "cannot be restored" in confirm
    response = client.post(url, follow=True)
    new = response.context["token"]
    assert new and new != feed.token
    assert sources.authenticate(feed.token) is None
    assert sources.authenticate(new).source == feed.source


def test_revoke_stops_every_token_at_once(world, feed, browse):
    client = browse(world.sme)
    url = reverse("datahub:token_revoke", args=[feed.source.pk])
    assert "cannot be restored" in client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert sources.authenticate(feed.token) is not None  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert sources.authenticate(feed.token) is None
    page = client.get(reverse("datahub:plant", args=[world.plant_a.pk])).content.decode()
    assert "revoked" in page


def test_series_create_prefills_the_unit_and_names_the_key(world, feed, browse):
    client = browse(world.sme)
    url = reverse("datahub:series_create", args=[feed.source.pk])
    partial = client.get(url, {"kpi": "energy_consumed"}, HTTP_HX_REQUEST="true")
    assert 'value="kW.h"' in partial.content.decode()
    assert "<form" not in partial.content.decode()
    page = client.get(url, {"kpi": "availability"})
    assert page.context["form"].initial["unit"] == "%"
    response = client.post(url, {"kpi": "availability", "unit": "%", "granularity": "hour"})
    assert response.status_code == 302
    assert Series.objects.filter(plant=world.plant_a, key="availability").exists()


def test_series_create_shows_a_wrong_unit_next_to_the_field(world, feed, browse):
    url = reverse("datahub:series_create", args=[feed.source.pk])
    response = browse(world.sme).post(
        url, {"kpi": "availability", "unit": "h", "granularity": "hour"}
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    response = browse(world.sme).post(url, {"kpi": "oee", "unit": "", "granularity": "hour"})
    assert "already has a series" in str(response.context["form"].non_field_errors())


def test_consent_grant_names_a_mentoring_firm_only(world, feed, browse):
    client = browse(world.sme)
    url = reverse("datahub:consents", args=[world.plant_a.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["partner"].queryset) == [world.firm_a]
    refused = client.post(url, {"purpose": "partner", "partner": world.firm_b.pk})
    assert refused.status_code == 200 and "partner" in refused.context["form"].errors
    missing = client.post(url, {"purpose": "partner"})
    assert "partner" in missing.context["form"].errors
    past = client.post(url, {"purpose": "research", "expires_on": "2001-01-01"})
    assert "expires_on" in past.context["form"].errors
    ok = client.post(
        url, {"purpose": "partner", "partner": world.firm_a.pk, "expires_on": "2099-12-31"}
    )
    assert ok.status_code == 302
    consent = Consent.objects.get(plant=world.plant_a, purpose=Purpose.PARTNER)
    assert consent.partner == world.firm_a and consent.expires_at.year == 2099


def test_consent_revoke_and_the_follow_up_refusal(world, feed, browse):
    program = winwin_program(world, [(world.firm_a, 100_000_000)])
    from programs import services as program_services
    from tests.factories import OrganizationFactory

    supplier = OrganizationFactory(kind="supplier", name="공급사")
    project = program_services.project_apply(
        user=world.agency,
        data=project_data(program, world.plant_a, world.firm_a, supplier=supplier),
    )
    complete(world, project)
    follow_up = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP
    )
    research = consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.RESEARCH)
    client = browse(world.sme)
    response = client.post(reverse("datahub:consent_revoke", args=[follow_up.pk]), follow=True)
    assert "follow-up consent is required until" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.revoked_at is None
    client.post(reverse("datahub:consent_revoke", args=[research.pk]))
    research.refresh_from_db()
    assert research.revoked_at is not None
    page = client.get(reverse("datahub:consents", args=[world.plant_a.pk]))
    assert research in page.context["ended"] and follow_up in page.context["active"]


def test_odrl_download(world, feed, browse):
    consent = consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    response = browse(world.sme).get(reverse("datahub:consent_odrl", args=[consent.pk]))
    assert response["Content-Type"].startswith("application/ld+json")
    assert "attachment" in response["Content-Disposition"]
    policy = json.loads(response.content)
    assert policy["@type"] == "Agreement"
    assert policy["permission"][0]["assignee"]["uid"] == f"urn:sfh:organization:{world.firm_a.pk}"


def test_access_log_pages_filters_and_bounds_its_queries(
    world, feed, browse, django_assert_max_num_queries
):
    def log(user, plant, purpose, label):
        access.log_read(user=user, plant=plant, purpose=purpose, kind=ReadKind.AAS, format=label)

    for i in range(30):
        log(world.agency, world.plant_a, Purpose.FOLLOW_UP, f"read {i}")
    for i in range(3):
        log(world.partner_a, world.plant_a, Purpose.PARTNER, f"p {i}")
    log(world.agency, world.plant_b, Purpose.FOLLOW_UP, "b")
    client = browse(world.sme)
    url = reverse("datahub:access_log", args=[world.plant_a.pk])
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert len(first.context["entries"]) == 25
    assert first.context["paginator"].count == 33
    partner = client.get(url, {"purpose": "partner"})
    assert [e.details["format"] for e in partner.context["entries"]] == ["p 2", "p 1", "p 0"]
    assert "b" not in [e.details["format"] for e in first.context["entries"]]


def test_access_log_words_each_read_in_the_readers_language(world, feed, browse, client_for):
    access.log_read(
        user=world.agency,
        plant=world.plant_a,
        purpose=Purpose.FOLLOW_UP,
        kind=ReadKind.SERIES,
        series="oee",
        rollup="day",
        start="2026-01-01 00:00",
        end="2026-02-01 00:00",
    )
    url = reverse("datahub:access_log", args=[world.plant_a.pk])
    english = browse(world.sme).get(url).content.decode()
    assert "Series oee: daily values 2026-01-01 00:00–2026-02-01 00:00" in english
    korean = client_for(world.sme).get(url).content.decode()
    assert "시계열 oee: 일별 값 2026-01-01 00:00–2026-02-01 00:00" in korean


def test_plant_page_bounds_its_queries(world, feed, browse, django_assert_max_num_queries):
    for i in range(5):
        source, _token = sources.source_create(user=world.sme, plant=world.plant_a, name=f"S{i}")
        sources.series_create(user=world.sme, source=source, kpi="oee", label=f"L{i}")
        sources.token_rotate(user=world.sme, source=source)
        access.log_read(
            user=world.agency,
            plant=world.plant_a,
            purpose=Purpose.FOLLOW_UP,
            kind=ReadKind.AAS,
            format=str(i),
        )
    client = browse(world.sme)
    url = reverse("datahub:plant", args=[world.plant_a.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.context["sources"]) == 6
    assert AccessLogEntry.objects.filter(plant=world.plant_a).count() == 5


def test_consents_page_bounds_its_queries(world, feed, browse, django_assert_max_num_queries):
    from tests.factories import MentorshipFactory, PartnerFactory

    for i in range(6):
        firm = PartnerFactory(name=f"파트너 {i}")
        MentorshipFactory(partner=firm, plant=world.plant_a)
        consent = consents.consent_grant(
            user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=firm
        )
        if i % 2:
            consents.consent_revoke(user=world.sme, consent=consent)
    client = browse(world.sme)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("datahub:consents", args=[world.plant_a.pk]))
    assert len(response.context["active"]) == 3 and len(response.context["ended"]) == 3


def test_access_log_page_links_its_export_with_the_filter(world, feed, browse):
    for plant, purpose in ((world.plant_a, Purpose.PARTNER), (world.plant_a, Purpose.FOLLOW_UP)):
        access.log_read(user=world.agency, plant=plant, purpose=purpose, kind=ReadKind.BENCHMARKS)
    access.log_read(
        user=world.agency, plant=world.plant_b, purpose=Purpose.PARTNER, kind=ReadKind.BENCHMARKS
    )
    client = browse(world.sme)
    page = client.get(
        reverse("datahub:access_log", args=[world.plant_a.pk]), {"purpose": "partner"}
    ).content.decode()
    link = f"/api/v1/access-log/?plant={world.plant_a.pk}&amp;purpose=partner&amp;format=csv"
    assert link in page and "format=xlsx" in page
    export = client.get(link.replace("&amp;", "&"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2  # the header and plant A's one partner read
    assert world.plant_a.name in lines[1] and "Peer benchmarks of every KPI" in lines[1]

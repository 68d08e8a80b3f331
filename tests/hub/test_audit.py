"""The audit log is append-only (model, queryset and admin refuse changes) and agency staff
browse it at /audit/: newest first, filtered, paged, with a query count that does not grow."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hub.audit import audit_entry, audit_record, snapshot
from hub.choices import AuditAction
from hub.models import AuditEntry, AuditLogAppendOnly, Organization, Plant
from tests.factories import PlantFactory, UserFactory

URL = "/audit/"


def rows(response) -> list[int]:
    """The entry ids of the page's table, in order."""
    return [int(pk) for pk in re.findall(r'data-entry="(\d+)"', response.content.decode())]


def record(user, obj, action=AuditAction.UPDATE, before=None, after=None, message=""):
    return audit_record(
        user=user, action=action, obj=obj, before=before, after=after, message=message
    )


# --- append-only -------------------------------------------------------------------------------


@pytest.fixture
def entry(world):
    return record(world.agency, world.plant_a, before={"employees": 10}, after={"employees": 12})


def test_an_entry_cannot_be_saved_again(entry):
    entry.message = "rewritten"
    with pytest.raises(AuditLogAppendOnly):
        entry.save()
    with pytest.raises(AuditLogAppendOnly):
        entry.save(update_fields=["message"])
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AuditLogAppendOnly):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_queryset_refuses_update_delete_and_bulk_update(entry):
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(message="rewritten")
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.update(message="rewritten")
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.message = "rewritten"
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.bulk_update([entry], ["message"])
    with pytest.raises(AuditLogAppendOnly):
        AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"message": "rewritten"})
    assert AuditEntry.objects.get(pk=entry.pk).message == ""
    assert AuditEntry.objects.count() == 1


def test_new_entries_are_still_written_one_by_one_and_in_bulk(world):
    record(world.agency, world.plant_a)
    plants = [world.plant_b, world.plant_free]
    AuditEntry.objects.bulk_create(
        [
            audit_entry(user=world.agency, action=AuditAction.IMPORT, obj=p, after=snapshot(p))
            for p in plants
        ]
    )
    assert AuditEntry.objects.count() == 3
    assert set(AuditEntry.objects.filter(action="import").values_list("object_id", flat=True)) == {
        str(p.pk) for p in plants
    }


def test_deleting_a_user_keeps_their_entries(world, entry):
    user = UserFactory(username="leaver")
    kept = record(user, world.plant_a)
    user.delete()
    kept = AuditEntry.objects.get(pk=kept.pk)
    assert kept.user is None
    assert AuditEntry.objects.get(pk=entry.pk).user == world.agency


def test_admin_shows_entries_read_only(world, entry, client_for):
    admin = client_for(world.admin_user)
    change_url = reverse("admin:hub_auditentry_change", args=[entry.pk])
    page = admin.get(change_url)
    assert page.status_code == 200  # viewable...
    assert b'name="_save"' not in page.content  # ...but not savable
    assert admin.post(change_url, {"message": "rewritten"}).status_code == 403
    delete_url = reverse("admin:hub_auditentry_delete", args=[entry.pk])
    assert admin.get(delete_url).status_code == 403
    assert admin.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = admin.get(reverse("admin:hub_auditentry_changelist"))
    assert b"delete_selected" not in changelist.content
    assert admin.get(reverse("admin:hub_auditentry_add")).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


# --- who may open the page ---------------------------------------------------------------------


def test_the_page_is_named_audit_list():
    assert reverse("audit-list") == URL


def test_anonymous_visitors_are_sent_to_login(world, browse):
    response = browse(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["agency", "admin_user"])
def test_agency_staff_and_administrators_read_the_log(world, entry, browse, persona):
    response = browse(getattr(world, persona)).get(URL)
    assert response.status_code == 200
    assert rows(response) == [entry.pk]


@pytest.mark.parametrize("persona", ["consultant", "partner_a", "official", "outsider"])
def test_everyone_else_is_refused(world, entry, browse, persona):
    response = browse(getattr(world, persona)).get(URL)
    assert response.status_code == 403
    assert b"Only agency staff may read the audit log." in response.content
    assert str(entry.object_repr).encode() not in response.content


def test_the_navigation_links_the_log_for_agency_staff_only(world, browse):
    link = f'href="{URL}"'.encode()
    assert link in browse(world.agency).get(reverse("home")).content
    assert link in browse(world.admin_user).get(reverse("hub:plant_list")).content
    assert link not in browse(world.official).get(reverse("home")).content
    assert link not in browse(world.partner_a).get(reverse("hub:plant_list")).content


# --- what the page shows -----------------------------------------------------------------------


def test_entries_newest_first_with_user_action_type_object_and_changes(world, browse):
    older = record(world.agency, world.plant_a, before={"employees": 10}, after={"employees": 12})
    newer = record(
        world.agency,
        world.firm_a,
        action=AuditAction.CREATE,
        after={"name": "대한전자", "kind": "partner"},
    )
    response = browse(world.agency).get(URL)
    assert rows(response) == [newer.pk, older.pk]
    html = response.content.decode()
    first_row = html[
        html.index(f'data-entry="{newer.pk}"') : html.index(f'data-entry="{older.pk}"')
    ]
    assert "agency" in first_row
    assert "Created" in first_row
    assert "Organisation" in first_row
    assert f'href="{world.firm_a.get_absolute_url()}"' in first_row
    assert "Kind" in first_row and "Partner firm" in first_row  # choice label, not the code
    second_row = html[html.index(f'data-entry="{older.pk}"') :]
    assert "Updated" in second_row and "Plant" in second_row
    assert "Employees" in second_row and ">10<" in second_row and ">12<" in second_row
    assert f'href="{world.plant_a.get_absolute_url()}"' in second_row


def test_an_object_that_no_longer_exists_is_named_but_not_linked(world, browse):
    plant = PlantFactory(name="철거된 공장")
    gone = record(world.agency, plant, action=AuditAction.CREATE, after={"name": plant.name})
    url = plant.get_absolute_url()
    Plant.objects.filter(pk=plant.pk).delete()
    response = browse(world.agency).get(URL)
    assert rows(response) == [gone.pk]
    assert "철거된 공장" in response.content.decode()
    assert f'href="{url}"' not in response.content.decode()


def test_system_entries_have_no_user(world, browse):
    record(None, world.plant_a, message="nightly job")
    html = browse(world.agency).get(URL).content.decode()
    assert "system" in html and "nightly job" in html


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(world):
    """Entries on three days, by two users, on plants and organisations."""
    staff2 = UserFactory(username="park.agency")
    day = timezone.make_aware(datetime.datetime(2025, 3, 10, 9, 0))
    made = {}
    with time_machine.travel(day, tick=False):
        made["plant_update"] = record(world.agency, world.plant_a)
    with time_machine.travel(day + datetime.timedelta(days=1), tick=False):
        made["org_create"] = record(staff2, world.firm_a, action=AuditAction.CREATE)
    # 23:30 in Seoul on the 12th is still the 12th there (14:30 UTC).
    late = timezone.make_aware(datetime.datetime(2025, 3, 12, 23, 30))
    with time_machine.travel(late, tick=False):
        made["plant_b_update"] = record(staff2, world.plant_b)
    return made


def filtered(browse, world, **params):
    return browse(world.agency).get(URL, params)


def test_filter_by_object_type(world, browse, mixed):
    plant_type = ContentType.objects.get_for_model(Plant)
    org_type = ContentType.objects.get_for_model(Organization)
    response = filtered(browse, world, content_type=plant_type.pk)
    assert rows(response) == [mixed["plant_b_update"].pk, mixed["plant_update"].pk]
    assert rows(filtered(browse, world, content_type=org_type.pk)) == [mixed["org_create"].pk]
    assert f'<option value="{plant_type.pk}" selected>Plant</option>' in response.content.decode()


def test_the_blank_form_as_submitted_filters_nothing(world, browse, mixed):
    page = filtered(browse, world)
    html = page.content.decode()
    assert re.search(r'<select name="content_type"[^>]*>\s*<option value="" selected>', html)
    blank = dict.fromkeys(
        ["content_type", "object_id", "user", "date_from", "date_to", "action"], ""
    )
    assert rows(filtered(browse, world, **blank)) == rows(page)
    assert len(rows(page)) == 3


def test_filter_by_object_id(world, browse, mixed):
    plant_type = ContentType.objects.get_for_model(Plant)
    response = filtered(browse, world, content_type=plant_type.pk, object_id=world.plant_b.pk)
    assert rows(response) == [mixed["plant_b_update"].pk]
    # An id alone matches that id in every table.
    same_id = {e.pk for e in mixed.values() if e.object_id == str(world.plant_b.pk)}
    assert set(rows(filtered(browse, world, object_id=world.plant_b.pk))) == same_id


def test_filter_by_username_part(world, browse, mixed):
    response = filtered(browse, world, user="PARK")
    assert rows(response) == [mixed["plant_b_update"].pk, mixed["org_create"].pk]


def test_filter_by_action(world, browse, mixed):
    assert rows(filtered(browse, world, action="create")) == [mixed["org_create"].pk]


def test_filter_by_dates_in_seoul_time(world, browse, mixed):
    assert rows(filtered(browse, world, date_from="2025-03-11")) == [
        mixed["plant_b_update"].pk,
        mixed["org_create"].pk,
    ]
    assert rows(filtered(browse, world, date_to="2025-03-11")) == [
        mixed["org_create"].pk,
        mixed["plant_update"].pk,
    ]
    assert rows(filtered(browse, world, date_from="2025-03-12", date_to="2025-03-12")) == [
        mixed["plant_b_update"].pk
    ]


def test_filters_combine(world, browse, mixed):
    response = filtered(browse, world, user="park", action="update", date_to="2025-03-12")
    assert rows(response) == [mixed["plant_b_update"].pk]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"content_type": "plants"}, "Select a valid choice."),
        ({"action": "erase"}, "Select a valid choice."),
        ({"date_from": "2025-03-12", "date_to": "2025-03-10"}, "cannot be before the start"),
    ],
)
def test_bad_filter_values_get_a_message_not_an_error(world, browse, mixed, params, message):
    response = filtered(browse, world, **params)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("cursor", ["abc", "-4", "999999"])
def test_a_bad_page_cursor_shows_a_page_not_an_error(world, browse, mixed, cursor):
    for name in ("older", "newer"):
        response = browse(world.agency).get(URL, {name: cursor})
        assert response.status_code == 200


# --- paging and cost ---------------------------------------------------------------------------


def make_entries(world, count: int) -> list[AuditEntry]:
    """`count` entries alternating between plants and organisations, by several users."""
    users = [world.agency, world.admin_user, None]
    targets = [world.plant_a, world.firm_a, world.plant_b, world.mentorship_a]
    return [
        record(
            users[i % len(users)],
            targets[i % len(targets)],
            before={"employees": i},
            after={"employees": i + 1},
        )
        for i in range(count)
    ]


def follow_pages(client) -> list[list[int]]:
    pages, url = [], URL
    while url:
        response = client.get(url if url.startswith("/") else URL + url)
        pages.append(rows(response))
        url = response.context["older_url"]
    return pages


def test_pages_of_fifty_newest_first_without_gaps_or_overlaps(world, browse):
    made = make_entries(world, 120)
    client = browse(world.agency)
    pages = follow_pages(client)
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [pk for page in pages for pk in page] == [e.pk for e in reversed(made)]


def test_newer_goes_back_a_page_and_filters_travel_along(world, browse):
    made = make_entries(world, 120)
    client = browse(world.agency)
    first = client.get(URL)
    assert first.context["newer_url"] is None
    second = client.get(URL + first.context["older_url"])
    assert second.context["newest_url"] == "?"
    back = client.get(URL + second.context["newer_url"])
    assert rows(back) == rows(first)
    assert back.context["newer_url"] is None

    plant_type = ContentType.objects.get_for_model(Plant)
    plant_a_entries = [
        e.pk
        for e in reversed(made)
        if e.object_id == str(world.plant_a.pk) and e.content_type == plant_type
    ]
    page = client.get(URL, {"content_type": plant_type.pk, "object_id": world.plant_a.pk})
    assert rows(page) == plant_a_entries  # 30 of them: one page
    assert page.context["older_url"] is None


def test_query_count_does_not_grow_with_the_entries_on_the_page(
    world, browse, django_assert_num_queries
):
    client = browse(world.agency)
    make_entries(world, 5)
    client.get(URL)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get(URL))) == 5
    make_entries(world, 45)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(rows(client.get(URL))) == 50
    # Filtered, and on an older page: the same statements with other conditions.
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"user": "agency", "action": "update"})
        assert len(rows(response)) > 0


def test_an_import_written_in_bulk_shows_in_the_log(world, browse):
    from hub.importers import plants_import

    data = Path(__file__).parent / "data" / "plants_en_utf8_bom.csv"
    report = plants_import(user=world.agency, content=data.read_bytes(), filename=data.name)
    assert report.ok
    response = browse(world.agency).get(URL, {"user": "agency"})
    html = response.content.decode()
    plants = Plant.objects.filter(name__in=["안산 제1공장", "시화 제2공장", "창원공장"])
    assert plants.count() == 3
    for plant in plants:
        assert f'href="{plant.get_absolute_url()}"' in html
    assert "Imported from plants_en_utf8_bom.csv" in html
    assert rows(response) == list(
        AuditEntry.objects.order_by("-timestamp", "-pk").values_list("pk", flat=True)
    )

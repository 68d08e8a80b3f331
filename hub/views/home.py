"""The home page: where each role starts its day.

Three parts, each filled by the apps through `hub.extensions` (a lower app never imports an
upper one): what waits for me (`home_cards`: a count, the first items and the whole queue),
the two or three actions the role takes most (`home_actions`), and what changed since my last
visit (audit entries of the `home_audited_models` objects the user sees, by others).

The previous visit: the time this session last showed the home page, else the sign-in before
this one (kept in the session at sign-in, `remember_previous_login`), else a week ago.
"""

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import update_last_login
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from hub import extensions, roles
from hub.formats import person_name
from hub.models import AuditEntry, Mentorship, Organization, Plant

SEEN_KEY = "hub_home_seen"
PREVIOUS_LOGIN_KEY = "hub_previous_login"
FIRST_LOOKBACK = datetime.timedelta(days=7)
LONGEST_LOOKBACK = datetime.timedelta(days=90)
CHANGES_SHOWN = 8
# Entries read to find the CHANGES_SHOWN most recently changed objects (an object saved item
# by item leaves many entries; the list names each object once).
CHANGES_SCANNED = 200


def remember_previous_login(sender, request, user, **kwargs):
    """Receiver of user_logged_in in place of Django's update_last_login: keeps the sign-in
    before this one in the session (the home page's "since your last visit"), then records
    this one."""
    session = getattr(request, "session", None)
    if session is not None and user.last_login is not None:
        session[PREVIOUS_LOGIN_KEY] = user.last_login.isoformat()
    update_last_login(sender, user, **kwargs)


def previous_visit(request, now: datetime.datetime) -> datetime.datetime:
    for key in (SEEN_KEY, PREVIOUS_LOGIN_KEY):
        value = request.session.get(key)
        when = parse_datetime(value) if isinstance(value, str) else None
        if when is not None:
            return max(when, now - LONGEST_LOOKBACK)
    return now - FIRST_LOOKBACK


def _status_label(model, after) -> str:
    """The status an entry moved its object to, in the reader's language ("" if none)."""
    status = (after or {}).get("status") if isinstance(after, dict) else None
    if status is None:
        return ""
    try:
        field = model._meta.get_field("status")
    except Exception:  # noqa: BLE001 - a model without a status field
        return ""
    return str(dict(field.flatchoices).get(status, ""))


def changes_since(user, since: datetime.datetime):
    """(number of objects changed, their latest changes) since `since` by someone else, among
    the registered models' objects the user sees. Agency staff and administrators read the
    whole audit log anyway; anyone else only entries of objects `visible_to` them."""
    rows = list(extensions.home_audited_models)
    if not rows:
        return 0, []
    everything = roles.is_agency_staff_or_admin(user)
    by_type = {}
    scope = Q(pk__in=[])
    for row in rows:
        content_type = ContentType.objects.get_for_model(row.model)
        by_type[content_type.pk] = row
        if everything:
            scope |= Q(content_type=content_type)
        else:
            visible = (
                row.model.objects.visible_to(user)
                .annotate(hub_key=Cast("pk", CharField()))
                .values("hub_key")
            )
            scope |= Q(content_type=content_type, object_id__in=visible)
    entries = (
        AuditEntry.objects.filter(scope, timestamp__gt=since)
        .exclude(user=user)
        .select_related("user")
    )
    count = entries.values("content_type_id", "object_id").distinct().count()
    if not count:
        return 0, []
    latest, seen = [], set()
    for entry in entries.order_by("-timestamp", "-pk")[:CHANGES_SCANNED]:
        key = (entry.content_type_id, entry.object_id)
        if key in seen:
            continue
        seen.add(key)
        row = by_type[entry.content_type_id]
        try:
            url = reverse(row.url_name, args=[entry.object_id])
        except NoReverseMatch:
            url = ""
        kind = capfirst(row.model._meta.verbose_name)
        latest.append(
            {
                "when": entry.timestamp,
                # "Assessment" before "Assessment #12 ..." says it twice.
                "kind": "" if entry.object_repr.startswith(str(kind)) else kind,
                "object": entry.object_repr,
                "url": url if entry.action != "delete" else "",
                "action": entry.get_action_display(),
                "status": _status_label(row.model, entry.after),
                "who": person_name(entry.user) if entry.user_id else "",
            }
        )
        if len(latest) == CHANGES_SHOWN:
            break
    return count, latest


def registry_actions(user) -> list[extensions.HomeAction]:
    """Agency staff and administrators register plants (after their queues)."""
    if roles.is_agency_staff_or_admin(user):
        return [extensions.HomeAction(_("Register a plant"), reverse("hub:plant_create"), 30)]
    return []


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "hub/home.html"

    def get(self, request, *args, **kwargs):
        for home_of in extensions.home_redirects:
            url = home_of(request.user)
            if url:
                return redirect(url)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["plant_count"] = Plant.objects.visible_to(user).count()
        ctx["organization_count"] = Organization.objects.visible_to(user).count()
        ctx["mentorship_count"] = Mentorship.objects.visible_to(user).count()
        if not roles.is_member(user):
            return ctx
        cards = [card for cards_of in extensions.home_cards for card in cards_of(user)]
        ctx["cards"] = sorted(cards, key=lambda card: card.order)
        actions = [action for actions_of in extensions.home_actions for action in actions_of(user)]
        ctx["actions"] = sorted(actions, key=lambda action: action.order)[:3]
        now = timezone.now()
        since = previous_visit(self.request, now)
        ctx["since"] = since
        ctx["change_count"], ctx["changes"] = changes_since(user, since)
        self.request.session[SEEN_KEY] = now.isoformat()
        return ctx

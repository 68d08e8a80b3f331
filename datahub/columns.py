"""What the data hub adds to the plant list (hub.extensions.plant_list_columns, registered in
DatahubConfig.ready): whether each plant is connected — an active source that sent data in
the last 30 days — and when data last came, for those who follow the whole program (agency
staff, officials, administrators). Metadata only: no value of the plant's data is read."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from datahub.models import DataSource
from datahub.selectors import CONNECTED_WITHIN
from hub import roles


class ConnectedColumn:
    label = _("Data connection")
    template = "datahub/includes/connected_cell.html"

    def applies(self, user) -> bool:
        return roles.sees_everything(user)

    def annotate(self, queryset):
        active = DataSource.objects.filter(plant=OuterRef("pk"), is_active=True)
        since = timezone.now() - CONNECTED_WITHIN
        latest = active.exclude(last_data_at=None).order_by("-last_data_at")
        return queryset.annotate(
            data_connected=Exists(active.filter(last_data_at__gte=since)),
            data_last_at=Subquery(latest.values("last_data_at")[:1]),
        )


connected_column = ConnectedColumn()

"""What the data hub adds to the plant list (hub.extensions.plant_list_columns, registered in
DatahubConfig.ready): whether each plant is connected — an active source that sent data in
the last 30 days — and when data last came, for those who follow the whole program (agency
staff, officials, administrators). The partner portfolio's mentored plants get the same cell
(hub.extensions.portfolio_plant_columns): the page shows only the firm's own plants, so a
partner member sees the connection of those and no other. Metadata only: no value of the
plant's data is read."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef, Subquery
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


class PortfolioConnectedColumn:
    """The same cell on the partner portfolio's mentored plants (whoever may see the
    portfolio: its own partner members, agency staff, officials)."""

    label = _("Data connection")
    template = "datahub/includes/connected_cell.html"

    def applies(self, user) -> bool:
        return True

    def attach(self, plants) -> None:
        """`data_connected` and `data_last_at` on each plant, from one query: connected
        exactly as `datahub.selectors.connected_filter` (an active source's latest data
        within CONNECTED_WITHIN)."""
        since = timezone.now() - CONNECTED_WITHIN
        latest = dict(
            DataSource.objects.filter(plant__in=[p.pk for p in plants], is_active=True)
            .exclude(last_data_at=None)
            .order_by()
            .values("plant_id")
            .annotate(last=Max("last_data_at"))
            .values_list("plant_id", "last")
        )
        for plant in plants:
            plant.data_last_at = latest.get(plant.pk)
            plant.data_connected = plant.data_last_at is not None and plant.data_last_at >= since


portfolio_connected_column = PortfolioConnectedColumn()

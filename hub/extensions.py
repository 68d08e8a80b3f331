"""Extension points through which later apps add to the registry's pages without the
registry importing them (dependencies point programs → assessments → hub).

- `plant_panels`: callables (request, plant) -> {"template": str, "context": dict} or None;
  each returned panel is included on the plant page, in registration order.
- `nav_items`: callables (user) -> list of (label, url) appended to the navigation.
- `plant_list_columns`: columns appended to the plant list, objects with `label`,
  `template` (rendered with `plant`), `applies(user) -> bool` and
  `annotate(queryset) -> queryset` (what the cell reads, one subquery for the page's rows).
- `portfolio_plant_columns`: columns appended to the partner portfolio's mentored plants,
  objects with `label`, `template` (rendered with `plant`), `applies(user) -> bool` and
  `attach(plants) -> None` (sets what the cell reads on each plant of the list, one query).
- `home_cards`, `home_actions`, `home_audited_models`: what the home page shows each role
  (see below; hub/views/home.py gathers them).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

plant_panels: list[Callable] = []
nav_items: list[Callable] = []
plant_list_columns: list = []
portfolio_plant_columns: list = []


def register(registry: list, func: Callable) -> Callable:
    """Add func once (AppConfig.ready may run more than once in tests)."""
    if func not in registry:
        registry.append(func)
    return func


# Callables (user) -> url or None: where a role's home page is (the first answer wins);
# e.g. partner members land on their portfolio.
home_redirects: list[Callable] = []


# --- The home page: what waits for each role, its most used actions, what changed. ----------


@dataclass
class HomeCard:
    """One "what waits for me" card on the home page: a count, the first few items and a link
    to the whole queue. `items` are (label, url, detail) triples; `order` sorts the cards."""

    title: str
    count: int
    url: str
    items: list = field(default_factory=list)
    empty: str = ""
    order: int = 50
    tone: str = ""  # "" | "warn": a card whose items are late or need attention first
    more: bool = True  # False: the items are figures, not the first of `count` things


@dataclass
class HomeAction:
    """One of the two or three actions a role takes most (the home page's buttons)."""

    label: str
    url: str
    order: int = 50


@dataclass
class AuditedModel:
    """A model whose audit entries the home page lists under "changed since your last visit"
    when the user sees the object (`model.objects.visible_to(user)`); `url_name` takes the
    object's pk."""

    model: type
    url_name: str


# Callables (user) -> list[HomeCard]: each app adds the queues its roles work through.
home_cards: list[Callable] = []
# Callables (user) -> list[HomeAction]: each app adds its roles' most used actions.
home_actions: list[Callable] = []
# AuditedModel rows (registered once each, like the callables above).
home_audited_models: list = []

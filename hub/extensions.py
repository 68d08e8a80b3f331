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
"""

from collections.abc import Callable

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

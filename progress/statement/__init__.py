"""The progress figures computed by the database: one statement behind
`progress.selectors.progress_summary`, written as named parts, its rows read by column name
into the typed rows of `progress.figures` and folded into `Figures`.

The statement is `WITH <named tables> <branch> UNION ALL <branch> ...`:

- named tables (`WITH name AS (...)`): `completed_project`, `supported_plant`,
  `assessment_interval` and `connected_plant` (the data hub's connected plants) are compiled
  from ORM querysets (so scope filters, `base` and the
  date / time-zone handling stay Django's); `plant_state`, `project_state`, `series_day`,
  `first_completion` and `level3_span` are written here;
- branches, one per figure: `level_state` (headline and distribution), `region_group`,
  `industry_group`, `size_group`, `cohort_group`, `program_group`, `partner_group`,
  `agency_group` (the breakdowns), `series` (supported and Level 3+ on each requested day)
  and `kpi_sum`.

It stays one statement because its branches share the tables: PostgreSQL computes a table
referenced more than once only once, where separate statements would each recompute the
assessment intervals (on PostgreSQL 15 with 5,000 / 20,000 plants, the national figures took
~67 / ~231 ms as one statement and ~123 / ~450 ms as four). The breakdowns are grouped in the
database, one branch each, so a few hundred rows come back rather than one per combination
of region, industry, size, cohort and level. Parameters are named (`%(as_of)s`); the
compiled ORM fragments have theirs renamed by `named_params`.
"""

from progress.statement.branches import (
    Branch,
)
from progress.statement.fold import (
    figures,
)
from progress.statement.rows import (
    StatementRows,
)
from progress.statement.run import (
    analytics_cursor,
    statement_rows,
)
from progress.statement.scope import (
    completed_projects,
    scoped_plants,
    summary_days,
)
from progress.statement.tables import (
    Table,
    named_params,
)

__all__ = [
    "Branch",
    "StatementRows",
    "Table",
    "analytics_cursor",
    "completed_projects",
    "figures",
    "named_params",
    "scoped_plants",
    "statement_rows",
    "summary_days",
]

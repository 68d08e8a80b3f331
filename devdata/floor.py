"""The "SQL floor": the national progress figures written by hand in PostgreSQL, the obvious
way (a LATERAL "latest assessment" lookup per plant and day, GROUPING SETS), with the
definitions of `progress.selectors`. The benchmark times the selector against it, and a test
holds the two equal. PostgreSQL only."""

import datetime

from django.db import connections
from django.utils import timezone

from assessments.choices import AssessmentStatus
from programs.choices import ProjectStatus
from progress.figures import end_of, share
from progress.statement import analytics_cursor

_FLOOR_SQL = """
WITH sp AS (                       -- supported plants and the day of their first completion
    SELECT plant_id AS pid, MIN(completed_on) AS first
    FROM programs_project WHERE status = %(completed)s AND completed_on <= %(d)s
    GROUP BY plant_id
), days AS (SELECT * FROM unnest(%(days)s::date[]) WITH ORDINALITY AS t(day, i)),
lv AS (                            -- each supported plant's latest usable assessment per day
    SELECT days.i, days.day, sp.pid, a.final_level, a.valid_until
    FROM days JOIN sp ON sp.first <= days.day
    LEFT JOIN LATERAL (
        SELECT final_level, valid_until FROM assessments_assessment
        WHERE plant_id = sp.pid AND status = %(confirmed)s AND assessed_on <= days.day
          AND confirmed_at < (days.day + 1)::timestamp AT TIME ZONE %(tz)s
        ORDER BY assessed_on DESC, confirmed_at DESC, id DESC LIMIT 1
    ) a ON TRUE
), st AS (                         -- as of the date, with the plant's attributes
    SELECT lv.pid, pl.region, pl.industry, o.size_class,
           EXTRACT(YEAR FROM sp.first)::int AS cohort,
           CASE WHEN lv.final_level IS NULL THEN 'never'
                WHEN lv.valid_until < %(d)s THEN 'expired'
                ELSE 'level_' || lv.final_level END AS bucket,
           COALESCE(lv.final_level >= 3 AND lv.valid_until >= %(d)s, FALSE) AS l3,
           CASE WHEN lv.valid_until >= %(d)s THEN lv.final_level END AS lvl
    FROM lv JOIN sp ON sp.pid = lv.pid
    JOIN hub_plant pl ON pl.id = lv.pid JOIN hub_organization o ON o.id = pl.company_id
    WHERE lv.day = %(d)s
), pc AS (                         -- completed projects with their plant's state
    SELECT p.id, p.program_id, p.partner_id, g.agency_id, st.*
    FROM programs_project p JOIN programs_program g ON g.id = p.program_id
    JOIN st ON st.pid = p.plant_id
    WHERE p.status = %(completed)s AND p.completed_on <= %(d)s
)
SELECT 'plants' AS part, GROUPING(region, industry, size_class, cohort, bucket) AS g,
       COALESCE(region, industry, size_class, cohort::text, bucket) AS k,
       COUNT(*) AS n, COUNT(*) FILTER (WHERE l3) AS l3, NULL::numeric AS avg
FROM st GROUP BY GROUPING SETS ((), (region), (industry), (size_class), (cohort), (bucket))
UNION ALL
SELECT 'series', i, NULL, COUNT(*), COUNT(*) FILTER (WHERE final_level >= 3
       AND valid_until >= day), NULL FROM lv GROUP BY i
UNION ALL
SELECT 'groups', GROUPING(program_id, partner_id, agency_id),
       COALESCE(program_id, partner_id, agency_id)::text,
       COUNT(DISTINCT pid), COUNT(DISTINCT pid) FILTER (WHERE l3), NULL
FROM pc GROUP BY GROUPING SETS ((program_id), (partner_id), (agency_id))
UNION ALL
SELECT 'kpis', GROUPING(cohort, lvl), k.indicator || ':' || COALESCE(cohort::text, lvl::text, ''),
       COUNT(*), NULL, AVG(k.improvement_pct)
FROM programs_kpi k JOIN pc ON pc.id = k.project_id
WHERE k.improvement_pct IS NOT NULL
GROUP BY GROUPING SETS ((k.indicator), (k.indicator, cohort), (k.indicator, lvl))
"""


def floor_summary(as_of: datetime.date, days: list[datetime.date]) -> list[tuple]:
    """The national figures of `progress_summary` — headline,
    distribution, cohorts, region / industry / size / program / partner / agency tables, the
    supported and Level 3+ counts on each of `days` (the last one must be `as_of`) and the KPI
    averages overall, by cohort and by level — in one hand-written PostgreSQL statement, the
    obvious way (a LATERAL "latest assessment" lookup per plant and day, GROUPING SETS).
    Returns its rows (part, grouping, key, count, Level 3+, average). PostgreSQL only."""
    with analytics_cursor() as cur:
        cur.execute(
            _FLOOR_SQL,
            {
                "d": as_of,
                "days": list(days),
                "tz": timezone.get_current_timezone_name(),
                "completed": ProjectStatus.COMPLETED,
                "confirmed": AssessmentStatus.CONFIRMED,
            },
        )
        return cur.fetchall()


def floor_headline(as_of: datetime.date) -> dict:
    """The national headline (supported plants, Level 3+ plants,
    share) as of a date in one hand-written PostgreSQL statement, with the definitions of
    this module (first completed project on or before the date; latest assessment assessed
    on/before the date and confirmed by the end of that day in the hub's time zone, by
    assessed_on, confirmed_at, pk; Level 3+ only while still valid). PostgreSQL only."""
    sql = """
        SELECT COUNT(*), COUNT(*) FILTER (WHERE a.final_level >= 3 AND a.valid_until >= %(d)s)
        FROM (SELECT DISTINCT plant_id FROM programs_project
              WHERE status = %(completed)s AND completed_on <= %(d)s) s
        LEFT JOIN LATERAL (
            SELECT final_level, valid_until FROM assessments_assessment
            WHERE plant_id = s.plant_id AND status = %(confirmed)s
              AND assessed_on <= %(d)s AND confirmed_at <= %(end)s
            ORDER BY assessed_on DESC, confirmed_at DESC, id DESC LIMIT 1
        ) a ON TRUE
    """
    with connections["default"].cursor() as cur:
        cur.execute(
            sql,
            {
                "d": as_of,
                "end": end_of(as_of),
                "completed": ProjectStatus.COMPLETED,
                "confirmed": AssessmentStatus.CONFIRMED,
            },
        )
        supported, level3 = cur.fetchone()
    return {"supported": supported, "level3": level3, "share": share(level3, supported)}

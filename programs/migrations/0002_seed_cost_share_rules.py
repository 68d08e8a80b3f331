"""Seed cost-share rules of the program's published schemes.

- win-win (상생형): government at most 30 % (caps ₩42 m / ₩120 m / ₩240 m for basic /
  advanced 1 / advanced 2), partner at least 30 %, SME at most 40 %;
- win-win for small firms: government and partner pay half each;
- general (일반형): government at most 50 % (caps ₩50 m / ₩150 m / ₩300 m), SME the rest.
"""

from decimal import Decimal

from django.db import migrations

RULES = [
    {
        "code": "winwin", "name_ko": "상생형 (정부 30 · 대기업 30 · 중소기업 40)",
        "name_en": "Win-win (government 30 · partner 30 · SME 40)",
        "government_max_pct": 30, "partner_min_pct": 30, "sme_max_pct": 40,
        "cap_basic": 42_000_000, "cap_advanced1": 120_000_000, "cap_advanced2": 240_000_000,
    },
    {
        "code": "winwin-small", "name_ko": "상생형 소기업 (정부 50 · 대기업 50)",
        "name_en": "Win-win for small firms (government 50 · partner 50)",
        "government_max_pct": 50, "partner_min_pct": 50, "sme_max_pct": 0,
        "cap_basic": 50_000_000, "cap_advanced1": 100_000_000, "cap_advanced2": 150_000_000,
    },
    {
        "code": "general", "name_ko": "일반형 (정부 50 이하)",
        "name_en": "General (government up to 50)",
        "government_max_pct": 50, "partner_min_pct": 0, "sme_max_pct": 100,
        "cap_basic": 50_000_000, "cap_advanced1": 150_000_000, "cap_advanced2": 300_000_000,
    },
]


def seed(apps, schema_editor):
    CostShareRule = apps.get_model("programs", "CostShareRule")
    for rule in RULES:
        values = {k: (Decimal(v) if isinstance(v, int) else v) for k, v in rule.items()}
        CostShareRule.objects.update_or_create(code=values.pop("code"), defaults=values)


def unseed(apps, schema_editor):
    CostShareRule = apps.get_model("programs", "CostShareRule")
    CostShareRule.objects.filter(code__in=[r["code"] for r in RULES], programs=None).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

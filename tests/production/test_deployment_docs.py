"""The deployment documentation names every environment variable the settings read: each one is
in .env.example and in the README's table (these tests run in the normal suite)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = sorted(
    set(
        re.findall(
            r"""env_[a-z]+\(\s*["']([A-Z][A-Z0-9_]*)["']""",
            (ROOT / "hub" / "settings.py").read_text(),
        )
    )
    | {"DATABASE_URL"}  # read by dj_database_url
)


def test_the_settings_read_the_variables_this_test_knows_of():
    for name in ("DEBUG", "SECRET_KEY", "REDIS_URL", "REPORT_STALE_AFTER", "MEDIA_ROOT"):
        assert name in SETTINGS_VARIABLES


@pytest.mark.parametrize("name", SETTINGS_VARIABLES)
def test_every_variable_is_in_env_example(name):
    assert re.search(rf"(?m)^#?\s*{name}=", (ROOT / ".env.example").read_text())


@pytest.mark.parametrize("name", SETTINGS_VARIABLES)
def test_every_variable_is_in_the_readme_table(name):
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Environment variables", 1)[1].split("\n### ", 1)[0]
    assert f"| `{name}` |" in table

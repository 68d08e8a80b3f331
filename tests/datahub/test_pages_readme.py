"""The README's data hub walkthrough: its curl body is accepted by the ingest API with a
token issued on the pages, and revoking the token stops the next request."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.datahub.ingest_client import fresh_partitions  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db


def readme_curl() -> tuple[str, dict, str]:
    """(url, headers, body) of the curl line in the README's "Data hub" section."""
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = text.split("## Data hub", 1)[1].split("\n## ", 1)[0]
    line = next(line for line in section.splitlines() if line.strip().startswith("curl "))
    url = re.search(r"-X POST (\S+)", line).group(1)
    headers = dict(h.split(": ", 1) for h in re.findall(r'-H "([^"]+)"', line))
    body = re.search(r"-d '([^']+)'", line).group(1)
    return url, headers, body


def test_the_readme_curl_is_accepted_and_revoking_stops_the_next(world, feed, browse, client):
    url, headers, body = readme_curl()
    assert url.endswith("/api/v1/ingest/")
    assert headers["Authorization"] == "Bearer $TOKEN"
    assert json.loads(body)[0]["series"] == "oee"
    # the token as the pages show it once
    pages = browse(world.sme)
    token = pages.post(reverse("datahub:token_rotate", args=[feed.source.pk]), follow=True).context[
        "token"
    ]
    auth = {"HTTP_AUTHORIZATION": headers["Authorization"].replace("$TOKEN", token)}
    response = client.post("/api/v1/ingest/", body, content_type=headers["Content-Type"], **auth)
    assert response.status_code in (200, 201), response.content
    assert response.json()["accepted"] == 1
    page = pages.get(reverse("datahub:plant", args=[world.plant_a.pk]))
    assert len(page.context["receipts"]) == 1
    source = next(s for s in page.context["sources"] if s.pk == feed.source.pk)
    assert source.last_data_at is not None
    oee = next(s for s in page.context["series"] if s.key == "oee")
    assert oee.last_ts.isoformat() == "2026-12-01T00:00:00+00:00"
    home = pages.get(reverse("datahub:home"))
    assert next(p for p in home.context["plants"] if p.pk == world.plant_a.pk).last_data_at
    pages.post(reverse("datahub:token_revoke", args=[feed.source.pk]))
    refused = client.post("/api/v1/ingest/", body, content_type=headers["Content-Type"], **auth)
    assert refused.status_code == 401

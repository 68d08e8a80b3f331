"""Schema-driven fuzzing of the whole API with schemathesis, in process through the WSGI app.

The OpenAPI schema is loaded from /api/schema/ (drf-spectacular) and every operation gets
generated requests: valid and invalid bodies and query strings, random ids, and the ids of real
objects (visible ones and other firms'). Every response must

- never be a server error (5xx);
- use a status code, content type and body the schema documents for that operation;
- for a partner member and a user without membership: never show what they may not see. No
  response carries the name of a hidden object, and a request naming a hidden object gets
  exactly the answer a request naming a nonexistent one gets (no hint that it exists).

Examples are bounded and derandomized (the same cases every run); the number of cases run is
printed and recorded as a test property."""

import collections
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments.models import Assessment, Framework, Item, SelfAssessment, SpotCheck
from datahub.models import (
    AccessLogEntry,
    Consent,
    DataSource,
    EarlyWarning,
    FollowUpPeriod,
    KpiDefinition,
    ResearchDataset,
    Series,
)
from hub.models import Mentorship, Organization, Plant
from programs.models import KPI, Program, Project
from progress.models import ProgressReport
from tests.fuzz.conftest import SECRET

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODELS = {
    "access-log": AccessLogEntry,
    "assessments": Assessment,
    "consents": Consent,
    "data-sources": DataSource,
    "datasets": ResearchDataset,
    "followups": FollowUpPeriod,
    "frameworks": Framework,
    "kpi-definitions": KpiDefinition,
    "kpis": KPI,
    "mentorships": Mentorship,
    "organizations": Organization,
    "plants": Plant,
    "programs": Program,
    "projects": Project,
    "reports": ProgressReport,
    "series": Series,
    "spot-checks": SpotCheck,
    "warnings": EarlyWarning,
    "self-assessments": SelfAssessment,
}
NONEXISTENT = 987_654


@pytest.fixture
def wsgi_app():
    """The project's WSGI application. Django closes the connection at the end of each request
    when it is not in autocommit, which inside the test's transaction would end the test's
    database session; the test client disconnects that handler too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(populated, wsgi_app):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


def resource_of(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def path_parameter_sets(populated, path: str) -> list[dict]:
    """Path parameters naming real objects (every one in the database, visible or not) and a
    nonexistent one."""
    if "{id}" not in path:
        return []
    model = MODELS[resource_of(path)]
    ids = [*model.objects.order_by("pk").values_list("pk", flat=True), NONEXISTENT]
    sets = [{"id": pk} for pk in ids]
    if "{item_code}" in path:
        codes = list(
            Item.objects.filter(category__area__framework=populated.framework)
            .order_by("order")
            .values_list("code", flat=True)[:2]
        )
        sets = [{**s, "item_code": code} for s in sets for code in [*codes, "Z9.9"]]
    if "{evidence_pk}" in path:
        sets = [{**s, "evidence_pk": pk} for s in sets for pk in (populated.evidence.pk, 0)]
    return sets


def strategy_for(populated, operation):
    strategies = [
        operation.as_strategy(),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    real = path_parameter_sets(populated, operation.path)
    if real:
        strategies.append(
            st.sampled_from(real).flatmap(
                lambda params: operation.as_strategy(path_parameters=params)
            )
        )
    return st.one_of(strategies)


def _twin(case, path_parameters):
    return Case(
        case.operation,
        case.method,
        case.path,
        path_parameters=path_parameters,
        headers=case.headers.copy(),
        cookies=dict(case.cookies),
        query=dict(case.query),
        body=case.body,
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
    )


class Fuzzer:
    """Runs every operation of the schema for one persona and collects what went wrong."""

    def __init__(self, populated, schema, persona, *, examples, markers=(), hidden=None):
        self.populated = populated
        self.schema = schema
        self.headers = {"Authorization": f"Token {populated.tokens[persona]}"}
        self.examples = examples
        # Text that must never appear in a response, raw and JSON-escaped.
        self.markers = {m for text in markers for m in (text, json.dumps(text)[1:-1])}
        self.hidden = hidden or {}  # resource -> ids of objects the persona may not see
        self.cases = collections.Counter()
        self.statuses = collections.Counter()
        self.failures = collections.defaultdict(set)

    def run(self) -> None:
        for result in self.schema.get_all_operations():
            operation = result.ok()
            self.run_operation(operation)

    def run_operation(self, operation) -> None:
        @settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy_for(self.populated, operation))
        def fuzz(case):
            self.check(operation.label, case)

        fuzz()

    def check(self, label: str, case) -> None:
        self.cases[label] += 1
        response = case.call(headers=self.headers)
        self.statuses[response.status_code // 100] += 1
        where = f"{case.method} {case.formatted_path}"
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures[label].add(f"{failure.title} ({where}): {str(failure)[:300]}")
        except AssertionError as exc:
            self.failures[label].add(f"{where}: {str(exc)[:300]}")
        text = response.content.decode("utf-8", "replace")
        for marker in self.markers:
            if marker in text:
                self.failures[label].add(f"{where} answered {response.status_code} with {marker}")
        hidden_id = case.path_parameters.get("id")
        if hidden_id in self.hidden.get(resource_of(case.path), ()):
            twin = _twin(case, {**case.path_parameters, "id": NONEXISTENT}).call(
                headers=self.headers
            )
            if (twin.status_code, twin.content) != (response.status_code, response.content):
                self.failures[label].add(
                    f"{where} (hidden object) answered {response.status_code} "
                    f"{response.content[:120]!r}, a nonexistent one {twin.status_code} "
                    f"{twin.content[:120]!r}"
                )

    def report(self, persona, record_property, capsys) -> None:
        total = sum(self.cases.values())
        record_property(f"fuzz_cases_{persona}", total)
        with capsys.disabled():
            print(
                f"\n[api fuzz] {persona}: {total} cases over {len(self.cases)} operations; "
                f"responses by class: "
                + ", ".join(f"{k}xx={v}" for k, v in sorted(self.statuses.items()))
            )
        assert len(self.cases) >= 40, "the schema lost operations"
        problems = [f"{label}: {f}" for label, fs in self.failures.items() for f in sorted(fs)]
        assert not problems, "\n".join(problems)


def test_an_api_url_matching_no_route_answers_json_and_a_page_url_html(world, client_for):
    client = client_for(world.agency)
    for url in ("/api/v1/plants/1.5/", "/api/v1/plants/%EC%95%88/", "/api/v1/nothing/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"detail"}
    page = client.get("/plants/1.5/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_locked_out_token_login_answers_as_the_schema_says(populated, api_schema, settings):
    """Random usernames rarely repeat enough to trip the login lockout; this one does."""
    operation = api_schema["/api/v1/auth/token/"]["POST"]
    statuses = []
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        case = operation.Case(
            body={"username": "agency", "password": "not-the-password"},
            media_type="application/json",
        )
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        statuses.append(response.status_code)
    assert statuses[0] == 400 and statuses[-1] == 429, statuses


def hidden_from_partner_a(populated) -> dict[str, set]:
    world = populated.world
    confirmed_a, draft_a, submitted_secret, confirmed_b = populated.assessments
    project_secret = populated.projects[1]
    return {
        "plants": {world.plant_b.pk, world.plant_free.pk, populated.plant_secret.pk},
        "organizations": {
            world.firm_b.pk,
            world.plant_b.company_id,
            world.plant_free.company_id,
            populated.plant_secret.company_id,
        },
        "mentorships": {world.mentorship_b.pk},
        "assessments": {draft_a.pk, submitted_secret.pk, confirmed_b.pk},
        "projects": {project_secret.pk},
        "kpis": set(project_secret.kpis.values_list("pk", flat=True)),
        "reports": {populated.reports[world.firm_b.pk].pk},
        "data-sources": {populated.data[n].source.pk for n in ("b", "secret")},
        "series": {populated.data[n].series.pk for n in ("b", "secret")},
        "consents": {populated.data[n].consent.pk for n in ("b", "secret")},
        "access-log": {populated.data[n].read.pk for n in ("a", "b", "secret")},
        "warnings": {populated.data[n].warning.pk for n in ("b", "secret")},
    }


def test_agency_staff_fuzzing_finds_no_server_error_nor_schema_mismatch(
    populated, api_schema, record_property, capsys
):
    fuzzer = Fuzzer(populated, api_schema, "agency", examples=25)
    fuzzer.run()
    fuzzer.report("agency", record_property, capsys)


def test_partner_member_fuzzing_never_reveals_another_firms_data(
    populated, api_schema, record_property, capsys
):
    world = populated.world
    markers = [
        SECRET,
        world.firm_b.name,
        world.firm_b.name_en,
        world.plant_b.name,
        world.plant_free.name,
        world.plant_b.company.name,
        world.plant_free.company.name,
    ]
    fuzzer = Fuzzer(
        populated,
        api_schema,
        "partner_a",
        examples=10,
        markers=markers,
        hidden=hidden_from_partner_a(populated),
    )
    fuzzer.run()
    fuzzer.report("partner_a", record_property, capsys)


def test_user_without_membership_fuzzing_sees_nothing(
    populated, api_schema, record_property, capsys
):
    world = populated.world
    markers = [
        SECRET,
        world.agency_org.name,
        world.firm_a.name,
        world.firm_b.name,
        world.plant_a.name,
        world.plant_b.name,
        world.plant_a.company.name,
        populated.program.name_ko,
        populated.program.name_en,
    ]
    hidden = {
        resource: set(model.objects.values_list("pk", flat=True))
        for resource, model in MODELS.items()
    }
    fuzzer = Fuzzer(populated, api_schema, "outsider", examples=6, markers=markers, hidden=hidden)
    fuzzer.run()
    fuzzer.report("outsider", record_property, capsys)

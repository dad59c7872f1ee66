"""Schemathesis over /openapi.json with a valid key: no 5xx, every response matches the schema.

Each operation is driven with schema-valid requests (on the key's own provider and on random
provider ids) and with schema-invalid ones, which must be refused with a 4xx. The generation is
derandomized (the same examples on every run), and every operation also gets one explicit
request on the key's own provider with seeded data, which must be answered 200: the run
reaches real data by construction, not by the luck of the draw.
``positive_data_acceptance`` is left out on purpose: two rules span parameters (``from`` ≤
``to``, at most 366 days) and OpenAPI cannot express them, so a request valid by the schema may
rightly get 422. Every other default check runs (server errors, status codes, content types,
headers, response schemas, negative data rejection).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from puntored.api.main import create_app
from tests.support.api_seed import REPORT_DAYS, ApiEnv, build_env, write_reports

EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    # Schemathesis sends invalid keys on purpose: no failed-authentication throttle here
    # (test_hardening covers it).
    for env in build_env(database_url, tmp_path / "data", api_auth_failure_burst=1_000_000):
        write_reports(env.settings)  # so the report endpoints answer 200 too
        yield env


def _strategies(operation: Any) -> st.SearchStrategy[Any]:
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "provider_id" in operation.path:
        own = {"provider_id": "claro"}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=own))
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=own))
    return st.one_of(strategies)


@pytest.mark.slow
def test_no_server_errors_and_responses_match_the_schema(seeded: ApiEnv) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(seeded.settings))
    headers = {"X-API-Key": seeded.keys["claro"]}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 14  # + GET /v1/providers/{id}/reconciliation
    statuses: dict[str, set[int]] = {}

    for operation in operations:

        @given(case=_strategies(operation))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def check(case: Any) -> None:
            response = case.call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            )
            label = case.operation.label
            statuses.setdefault(label, set()).add(response.status_code)

        check()
        known = _known_good(operation)
        if known is not None:
            response = operation.Case(path_parameters=known).call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            )
            assert response.status_code == 200, (operation.label, response.text)
            statuses.setdefault(operation.label, set()).add(response.status_code)
    provider_operations = [op.label for op in operations if "{provider_id}" in op.path]
    assert all(200 in statuses[label] for label in provider_operations)
    assert len(provider_operations) >= 9
    assert all(max(codes) < 500 for codes in statuses.values())


def _known_good(operation: Any) -> dict[str, str] | None:
    """Path parameters of a request that must succeed: the key's own provider, a report day."""
    if "{provider_id}" not in operation.path:
        return None
    known = {"provider_id": "claro"}
    if "{dt}" in operation.path:
        known["dt"] = str(REPORT_DAYS[0])
    return known

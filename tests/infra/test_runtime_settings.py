"""Every PUNTORED_* variable the stacks give the deployed code is read by something."""

from __future__ import annotations

import re
from typing import Any

import pytest

from puntored.settings import PROJECT_ROOT, Settings
from tests.infra.cfn import properties

pytestmark = pytest.mark.infra

# Names other helpers are adding to Settings (TEAM.md contracts, issue 13: the realtime store
# and alert delivery). Remove a name here once Settings has it.
PENDING: set[str] = set()


def _read_names() -> set[str]:
    """Settings fields, plus what the dbt profile and sources read with env_var()."""
    names = {f"PUNTORED_{field.upper()}" for field in Settings.model_fields}
    for path in [PROJECT_ROOT / "profiles" / "profiles.yml", *PROJECT_ROOT.glob("models/**/*.yml")]:
        names |= set(re.findall(r"env_var\('(PUNTORED_[A-Z0-9_]+)'", path.read_text()))
    return names


def _deployed_names(templates: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for template in templates.values():
        for task in properties(template, "AWS::ECS::TaskDefinition"):
            for container in task["ContainerDefinitions"]:
                names |= {e["Name"] for e in container.get("Environment", [])}
                names |= {s["Name"] for s in container.get("Secrets", [])}
        for function in properties(template, "AWS::Lambda::Function"):
            names |= set(function.get("Environment", {}).get("Variables", {}))
    return {name for name in names if name.startswith("PUNTORED_")}


def test_every_deployed_setting_is_read(templates: dict[str, Any]) -> None:
    unread = _deployed_names(templates) - _read_names()
    assert unread - PENDING == set()


def test_pending_names_are_still_pending() -> None:
    assert PENDING & _read_names() == set(), "now a setting: remove it from PENDING"


def _environments(templates: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, template in templates.items():
        if name.startswith("puntored-prod-"):
            for task in properties(template, "AWS::ECS::TaskDefinition"):
                for container in task["ContainerDefinitions"]:
                    found.append({e["Name"]: e["Value"] for e in container.get("Environment", [])})
            for function in properties(template, "AWS::Lambda::Function"):
                found.append(function.get("Environment", {}).get("Variables", {}))
    return [env for env in found if "PUNTORED_MODE" in env]


def test_the_writer_and_every_reader_use_one_realtime_store(templates: dict[str, Any]) -> None:
    # the processor Lambda writes windows; the API, the portal and `puntored reconcile` read them
    environments = _environments(templates)
    assert len(environments) >= 3  # processor Lambda, API task, batch runner task
    assert {env["PUNTORED_REALTIME_STORE"] for env in environments} == {"dynamodb"}
    assert len({str(env["PUNTORED_REALTIME_TABLE"]) for env in environments}) == 1

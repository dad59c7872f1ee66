"""Reading synthesized CloudFormation: resources by type, joined strings, policy statements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Template = dict[str, Any]


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of one type."""
    return {k: r for k, r in template.get("Resources", {}).items() if r["Type"] == kind}


def properties(template: Template, kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in resources(template, kind).values()]


def only(template: Template, kind: str) -> dict[str, Any]:
    found = properties(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def joined(value: Any) -> str:
    """A string property as text, each intrinsic function (a reference) shown as ``<ref>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(joined(part) for part in parts)
    return "<ref>"


def state_machine_definition(template: Template) -> dict[str, Any]:
    machine = only(template, "AWS::StepFunctions::StateMachine")
    return json.loads(joined(machine["DefinitionString"]))


def policy_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) for every identity policy statement of the template's roles."""
    for logical_id, policy in resources(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            yield logical_id, statement
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for inline in role["Properties"].get("Policies", []):
            for statement in inline["PolicyDocument"]["Statement"]:
                yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

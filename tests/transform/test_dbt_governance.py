"""The project's shape, read from dbt's manifest: owners, access, primary-key tests, layout, and
which tests may only warn. The dbt-project-evaluator rules we follow (decision 0311), checked
without the evaluator (no dbt packages here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from puntored.settings import PROJECT_ROOT, Settings
from puntored.transform.dbt_runner import DbtPaths, run_dbt

pytestmark = [pytest.mark.dbt]

# Tests that data from outside can break: they warn, the day goes on (decision 0310).
WARN_ONLY = {
    "unique_combination_of_columns_stg_raw__transactions_dt__transaction_id",
    "is_null_int_transactions_deduplicated_reference_problem",
    "assert_quarantine_rate_below_threshold",
}
# Models without a key, answered in puntored/transform/evaluator_exceptions.csv.
NO_PRIMARY_KEY = {"stg_raw__quarantine"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("parse"))
    result = run_dbt(settings, ["parse"])
    assert result.succeeded, result.failures
    manifest: dict[str, Any] = json.loads(
        (DbtPaths.of(settings).target / "manifest.json").read_text()
    )
    return manifest


def _models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "puntored"
    }


def _tests(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]


def test_only_tests_of_outside_data_warn_every_other_test_fails_the_run(
    manifest: dict[str, Any],
) -> None:
    severities = {test["name"]: test["config"]["severity"].lower() for test in _tests(manifest)}
    assert {name for name, severity in severities.items() if severity == "warn"} == WARN_ONLY
    assert {severities[name] for name in severities if name not in WARN_ONLY} == {"error"}


def test_every_model_has_a_group_with_an_owner(manifest: dict[str, Any]) -> None:
    groups = {group["name"]: group for group in manifest["groups"].values()}
    for name, model in _models(manifest).items():
        assert model["group"] in groups, name
        assert groups[model["group"]]["owner"]["email"], name


def test_marts_the_exposure_reads_are_public_with_enforced_contracts(
    manifest: dict[str, Any],
) -> None:
    exposure = manifest["exposures"]["exposure.puntored.provider_api"]
    parents = exposure["depends_on"]["nodes"]
    assert len(parents) == 6
    for unique_id in parents:
        node = manifest["nodes"][unique_id]
        assert node["access"] == "public", unique_id
        assert node["config"]["contract"]["enforced"], unique_id


def _primary_key_test_macros() -> list[list[str]]:
    config = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    macros: list[list[str]] = config["vars"]["dbt_project_evaluator"]["primary_key_test_macros"]
    return macros


def test_every_model_but_the_quarantine_has_a_primary_key_test_the_evaluator_recognises(
    manifest: dict[str, Any],
) -> None:
    """The evaluator's rule: one column with every macro of a set, or a one-macro set."""
    macro_sets = [{f"macro.{m}" for m in macros} for macros in _primary_key_test_macros()]
    tested: dict[str, dict[str | None, set[str]]] = {}
    for test in _tests(manifest):
        parents = [p for p in test["depends_on"]["nodes"] if p.startswith("model.")]
        if len(parents) != 1 or "test_metadata" not in test:
            continue
        columns = tested.setdefault(parents[0].split(".")[-1], {})
        columns.setdefault(test.get("column_name"), set()).update(test["depends_on"]["macros"])
    for name in _models(manifest):
        by_column = tested.get(name, {})
        has_key = any(macros <= used for used in by_column.values() for macros in macro_sets)
        assert has_key == (name not in NO_PRIMARY_KEY), name


def test_layout_follows_the_evaluator_staging_by_source_and_every_source_used(
    manifest: dict[str, Any],
) -> None:
    used = {p for node in manifest["nodes"].values() for p in node["depends_on"].get("nodes", [])}
    for unique_id, source in manifest["sources"].items():
        assert unique_id in used, unique_id
        assert Path(source["original_file_path"]).parent == Path(
            "models/staging", source["source_name"]
        )
    for name, model in _models(manifest).items():
        folder = Path(model["original_file_path"]).parent
        if name.startswith("stg_"):
            assert folder.parent == Path("models/staging"), name
        else:
            layer = {"int_": "intermediate", "fct_": "marts", "dim_": "marts"}[name[:4]]
            assert folder == Path("models", layer), name

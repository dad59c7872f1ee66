"""The Athena gate refuses DuckDB-only SQL and accepts the project's models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from puntored.settings import PROJECT_ROOT
from puntored.transform.athena_gate import check_sql, run_gate

STG = "{{ ref('stg_raw__transactions') }}"
PLANTED = {
    "planted_cast_operator": f"select amount::integer as amount from {STG}",
    "planted_qualify": (
        f"select transaction_id from {STG}\n"
        "qualify row_number() over (partition by transaction_id order by ingested_at) = 1"
    ),
    "planted_group_by_all": (f"select provider_id, count(*) as events from {STG} group by all"),
    "planted_exclude": f"select * exclude (amount) from {STG}",
    "planted_read_parquet": "select * from read_parquet('/lake/raw/transactions/*/*.parquet')",
}


@pytest.mark.parametrize("model", sorted(PLANTED))
def test_each_duckdb_only_construct_is_refused(model: str) -> None:
    sql = PLANTED[model].replace(STG, "t")
    assert check_sql(sql), sql


def test_portable_sql_passes() -> None:
    assert (
        check_sql("select cast(amount as integer) as amount, approx_percentile(x, 0.5) from t")
        == []
    )


@pytest.mark.dbt
@pytest.mark.slow
def test_gate_fails_on_planted_models_and_passes_every_project_model(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for part in ("dbt_project.yml", "profiles", "models", "macros", "seeds", "tests/dbt"):
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            project.mkdir(exist_ok=True)
            shutil.copy(source, project / part)
    for name, sql in PLANTED.items():
        (project / "models" / "marts" / f"{name}.sql").write_text(sql + "\n")

    problems = run_gate(project)

    failing = {problem.model for problem in problems}
    assert failing == set(PLANTED), [str(p) for p in problems]

"""The daily state machine: its steps in order, retries with backoff, the failure path, and
the schedule in America/Bogota; the Glue 5 job and the batch container."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from infra.stacks.batch import pipeline_stages
from puntored.pipeline import daily_stages
from puntored.settings import Settings
from tests.infra.cfn import joined, only, properties, state_machine_definition

pytestmark = pytest.mark.infra

ORDER = [
    "ResolveDay",
    "Migrate",
    "Land",
    "Transform",
    "Sync",
    "Reports",
    "Reconcile",
    "Freshness",
    "DayDone",
]


@pytest.fixture(scope="module")
def batch(templates: dict[str, Any]) -> dict[str, Any]:
    return templates["puntored-prod-batch"]


@pytest.fixture(scope="module")
def definition(batch: dict[str, Any]) -> dict[str, Any]:
    return state_machine_definition(batch)


def _path(definition: dict[str, Any]) -> list[str]:
    states, name, path = definition["States"], definition["StartAt"], []
    while name:
        path.append(name)
        name = states[name].get("Next")
    return path


def test_the_day_runs_land_then_dbt_then_sync_reports_freshness(definition) -> None:
    assert definition["QueryLanguage"] == "JSONata"
    assert _path(definition) == ORDER
    states = definition["States"]
    assert states["Land"]["Resource"].endswith(":states:::glue:startJobRun.sync")
    assert states["Land"]["Arguments"]["Arguments"] == {
        "--from_date": "{% $states.input.date %}",
        "--to_date": "{% $states.input.date %}",
    }
    commands = {
        name: states[name]["Arguments"]["Overrides"]["ContainerOverrides"][0]["Command"]
        for name in ("Migrate", "Transform", "Sync", "Reports", "Reconcile", "Freshness")
    }
    assert commands == {
        "Migrate": ["puntored", "db", "upgrade"],
        "Transform": ["puntored", "transform"],
        "Sync": ["puntored", "sync"],
        "Reports": ["puntored", "reports", "--date", "{% $states.input.date %}"],
        "Reconcile": ["puntored", "reconcile", "--date", "{% $states.input.date %}"],
        "Freshness": ["puntored", "freshness", "--date", "{% $states.input.date %}"],
    }
    for name in commands:
        assert states[name]["Resource"].endswith(":states:::ecs:runTask.sync")
        assert states[name]["Arguments"]["LaunchType"] == "FARGATE"


def test_the_day_defaults_to_yesterday_in_bogota(definition) -> None:
    expression = definition["States"]["ResolveDay"]["Output"]["date"]
    assert "$states.input.date" in expression  # a backfill names its day
    assert "'-0500'" in expression and "86400000" in expression


def test_every_step_retries_with_backoff_and_fails_into_the_notification(definition) -> None:
    states = definition["States"]
    for name in ORDER[1:-1]:
        retries = states[name]["Retry"]
        assert {e for r in retries for e in r["ErrorEquals"]} >= {
            "States.TaskFailed",
            "States.Timeout",
        }
        assert all(r["BackoffRate"] >= 2 and r["MaxAttempts"] >= 1 for r in retries)
        (catch,) = states[name]["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"] and catch["Next"] == "RecordStageFailed"
        assert catch["Output"]["stage"] in pipeline_stages()
        # a bound on every step: the task's own, or Glue's job-run timeout (minutes)
        assert "TimeoutSeconds" in states[name] or "Timeout" in states[name]["Arguments"]
    assert [catch["Output"]["stage"] for n in ORDER[1:-1] for catch in states[n]["Catch"]] == list(
        pipeline_stages()
    )
    record, notify = states["RecordStageFailed"], states["NotifyFailure"]
    assert record["Resource"].endswith(":states:::aws-sdk:cloudwatch:putMetricData")
    assert record["Arguments"]["MetricData"][0]["MetricName"] == "StageFailed"
    assert record["Next"] == "NotifyFailure" and record["Catch"][0]["Next"] == "NotifyFailure"
    assert notify["Resource"].endswith(":states:::sns:publish")
    assert notify["Next"] == "DayFailed" and states["DayFailed"]["Type"] == "Fail"


def test_the_schedule_starts_the_state_machine_daily_in_bogota(batch) -> None:
    schedule = only(batch, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpressionTimezone"] == "America/Bogota"
    assert schedule["ScheduleExpression"].startswith("cron(")
    assert schedule["Target"]["Arn"] == {"Ref": next(
        k for k, r in batch["Resources"].items() if r["Type"] == "AWS::StepFunctions::StateMachine"
    )}  # fmt: skip
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 2


def test_the_state_machine_logs_and_traces(batch) -> None:
    machine = only(batch, "AWS::StepFunctions::StateMachine")
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ERROR"


def test_the_glue_job_is_glue_5_with_the_package_zip_and_its_own_bookmark(batch) -> None:
    job = only(batch, "AWS::Glue::Job")
    assert job["GlueVersion"] == "5.0"
    assert job["Command"]["Name"] == "glueetl"
    assert joined(job["Command"]["ScriptLocation"]).endswith(".py")
    arguments = {k: joined(v) for k, v in job["DefaultArguments"].items()}
    assert arguments["--extra-py-files"].endswith(".zip")
    assert arguments["--job-bookmark-option"] == "job-bookmark-disable"
    assert arguments["--state_uri"].endswith("/_state")
    assert {"--landing_uri", "--lake_uri"} <= set(arguments)
    assert arguments["--glue_database"].endswith("_raw")  # where publish switches partitions
    assert job["ExecutionProperty"]["MaxConcurrentRuns"] == 1
    assert "SecurityConfiguration" in job


def test_the_batch_container_runs_read_only_with_the_secret_injected(batch) -> None:
    (task,) = properties(batch, "AWS::ECS::TaskDefinition")
    (container,) = task["ContainerDefinitions"]
    assert container["ReadonlyRootFilesystem"] is True
    assert [s["Name"] for s in container["Secrets"]] == ["PUNTORED_DATABASE_SECRET"]
    environment = {e["Name"]: joined(e["Value"]) for e in container["Environment"]}
    assert environment["PUNTORED_MODE"] == "aws"
    assert environment["PUNTORED_ATHENA_S3_DATA_DIR"].endswith("/marts/")
    assert {m["ContainerPath"] for m in container["MountPoints"]} == {
        "/app/target",
        "/app/logs",
        "/tmp",
    }


def test_the_state_machine_runs_the_stages_of_puntored_daily_in_its_order(tmp_path) -> None:
    local = Settings(data_dir=tmp_path)
    assert pipeline_stages() == tuple(s.name for s in daily_stages(local, date(2026, 11, 30)))

"""Alarms (operations and business, on the TEAM.md metric names) and the dashboard."""

from __future__ import annotations

from typing import Any

import pytest

from infra.environments import PROD
from infra.stacks.batch import pipeline_stages
from tests.infra.cfn import only, properties

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def alarms(templates: dict[str, Any]) -> dict[str, dict[str, Any]]:
    template = templates["puntored-prod-observability"]
    return {a["AlarmName"]: a for a in properties(template, "AWS::CloudWatch::Alarm")}


def _topic(alarm: dict[str, Any]) -> str:
    (action,) = alarm["AlarmActions"]
    return str(action["Fn::ImportValue"])


def test_every_operations_alarm_is_present_and_notifies(alarms) -> None:
    names = {name.removeprefix("puntored-prod-") for name in alarms}
    assert names >= {
        "daily-run-failed",
        "daily-run-timed-out",
        "marts-stale",
        "processor-errors",
        "processor-iterator-age",
        "processor-dead-letters",
        "flink-downtime",
        "api-5xx",
        "api-elb-5xx",
        "api-latency-p99",
        "api-unhealthy-tasks",
        "database-free-storage-low",
        *(f"stage-failed-{stage}" for stage in pipeline_stages()),
    }
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"], name
        expected = "AlertsTopic" if "transaction" in name else "OperationsTopic"
        assert expected in _topic(alarm), name


def test_pipeline_metrics_use_the_team_contract(alarms) -> None:
    stale = alarms["puntored-prod-marts-stale"]
    assert (stale["Namespace"], stale["MetricName"]) == ("PuntoRed/Pipeline", "FreshnessLagHours")
    assert stale["TreatMissingData"] == "breaching"  # no report is stale too
    # One report per daily run: a day-long period, so the hours between runs are not "missing".
    assert (stale["Period"], stale["EvaluationPeriods"]) == (86400, 1)
    assert stale["Threshold"] == PROD.freshness_max_lag_hours
    failed = alarms["puntored-prod-stage-failed-transform"]
    assert (failed["Namespace"], failed["MetricName"]) == ("PuntoRed/Pipeline", "StageFailed")
    assert failed["Dimensions"] == [{"Name": "Stage", "Value": "transform"}]


def test_business_alarms_on_the_realtime_metrics(alarms) -> None:
    volume = alarms["puntored-prod-transactions-per-minute-high"]
    assert (volume["Namespace"], volume["MetricName"], volume["Period"]) == (
        "PuntoRed/Realtime",
        "Transactions",
        60,
    )
    assert volume["Threshold"] == PROD.transactions_per_minute_threshold
    assert volume["ComparisonOperator"] == "GreaterThanThreshold"
    high_value = alarms["puntored-prod-high-value-transaction"]
    assert (high_value["Namespace"], high_value["MetricName"]) == (
        "PuntoRed/Realtime",
        "HighValueTransactions",
    )
    assert high_value["Threshold"] == 1
    assert high_value["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_processor_alarms_watch_errors_and_iterator_age(alarms) -> None:
    age = alarms["puntored-prod-processor-iterator-age"]
    assert (age["Namespace"], age["MetricName"], age["Statistic"]) == (
        "AWS/Lambda",
        "IteratorAge",
        "Maximum",
    )
    assert age["Threshold"] == PROD.iterator_age_threshold_seconds * 1000
    errors = alarms["puntored-prod-processor-errors"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/Lambda", "Errors")


def test_a_dashboard_per_stage(templates) -> None:
    for stage in ("dev", "prod"):
        dashboard = only(templates[f"puntored-{stage}-observability"], "AWS::CloudWatch::Dashboard")
        assert dashboard["DashboardName"] == f"puntored-{stage}-overview"

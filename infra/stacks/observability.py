"""Alarms and the dashboard: operations alarms to the operations topic, business to alerts.

Operations: the daily run failed or timed out, a stage failed (``PuntoRed/Pipeline
StageFailed{Stage}``), the marts are stale (``FreshnessLagHours``; no data counts as stale),
the processor errors / falls behind (iterator age) / dead-letters, Flink is down, the API
returns 5xx or is slow, the database runs out of storage. Business (``PuntoRed/Realtime``):
transactions per minute above the threshold, any single high-value transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from infra.environments import StageConfig
from infra.stacks.batch import BatchStack
from infra.stacks.database import DatabaseStack
from infra.stacks.runtime import PIPELINE_METRICS_NAMESPACE, REALTIME_METRICS_NAMESPACE
from infra.stacks.serving import ServingStack
from infra.stacks.storage import StorageStack
from infra.stacks.streaming import StreamingStack

GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)


@dataclass(frozen=True)
class Watched:
    """What the alarms look at, passed as constructs (never looked up by name)."""

    storage: StorageStack
    database: DatabaseStack
    batch: BatchStack
    streaming: StreamingStack
    serving: ServingStack


class ObservabilityStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        watched: Watched,
        pipeline_stages: tuple[str, ...],
        **kwargs,
    ):
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.operations = actions.SnsAction(watched.storage.operations_topic)
        self.business = actions.SnsAction(watched.storage.alerts_topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self._pipeline_alarms(watched.batch, pipeline_stages)
        self._realtime_alarms(watched.streaming)
        self._api_alarms(watched.serving)
        self._database_alarms(watched.database)
        self._business_alarms()
        self.dashboard = self._dashboard(watched)

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = GTE,
        *,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        periods: int = 1,
        topic: actions.SnsAction | None = None,
        description: str,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self.config.prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(topic or self.operations)
        self.alarms[name] = alarm
        return alarm

    def _pipeline_alarms(self, batch: BatchStack, stages: tuple[str, ...]) -> None:
        machine = batch.state_machine
        self._alarm(
            "daily-run-failed",
            machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
            1,
            description="The daily state machine failed: see the notification and its history",
        )
        self._alarm(
            "daily-run-timed-out",
            machine.metric_timed_out(period=FIVE_MINUTES, statistic="Sum"),
            1,
            description="The daily state machine hit its 6 h timeout",
        )
        for stage in stages:
            self._alarm(
                f"stage-failed-{stage}",
                cloudwatch.Metric(
                    namespace=PIPELINE_METRICS_NAMESPACE,
                    metric_name="StageFailed",
                    dimensions_map={"Stage": stage},
                    statistic="Sum",
                    period=FIVE_MINUTES,
                ),
                1,
                description=f"Batch stage '{stage}' failed (after its retries)",
            )
        self._alarm(
            "marts-stale",
            cloudwatch.Metric(
                namespace=PIPELINE_METRICS_NAMESPACE,
                metric_name="FreshnessLagHours",
                statistic="Maximum",
                # `puntored freshness` reports once per daily run: judge each day as a whole.
                period=cdk.Duration.days(1),
            ),
            self.config.freshness_max_lag_hours,
            GT,
            # A day without a freshness report (the daily run never got there) is stale too.
            missing=cloudwatch.TreatMissingData.BREACHING,
            periods=1,
            description="The newest landed day is older than expected (or nothing reported)",
        )

    def _realtime_alarms(self, streaming: StreamingStack) -> None:
        function = streaming.processor
        self._alarm(
            "processor-errors",
            function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            1,
            description="The stream processor Lambda raised errors",
        )
        self._alarm(
            "processor-iterator-age",
            function.metric(
                "IteratorAge", period=MINUTE, statistic="Maximum", unit=cloudwatch.Unit.MILLISECONDS
            ),
            self.config.iterator_age_threshold_seconds * 1000,
            GT,
            periods=5,
            description="The processor falls behind the window-results stream",
        )
        self._alarm(
            "processor-dead-letters",
            streaming.dead_letters.metric_approximate_number_of_messages_visible(
                period=FIVE_MINUTES, statistic="Maximum"
            ),
            1,
            description="Window-result batches gave up after retries: replay from the DLQ",
        )
        self._alarm(
            "flink-downtime",
            cloudwatch.Metric(
                namespace="AWS/KinesisAnalytics",
                metric_name="downtime",
                dimensions_map={"Application": streaming.flink_app.ref},
                statistic="Maximum",
                period=MINUTE,
            ),
            0,
            GT,
            periods=3,
            description="The Managed Flink application is not running its job",
        )
        self._alarm(
            "flink-input-behind",
            streaming.transactions.metric_get_records_iterator_age_milliseconds(
                period=MINUTE, statistic="Maximum"
            ),
            self.config.iterator_age_threshold_seconds * 1000,
            GT,
            periods=5,
            description="Flink reads the transactions stream far behind its tip",
        )

    def _api_alarms(self, serving: ServingStack) -> None:
        target = serving.target_group.metrics
        self._alarm(
            "api-5xx",
            target.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MINUTES, statistic="Sum"
            ),
            5,
            description="The provider API answers 5xx",
        )
        self._alarm(
            "api-elb-5xx",
            serving.load_balancer.metrics.http_code_elb(
                elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MINUTES, statistic="Sum"
            ),
            5,
            description="The load balancer answers 5xx (no healthy task?)",
        )
        self._alarm(
            "api-latency-p99",
            target.target_response_time(period=FIVE_MINUTES, statistic="p99"),
            self.config.api_latency_p99_seconds,
            GT,
            periods=3,
            description="The provider API's p99 latency is above its objective",
        )
        self._alarm(
            "api-unhealthy-tasks",
            target.unhealthy_host_count(period=MINUTE, statistic="Maximum"),
            1,
            periods=3,
            description="API tasks fail the /health check",
        )

    def _database_alarms(self, database: DatabaseStack) -> None:
        self._alarm(
            "database-free-storage-low",
            database.instance.metric_free_storage_space(period=FIVE_MINUTES, statistic="Minimum"),
            2 * 1024**3,
            LT,
            description="Less than 2 GiB free on the serving database",
        )

    def _business_alarms(self) -> None:
        def realtime(metric_name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=REALTIME_METRICS_NAMESPACE,
                metric_name=metric_name,
                statistic="Sum",
                period=MINUTE,
            )

        self._alarm(
            "transactions-per-minute-high",
            realtime("Transactions"),
            self.config.transactions_per_minute_threshold,
            GT,
            topic=self.business,
            description="Transactions per minute above the threshold (volume spike)",
        )
        self._alarm(
            "high-value-transaction",
            realtime("HighValueTransactions"),
            1,
            topic=self.business,
            description="A single transaction above its product's amount threshold",
        )

    def _dashboard(self, watched: Watched) -> cloudwatch.Dashboard:
        def graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8)

        machine = watched.batch.state_machine
        function = watched.streaming.processor
        target = watched.serving.target_group.metrics
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{self.config.prefix}-overview"
        )
        dashboard.add_widgets(
            graph("Daily runs", machine.metric_succeeded(), machine.metric_failed()),
            graph(
                "Freshness lag (h)",
                cloudwatch.Metric(
                    namespace=PIPELINE_METRICS_NAMESPACE,
                    metric_name="FreshnessLagHours",
                    statistic="Maximum",
                    period=cdk.Duration.hours(1),
                ),
            ),
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=8
            ),
        )
        dashboard.add_widgets(
            graph(
                "Realtime transactions / min",
                *(
                    cloudwatch.Metric(
                        namespace=REALTIME_METRICS_NAMESPACE,
                        metric_name=name,
                        statistic="Sum",
                        period=MINUTE,
                    )
                    for name in ("Transactions", "HighValueTransactions", "AlertsOpened")
                ),
            ),
            graph(
                "Processor",
                function.metric_invocations(),
                function.metric_errors(),
                function.metric("IteratorAge", statistic="Maximum"),
            ),
            graph(
                "API",
                target.request_count(),
                target.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT),
                target.target_response_time(statistic="p99"),
            ),
        )
        dashboard.add_widgets(
            graph(
                "Serving database",
                watched.database.instance.metric_cpu_utilization(),
                watched.database.instance.metric_database_connections(),
            ),
        )
        return dashboard

"""The Managed Flink application's runtime properties, as the job reads them at start
(``/etc/flink/application_properties.json``), rendered for one stage.

The CDK stack (``infra/stacks/streaming.py``) puts the same property groups into the
application's ``EnvironmentProperties`` with the streams' ARNs as CloudFormation references;
this renders them with concrete ARNs, for a review before a deploy, for
``aws kinesisanalyticsv2 update-application`` by hand, or to run the job's ``--print-sql``
against the deployed profile::

    python -m infra.flink_properties --stage prod --account 123456789012
    # -> dist/puntored-prod-application_properties.json
    python dist/…/main.py --properties dist/puntored-prod-application_properties.json --print-sql

``streaming/flink_job/application_properties.json`` is the committed sample: this rendering
for ``SAMPLE_ACCOUNT`` and the sample stream names (tests keep it in step).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from infra import artifacts
from infra.environments import STAGES, StageConfig, stage_config
from puntored.streaming.flink_job.config import prod_property_groups

SAMPLE_ACCOUNT = "123456789012"
SAMPLE_STREAMS = ("puntored-transactions", "puntored-window-results")
SAMPLE = artifacts.PROJECT_ROOT / "streaming" / "flink_job" / "application_properties.json"


def stream_names(config: StageConfig) -> tuple[str, str]:
    """(transactions in, window results out): the stack names its streams so."""
    return f"{config.prefix}-transactions", f"{config.prefix}-window-results"


def render(region: str, account: str, streams: tuple[str, str]) -> list[dict[str, Any]]:
    source, sink = (f"arn:aws:kinesis:{region}:{account}:stream/{name}" for name in streams)
    return prod_property_groups(
        source,
        sink,
        region,
        python_main=artifacts.FLINK_MAIN,
        jarfile=artifacts.FLINK_CONNECTOR_JAR,
        py_files=artifacts.FLINK_PY_FILES,
    )


def stage_properties(config: StageConfig, account: str) -> list[dict[str, Any]]:
    return render(config.region, account, stream_names(config))


def sample_properties() -> list[dict[str, Any]]:
    return render("us-east-1", SAMPLE_ACCOUNT, SAMPLE_STREAMS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a stage's application_properties.json")
    parser.add_argument("--stage", choices=STAGES)
    parser.add_argument("--account", help="the stage's AWS account id")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--sample", action="store_true", help="rewrite the committed sample")
    arguments = parser.parse_args(argv)
    if arguments.sample:
        SAMPLE.write_text(json.dumps(sample_properties(), indent=2) + "\n")
        print(SAMPLE)
        return 0
    if not (arguments.stage and arguments.account):
        parser.error("--stage and --account are required (or --sample)")
    config = stage_config(arguments.stage)
    output = arguments.output or artifacts.DIST / f"{config.prefix}-application_properties.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(stage_properties(config, arguments.account), indent=2) + "\n")
    print(output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

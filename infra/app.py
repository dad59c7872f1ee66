"""The CDK app: every stack of every stage. ``python -m infra.app`` writes ``infra/cdk.out``.

python -m infra.app                 # all stages (what ``make infra`` and CI synthesize)
python -m infra.app --stage prod    # one stage
cdk deploy --app "python -m infra.app --stage prod" --all   # see docs/deploy.md
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable
from pathlib import Path

import aws_cdk as cdk

from infra.environments import STAGES, stage_config
from infra.stacks.batch import BatchStack, pipeline_stages
from infra.stacks.database import DatabaseStack
from infra.stacks.network import NetworkStack
from infra.stacks.observability import ObservabilityStack, Watched
from infra.stacks.serving import ServingStack
from infra.stacks.storage import StorageStack
from infra.stacks.streaming import StreamingStack

INFRA_DIR = Path(__file__).resolve().parent
CDK_OUT = INFRA_DIR / "cdk.out"
CDK_JSON = INFRA_DIR / "cdk.json"  # feature flags and per-stage context, for cdk and for us


def add_stage(app: cdk.App, stage: str) -> dict[str, cdk.Stack]:
    """The stacks of one stage, in deploy order, wired by typed references."""
    config = stage_config(stage, _context(app, stage))
    env = cdk.Environment(account=config.account, region=config.region)
    prefix = config.prefix
    storage = StorageStack(app, f"{prefix}-storage", config=config, env=env)
    network = NetworkStack(app, f"{prefix}-network", config=config, key=storage.key, env=env)
    database = DatabaseStack(
        app, f"{prefix}-database", config=config, vpc=network.vpc, key=storage.key, env=env
    )
    vpc = network.vpc
    batch = BatchStack(
        app, f"{prefix}-batch", config=config, storage=storage, vpc=vpc, database=database, env=env
    )
    streaming = StreamingStack(
        app, f"{prefix}-streaming", config=config, storage=storage, vpc=vpc, database=database,
        env=env,
    )  # fmt: skip
    serving = ServingStack(
        app, f"{prefix}-serving", config=config, storage=storage, vpc=vpc, database=database,
        env=env,
    )  # fmt: skip
    observability = ObservabilityStack(
        app,
        f"{prefix}-observability",
        config=config,
        watched=Watched(storage, database, batch, streaming, serving),
        pipeline_stages=pipeline_stages(),
        env=env,
    )
    stacks: dict[str, cdk.Stack] = {
        "storage": storage,
        "network": network,
        "database": database,
        "batch": batch,
        "streaming": streaming,
        "serving": serving,
        "observability": observability,
    }
    for stack in stacks.values():
        cdk.Tags.of(stack).add("project", "puntored-analytics")
        cdk.Tags.of(stack).add("stage", config.stage)
    return stacks


def _context(app: cdk.App, stage: str) -> dict[str, str]:
    keys = (f"{stage}:account", f"{stage}:region", f"{stage}:alarm_email")
    return {key: str(value) for key in keys if (value := app.node.try_get_context(key))}


def build_app(stages: Iterable[str] = STAGES, outdir: Path | None = None) -> cdk.App:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    context = json.loads(CDK_JSON.read_text())["context"]
    app = cdk.App(outdir=str(outdir or CDK_OUT), context=context)
    for stage in stages:
        add_stage(app, stage)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Synthesize the PuntoRed CDK app")
    parser.add_argument("--stage", choices=STAGES, action="append", help="default: every stage")
    parser.add_argument("--outdir", type=Path, default=None)
    args = parser.parse_args(argv)
    # `cdk` passes its own output folder in CDK_OUTDIR; App() reads it when outdir is None.
    outdir = args.outdir or (None if os.environ.get("CDK_OUTDIR") else CDK_OUT)
    assembly = build_app(args.stage or STAGES, outdir).synth()
    for stack in assembly.stacks:
        print(f"{stack.stack_name}: {Path(assembly.directory) / stack.template_file}")


if __name__ == "__main__":
    main()

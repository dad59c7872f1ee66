"""One synthesis of the whole CDK app per test session (~40 s), shared by every infra test.

The deployable zips must exist (``make package``, which ``make test`` runs first): the app
turns them into assets, exactly as ``make infra`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Before aws_cdk is imported: jsii prints Node.js version banners otherwise.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk.assertions import Template

from infra import artifacts
from infra.app import build_app

ZIPS = (artifacts.GLUE_LIBRARY_ZIP, artifacts.PROCESSOR_ZIP, artifacts.FLINK_APP_ZIP)


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Any:
    missing = [str(z.relative_to(artifacts.PROJECT_ROOT)) for z in ZIPS if not z.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make package` first")
    return build_app(outdir=tmp_path_factory.mktemp("cdk.out")).synth()


@pytest.fixture(scope="session")
def templates(assembly: Any) -> dict[str, dict[str, Any]]:
    """Stack name -> the synthesized CloudFormation template (a dict)."""
    return {stack.stack_name: stack.template for stack in assembly.stacks}


@pytest.fixture(scope="session")
def template(templates: dict[str, dict[str, Any]]) -> Callable[[str], Template]:
    """``template("prod-storage")``: the assertions view of one stack."""
    cache: dict[str, Template] = {}

    def get(name: str) -> Template:
        if name not in cache:
            cache[name] = Template.from_json(templates[f"puntored-{name}"])
        return cache[name]

    return get


@pytest.fixture(scope="session")
def cdk_out(assembly: Any) -> Path:
    return Path(assembly.directory)

"""The deployable artefacts: zips, the connector pom, the Dockerfiles (no synthesis needed)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pytest

from infra import artifacts, flink_properties, packaging
from puntored.streaming.flink_job.config import parse_config, prod_property_groups

POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def test_the_glue_library_holds_the_package_its_parts_and_the_seeds(tmp_path: Path) -> None:
    built = packaging.build_glue_library(tmp_path / "glue.zip")
    names = set(zipfile.ZipFile(built).namelist())
    assert {
        "puntored/contract/transaction.py",
        "puntored/glue/landing/run.py",  # the part, through the puntored/glue link
        "puntored/settings.py",
        "seeds/providers.csv",
    } <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_the_glue_job_reads_its_reference_data_from_inside_the_zip(tmp_path: Path) -> None:
    # On Glue the zip itself is on sys.path (--extra-py-files): no checkout, no seeds folder.
    built = packaging.build_glue_library(tmp_path / "glue.zip")
    probe = (
        "import puntored.reference.load as m; assert '.zip' in m.__file__, m.__file__; "
        "r = m.load_reference(); print(len(r.providers), len(r.products), len(r.clients))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(built)}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    from puntored.reference.load import load_reference

    local = load_reference()
    assert done.stdout.split() == [
        str(len(local.providers)), str(len(local.products)), str(len(local.clients))
    ]  # fmt: skip


def test_zips_are_reproducible(tmp_path: Path) -> None:
    first = packaging.build_glue_library(tmp_path / "a.zip").read_bytes()
    second = packaging.build_glue_library(tmp_path / "b.zip").read_bytes()
    assert first == second


def test_the_lambda_dependencies_are_the_pyproject_pins() -> None:
    requirements = packaging.pinned_requirements()
    assert all("==" in r for r in requirements)
    assert any(r.startswith("psycopg[binary]==") for r in requirements)  # libpq inside
    pyproject = (artifacts.PROJECT_ROOT / "pyproject.toml").read_text()
    assert all(f'"{r}"' in pyproject for r in requirements)


def test_unknown_dependency_names_fail_clearly() -> None:
    with pytest.raises(
        packaging.PackagingError, match=r"not pinned with == in pyproject\.toml: nope"
    ):
        packaging.pinned_requirements(["nope"])


def test_the_lambda_zip_holds_the_handler_and_linux_wheels() -> None:
    # Built by `make package` (pip install --target ... --platform manylinux2014_x86_64).
    names = set(zipfile.ZipFile(artifacts.PROCESSOR_ZIP).namelist())
    module = artifacts.PROCESSOR_HANDLER.rsplit(".", 1)[0].replace(".", "/") + ".py"
    assert module in names
    assert "sqlalchemy/__init__.py" in names and "pydantic_core/__init__.py" in names
    assert any(n.startswith("psycopg_binary/") for n in names)
    assert any(n.endswith("x86_64-linux-gnu.so") for n in names)


def test_the_lambda_handler_imports_from_the_zip_alone(tmp_path: Path) -> None:
    # `python -S`: no site-packages, no editable install: only what the zip carries (its
    # manylinux x86_64 cp311 wheels load on this x86_64 Linux, as on Lambda).
    zipfile.ZipFile(artifacts.PROCESSOR_ZIP).extractall(tmp_path)
    module, function = artifacts.PROCESSOR_HANDLER.rsplit(".", 1)
    probe = f"import {module} as m, sqlalchemy, psycopg; print(callable(m.{function}))"
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


def test_the_flink_zip_refuses_to_ship_without_the_connector_jar(tmp_path: Path) -> None:
    if artifacts.FLINK_CONNECTORS_BUILT_JAR.exists():
        pytest.skip("the connector jar is built here")  # only where Maven reached Central
    with pytest.raises(packaging.PackagingError, match=r"mvn -f .*pom\.xml package"):
        packaging.build_flink_app(tmp_path / "flink.zip", allow_missing_jar=False)
    built = packaging.build_flink_app(tmp_path / "flink.zip", allow_missing_jar=True)
    names = set(zipfile.ZipFile(built).namelist())
    assert artifacts.FLINK_MAIN in names
    assert f"{artifacts.FLINK_PY_FILES}/puntored/contract/flink.py" in names
    # As Managed Flink runs it: the extracted zip, the `python` entry as a script, the package
    # importable only through the `pyFiles` folder; --print-sql renders the prod profile (no
    # pyflink needed for that).
    extracted = tmp_path / "app"
    zipfile.ZipFile(built).extractall(extracted)
    properties = tmp_path / "application_properties.json"
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/"
    groups = prod_property_groups(arn + "in", arn + "out", "us-east-1")
    properties.write_text(json.dumps(groups))
    done = subprocess.run(
        [sys.executable, str(extracted / artifacts.FLINK_MAIN), "--properties", str(properties),
         "--print-sql"],
        cwd=extracted, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(extracted / artifacts.FLINK_PY_FILES)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'connector' = 'kinesis'" in done.stdout and f"'{arn}in'" in done.stdout


def test_the_committed_application_properties_are_the_deployed_prod_profile() -> None:
    committed = json.loads(flink_properties.SAMPLE.read_text())
    assert committed == flink_properties.sample_properties()
    run_options = committed[0]["PropertyMap"]
    assert run_options == {
        "python": artifacts.FLINK_MAIN,  # where the Flink zip holds them
        "jarfile": artifacts.FLINK_CONNECTOR_JAR,
        "pyFiles": artifacts.FLINK_PY_FILES,
    }


def test_a_stage_renders_its_application_properties_with_concrete_arns(tmp_path: Path) -> None:
    output = tmp_path / "properties.json"
    assert flink_properties.main(["--stage", "prod", "--account", "210987654321",
                                  "--output", str(output)]) == 0  # fmt: skip
    groups = json.loads(output.read_text())
    parsed = parse_config({g["PropertyGroupId"]: g["PropertyMap"] for g in groups})
    assert parsed.profile == "prod"
    assert parsed.source["stream.arn"] == (
        "arn:aws:kinesis:us-east-1:210987654321:stream/puntored-prod-transactions"
    )
    assert groups[0] == flink_properties.sample_properties()[0]  # same run options


def test_the_pom_shades_the_kinesis_sql_connector_into_the_named_jar() -> None:
    root = ElementTree.parse(artifacts.FLINK_CONNECTORS_POM).getroot()
    dependencies = {
        (d.findtext("m:groupId", namespaces=POM_NS), d.findtext("m:artifactId", namespaces=POM_NS))
        for d in root.iterfind("m:dependencies/m:dependency", POM_NS)
    }
    assert ("org.apache.flink", "flink-sql-connector-aws-kinesis-streams") in dependencies
    plugins = {
        p.findtext("m:artifactId", namespaces=POM_NS): p
        for p in root.iterfind("m:build/m:plugins/m:plugin", POM_NS)
    }
    assert "maven-shade-plugin" in plugins
    final_name = root.findtext("m:build/m:finalName", namespaces=POM_NS)
    assert f"lib/{final_name}.jar" == artifacts.FLINK_CONNECTOR_JAR
    versions = root.find("m:properties", POM_NS)
    assert versions is not None
    assert versions.findtext("m:flink.version", namespaces=POM_NS) == "2.3.0"  # the local one
    for dependency in root.iterfind("m:dependencies/m:dependency", POM_NS):
        assert dependency.findtext("m:version", namespaces=POM_NS)  # every version pinned


@pytest.mark.parametrize("dockerfile", [artifacts.API_DOCKERFILE, artifacts.BATCH_DOCKERFILE])
def test_dockerfiles_pin_the_base_and_run_as_non_root(dockerfile: str) -> None:
    lines = (artifacts.DOCKER_CONTEXT / dockerfile).read_text().splitlines()
    (base,) = [line for line in lines if line.startswith("FROM ")]
    image, tag = base.removeprefix("FROM ").split(":")
    assert image == "python" and tag.startswith("3.11.") and tag.count(".") >= 2  # full version
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] != "USER root" and not users[-1].startswith("USER 0")
    assert not any(tool in line for line in lines for tool in ("curl ", "wget ", "ADD http"))
    for copied in (line.split()[1] for line in lines if line.startswith("COPY ")):
        assert (artifacts.DOCKER_CONTEXT / copied).exists(), copied


def test_the_docker_context_sends_only_what_the_images_copy() -> None:
    ignore = (artifacts.DOCKER_CONTEXT / ".dockerignore").read_text().splitlines()
    assert "*" in ignore  # deny by default, then allow what the images copy
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for dockerfile in (artifacts.API_DOCKERFILE, artifacts.BATCH_DOCKERFILE):
        lines = (artifacts.DOCKER_CONTEXT / dockerfile).read_text().splitlines()
        copied = {line.split()[1].rstrip("/") for line in lines if line.startswith("COPY ")}
        assert copied <= allowed, copied - allowed

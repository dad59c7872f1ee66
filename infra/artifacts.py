"""What the stacks deploy and where the packaging writes it: one name per artefact.

``make package`` (``python -m infra.packaging``) builds the zips under ``dist/`` (git-ignored);
the CDK app turns them into assets. The container images are built by ``cdk deploy`` from the
Dockerfiles below, with the repository root as context (``.dockerignore`` keeps it small).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DIST = PROJECT_ROOT / "dist"

GLUE_SCRIPT = PROJECT_ROOT / "glue" / "land_transactions.py"
GLUE_LIBRARY_ZIP = DIST / "puntored-glue.zip"  # --extra-py-files: puntored (with glue) + seeds/
PROCESSOR_ZIP = DIST / "stream-processor.zip"  # the Lambda: puntored + its dependencies
FLINK_APP_ZIP = DIST / "flink-app.zip"  # Managed Flink: the PyFlink job + connector jar

# Names the deployed code is reached by (the installed namespace, TEAM.md "Layout").
PROCESSOR_HANDLER = "puntored.streaming.processor.lambda_handler.handler"
# The Flink zip holds the package under python/ (a folder: Flink's pyFiles puts it on
# PYTHONPATH, and the job reads its SQL templates as files beside its modules).
FLINK_PY_FILES = "python"
FLINK_MAIN = f"{FLINK_PY_FILES}/puntored/streaming/flink_job/main.py"
FLINK_CONNECTOR_JAR = "lib/puntored-flink-connectors.jar"  # inside the Flink zip
FLINK_CONNECTORS_POM = PROJECT_ROOT / "infra" / "flink-connectors" / "pom.xml"
FLINK_CONNECTORS_BUILT_JAR = (
    PROJECT_ROOT / "infra" / "flink-connectors" / "target" / "puntored-flink-connectors.jar"
)

DOCKER_CONTEXT = PROJECT_ROOT
API_DOCKERFILE = "infra/docker/api.Dockerfile"  # relative to the context
BATCH_DOCKERFILE = "infra/docker/batch.Dockerfile"

# The Lambda and Glue runtimes run the interpreter the tests run on.
PYTHON_VERSION = "3.11"

# The batch runner: dbt on the athena target, the sync, the reports and the migrations, as
# `puntored <stage>` commands in aws mode (the Step Functions tasks override the command).
# Built by `cdk deploy`; the repository root is the context (.dockerignore). Everything
# installs from PyPI; dbt needs no hub packages (none are used). Lint: `make lint`.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

WORKDIR /app
RUN groupadd --system --gid 10001 puntored \
    && useradd --system --uid 10001 --gid puntored --home-dir /app --no-create-home puntored

COPY pyproject.toml README.md ./
COPY puntored/ puntored/
COPY api/ api/
COPY glue/ glue/
COPY serving/ serving/
COPY streaming/ streaming/
# Editable: the project root stays /app (settings.PROJECT_ROOT: seeds/, the dbt project).
RUN pip install --no-cache-dir --editable .

# The dbt project: models, macros, seeds, profiles and the singular tests.
COPY dbt_project.yml ./
COPY models/ models/
COPY macros/ macros/
COPY seeds/ seeds/
COPY profiles/ profiles/
COPY tests/dbt/ tests/dbt/
# dbt writes target/ and logs/ here: the task mounts scratch volumes on them, since the
# root filesystem is read-only in ECS (infra/stacks/batch.py).
RUN mkdir -p target logs && chown puntored:puntored target logs

USER 10001:10001
# A one-shot task, not a server: no port, no health check (Step Functions waits on its exit).
HEALTHCHECK NONE
ENTRYPOINT []
CMD ["puntored", "--help"]

# The provider API (api/) on uvicorn: built by `cdk deploy` with the repository root as context
# (.dockerignore sends only the package sources). Everything installs from PyPI; nothing is
# downloaded at run time. Lint: `make lint` (hadolint + checkov).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN groupadd --system --gid 10001 puntored \
    && useradd --system --uid 10001 --gid puntored --home-dir /app --no-create-home puntored

# Package metadata first: the dependency layer is rebuilt only when the pins change.
COPY pyproject.toml README.md ./
COPY puntored/ puntored/
COPY api/ api/
COPY glue/ glue/
COPY serving/ serving/
COPY streaming/ streaming/
COPY seeds/ seeds/
# Editable: the project root stays /app (settings.PROJECT_ROOT: seeds/, the dbt project).
RUN pip install --no-cache-dir --editable .

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]
# In the container the API listens on every interface of its own network namespace; the ALB
# security group is the only way in (infra/stacks/serving.py).
CMD ["puntored", "serve", "--host", "0.0.0.0", "--port", "8000"]

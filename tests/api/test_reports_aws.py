"""Report downloads in aws mode, against moto's S3 server: the list and totals read from S3,
the download a short-lived presigned URL that really serves the file; isolation unchanged."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient

from puntored.api.main import create_app
from puntored.api.portal.session import COOKIE_NAME
from puntored.settings import Settings
from puntored.storage import Storage, join
from tests.support.api_seed import build_env
from tests.support.problems import assert_problem

DAY = "2026-03-02"
CSV = b"transaction_id,event_at,amount\nt1,2026-03-02 10:00:00+00,1000.00\n"
GZ = gzip.compress(CSV, mtime=0)
SUMMARY = {"provider_id": "claro", "dt": DAY, "rows": 1, "transactions": 1, "approved": 1,
           "rejected": 0, "failed": 0, "reversed": 0, "gross_amount": "1000.00",
           "reversed_amount": "0.00", "net_amount": "1000.00", "commission": "45.00"}  # fmt: skip


@pytest.fixture
def aws_api(
    aws_settings: Settings, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str], Settings]]:
    """The app in aws mode (reports on moto's S3) over a seeded PostgreSQL database."""
    keys = next(build_env(postgres_url, tmp_path / "seed")).keys
    settings = aws_settings.model_copy(update={"database_url": postgres_url})
    folder = join(settings.reports_location, "provider_id=claro", f"dt={DAY}")
    storage = Storage.from_settings(settings)
    storage.write_bytes(join(folder, "transactions.csv.gz"), GZ)
    storage.write_json(join(folder, "summary.json"), SUMMARY)
    with TestClient(create_app(settings)) as client:
        yield client, keys, settings


@pytest.mark.postgres
def test_aws_mode_lists_from_s3_and_answers_a_presigned_url_that_serves_the_file(
    aws_api: tuple[TestClient, dict[str, str], Settings],
) -> None:
    client, keys, settings = aws_api
    claro = {"X-API-Key": keys["claro"]}
    listing = client.get("/v1/providers/claro/reports", headers=claro)
    assert listing.status_code == 200, listing.text
    (item,) = listing.json()["items"]
    assert item["dt"] == DAY and item["net_amount"] == "1000.00"
    assert item["size_bytes"] == len(GZ)

    answer = client.get(f"/v1/providers/claro/reports/{DAY}", headers=claro)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "private, no-store"
    link = answer.json()
    expires = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=290) < expires - datetime.now(UTC) <= timedelta(seconds=300)
    query = parse_qs(urlparse(link["url"]).query)
    assert query["X-Amz-Expires"] == [str(settings.report_url_ttl_seconds)]
    assert keys["claro"] not in link["url"]
    fetched = httpx.get(link["url"])  # no API key: the signature is the permission
    assert fetched.status_code == 200
    assert gzip.decompress(fetched.content) == CSV
    assert fetched.headers["content-disposition"] == (
        f'attachment; filename="claro-{DAY}-transactions.csv.gz"'
    )

    denied = client.get(
        f"/v1/providers/claro/reports/{DAY}", headers={"X-API-Key": keys["movistar"]}
    )
    assert_problem(denied, 403, "only its own provider")
    assert_problem(client.get("/v1/providers/claro/reports/2026-03-03", headers=claro), 404)

    # The portal sends the browser to the same kind of URL (no key travels with it).
    client.cookies.set(COOKIE_NAME, keys["claro"], path="/portal")
    portal = client.get(f"/portal/providers/claro/reports/{DAY}/download", follow_redirects=False)
    assert portal.status_code == 303
    assert httpx.get(portal.headers["location"]).content == GZ

"""OpenAPI, Swagger UI and ReDoc are served offline: local assets only, and they are served."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from puntored.api.main import create_app
from puntored.settings import Settings

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
JS_URL = re.compile(r"""(?:js_url|url)\s*:\s*['"]([^'"]+)['"]""")


def _client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path)))


def test_docs_pages_reference_only_local_assets_that_are_served(tmp_path: Path) -> None:
    client = _client(tmp_path)
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assets = ASSET.findall(html.text)
        assert assets, page
        assert "http://" not in html.text and "https://" not in html.text, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} links a non-local asset: {asset}"
            served = client.get(asset)
            assert served.status_code == 200, asset
            assert len(served.content) > 1000 or asset.endswith(".png"), asset
        assert "/openapi.json" in html.text
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"]
    assert b"SwaggerUIBundle" in bundle.content
    # Swagger UI 5 is the first major version that reads OpenAPI 3.1 (what FastAPI writes).
    assert re.search(rb'PACKAGE_VERSION:"5\.\d+\.\d+"', bundle.content), "not Swagger UI 5"
    redoc = client.get("/redoc/redoc.standalone.js")
    assert b"Redoc" in redoc.content and len(redoc.content) > 500_000
    # ReDoc asks for its logo beside the page (window.location.pathname + "/logo-mini.svg").
    assert b'window.location.pathname+"/logo-mini.svg"' in redoc.content
    logo = client.get("/redoc/logo-mini.svg")
    assert logo.status_code == 200 and b"<svg" in logo.content
    assert b"cdn.redoc.ly" not in redoc.content and b"cdn.jsdelivr" not in bundle.content


def test_openapi_documents_every_endpoint_with_descriptions_and_examples(tmp_path: Path) -> None:
    schema = _client(tmp_path).get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/v1/providers/{provider_id}/metrics/daily",
        "/v1/providers/{provider_id}/metrics/products",
        "/v1/providers/{provider_id}/metrics/clients",
        "/v1/providers/{provider_id}/realtime",
        "/v1/providers/{provider_id}/realtime/products",
        "/v1/providers/{provider_id}/alerts",
        "/v1/providers/{provider_id}/freshness",
        "/v1/providers/{provider_id}/reports",
        "/v1/providers/{provider_id}/reports/{dt}",
        "/v1/providers/{provider_id}/reports/{dt}/summary",
        "/health",
        "/ready",
        "/metrics",
    ):
        operation = paths[path]["get"]
        assert operation["summary"] and operation["description"], path
        if path.startswith("/v1/"):
            assert operation["security"] == [{"APIKeyHeader": []}]
            for status in ("401", "403", "422", "429"):
                assert "application/problem+json" in operation["responses"][status]["content"]
    daily = paths["/v1/providers/{provider_id}/metrics/daily"]["get"]
    assert "text/csv" in daily["responses"]["200"]["content"]
    assert all(p["schema"].get("examples") for p in daily["parameters"] if p["required"])
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(schema))
    assert refs and set(refs) <= set(schema["components"]["schemas"]), "a $ref points nowhere"
    report = paths["/v1/providers/{provider_id}/reports/{dt}"]["get"]["responses"]["200"]
    assert set(report["content"]) == {"application/gzip", "application/json"}
    money = schema["components"]["schemas"]["DailyRow"]["properties"]["gross_amount"]
    assert money["type"] == "string" and money["examples"]

"""Batch vs realtime reconciliation: a generated day landed, built and synced for real, its
realtime side replayed from the same landing lines through the stream's rules; every
difference is explained by cause, to the cent; the CLI, the daily stage and the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from puntored.api.main import create_app
from puntored.cli.app import app as cli
from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.realtime_store import DayTotals, LateRow, SqlRealtimeStore
from puntored.generator import GenerateOptions, generate_landing
from puntored.glue.landing.local import run_landing
from puntored.pipeline import UnexplainedDifference, reconcile
from puntored.serving.reconcile import reconcile_day, run_reconcile
from puntored.serving.sync import run_sync
from puntored.settings import Settings
from puntored.transform.dbt_runner import run_transform
from tests.support.api_seed import create_keys
from tests.support.problems import assert_problem
from tests.support.stream_replica import replay_landing

pytestmark = [pytest.mark.spark, pytest.mark.dbt, pytest.mark.slow]
DAY = date(2026, 11, 2)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, spark: object) -> Iterator[Settings]:
    """One generated day (default faults), landed with Spark, built with dbt, synced; the
    realtime store filled by the replica of the stream over the same landing lines."""
    root = tmp_path_factory.mktemp("reconcile") / "data"
    settings = Settings(data_dir=root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PUNTORED_DATA_DIR", str(root))
        patch.delenv("PUNTORED_DATABASE_URL", raising=False)
        generate_landing(settings, GenerateOptions(start=DAY, days=1, events_per_day=3000, seed=5))
        upgrade(settings.serving_database_url)
        run_landing(settings, spark=spark)  # type: ignore[arg-type]
        run_transform(settings)
        run_sync(settings)
        windows, late = replay_landing(settings.landing_dir)
        engine = make_engine(settings.serving_database_url)
        with transaction(engine) as session:
            SqlRealtimeStore(session).write(windows, late)
        engine.dispose()
        yield settings


def test_generated_day_has_zero_unexplained_difference(built: Settings) -> None:
    result = run_reconcile(built, DAY)
    assert result.rows and result.unexplained_rows == []
    causes = {cause for row in result.rows for cause in row.explained}
    # the default faults make real differences, and each is accounted for by its cause
    assert "late_beyond_lateness" in causes and "quarantined_in_batch" in causes
    for row in result.rows:
        total = row.realtime.transactions - row.batch.transactions
        assert total == sum(m.transactions for m in row.explained.values())
        net = row.realtime.net_amount - row.batch.net_amount
        assert net == sum(m.net_amount for m in row.explained.values())
    assert "0 unexplained" not in result.summary() and "unexplained" not in result.summary()


def test_cli_table_and_exit_code_on_an_unexplained_difference(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUNTORED_DATA_DIR", str(built.data_dir))
    ok = CliRunner().invoke(cli, ["reconcile", "--date", DAY.isoformat()])
    assert ok.exit_code == 0, ok.output
    assert "reconciliation 2026-11-02" in ok.output and "explained" in ok.output
    # one realtime window that no event explains: the difference is unexplained, exit 1
    engine = make_engine(built.serving_database_url)
    with transaction(engine) as session:
        store = SqlRealtimeStore(session)
        window = next(w for w in replay_landing(built.landing_dir)[0] if w.product_id)
        store.write([replace(window, transactions=window.transactions + 1)], [])
    try:
        bad = CliRunner().invoke(cli, ["reconcile", "--date", DAY.isoformat()])
        assert bad.exit_code == 1
        assert "unexplained" in bad.output
        with pytest.raises(UnexplainedDifference, match=window.provider_id):
            reconcile(built, DAY)
    finally:
        with transaction(engine) as session:
            SqlRealtimeStore(session).write([window], [])
        engine.dispose()
    assert run_reconcile(built, DAY).unexplained_rows == []


def test_reconciliation_endpoint_and_isolation(built: Settings) -> None:
    run_reconcile(built, DAY)
    keys = create_keys(built.serving_database_url)
    with TestClient(create_app(built)) as client:
        url = f"/v1/providers/claro/reconciliation?from={DAY}&to={DAY + timedelta(days=1)}"
        body = client.get(url, headers={"X-API-Key": keys["claro"]}).json()
        assert body["provider_id"] == "claro" and body["items"]
        assert {item["dt"] for item in body["items"]} == {DAY.isoformat()}
        assert all(item["unexplained_net_amount"] == "0.00" for item in body["items"])
        assert all(item["status"] in ("matched", "explained") for item in body["items"])
        denied = client.get(url.replace("claro", "movistar"), headers={"X-API-Key": keys["claro"]})
        assert_problem(denied, 403, "only its own provider")
        admin = client.get(url.replace("claro", "movistar"), headers={"X-API-Key": keys["admin"]})
        assert admin.status_code == 200 and admin.json()["provider_id"] == "movistar"
        assert_problem(client.get(url + "&provider=x", headers={"X-API-Key": keys["claro"]}), 400)
        assert_problem(client.get(url), 401)


class NoRealtime(SqlRealtimeStore):
    """A realtime store that never ran: no windows, no late events."""

    def product_totals(self, start: datetime, end: datetime) -> dict[tuple[str, str], DayTotals]:
        return {}

    def late_transactions(self, start: datetime, end: datetime) -> list[LateRow]:
        return []


def test_a_day_without_realtime_is_explained_as_outside_coverage(built: Settings) -> None:
    engine = make_engine(built.serving_database_url)
    with transaction(engine) as session:
        result = reconcile_day(built, session, NoRealtime(session), DAY)
    engine.dispose()
    assert result.rows and result.unexplained_rows == []
    for row in result.rows:
        assert row.status == "explained" and list(row.explained) == ["outside_realtime_coverage"]
        outside = row.explained["outside_realtime_coverage"]
        assert (outside.transactions, outside.net_amount) == (
            -row.batch.transactions,
            -row.batch.net_amount,
        )

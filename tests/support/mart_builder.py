"""Builds a DuckDB warehouse whose marts have the names, columns and types of
docs/data-contracts.md, with deterministic pseudo-random measures (nulls, negative net amounts,
names with commas, quotes and accents included). Used by the sync tests and benchmarks/sync.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

MEASURES_SQL = """
    transactions, approved, rejected, failed, reversed,
    CAST(CASE WHEN transactions = 0 THEN NULL ELSE approved / transactions END AS DOUBLE)
        AS approval_rate,
    gross_amount, reversed_amount,
    CAST(gross_amount - reversed_amount AS DECIMAL(18,2)) AS net_amount,
    CAST(round((gross_amount - reversed_amount) * 0.035, 2) AS DECIMAL(18,2)) AS commission,
    CAST(CASE WHEN approved = 0 THEN NULL ELSE round(gross_amount / approved, 2) END
        AS DECIMAL(18,2)) AS average_ticket
"""

LATENCY_SQL = """
    CAST(CASE WHEN transactions = 0 THEN NULL ELSE 80 + h % 400 END AS INTEGER) AS latency_p50_ms,
    CAST(CASE WHEN transactions = 0 THEN NULL ELSE 300 + h % 1200 END AS INTEGER)
        AS latency_p95_ms
"""

COUNTS_SQL = """
    SELECT *,
        transactions - rejected - failed AS approved,
        CAST(((h // 7) % 3) AS BIGINT) AS reversed,
        CAST((transactions - rejected - failed) * ((h // 11) % 9000000) / 100.0 AS DECIMAL(18,2))
            AS gross_amount,
        CAST(((h // 7) % 3) * 5000.00 AS DECIMAL(18,2)) AS reversed_amount
    FROM (
        SELECT *,
            least(transactions, CAST((h // 13) % 4 AS BIGINT)) AS rejected,
            least(greatest(transactions - 4, 0), CAST((h // 17) % 2 AS BIGINT)) AS failed
        FROM (SELECT *, CAST(h % 40 AS BIGINT) AS transactions FROM keys)
    )
"""


def build_marts(
    path: Path,
    *,
    days: int = 3,
    providers: int = 3,
    products_per_provider: int = 2,
    clients: int = 5,
    start: date = date(2026, 11, 1),
    schema: str = "main",
    salt: int = 0,
    built_at: datetime | None = None,
    with_built_at: bool = True,
) -> None:
    """Create (or replace) the six marts in ``path``; ``salt`` changes every measure.

    Like a dbt full refresh, every fact row gets ``_built_at`` = ``built_at`` (default: now, in
    milliseconds); ``with_built_at=False`` builds marts from before dbt recorded it.
    """
    stamp = (built_at or datetime.now(UTC)).replace(tzinfo=None).isoformat(timespec="milliseconds")
    connection = duckdb.connect(str(path))
    try:
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        connection.execute(f'USE "{schema}"')
        _build_dimensions(connection, providers, products_per_provider, clients)
        for name, keys in _FACT_KEYS.items():
            keys_sql = keys.format(days=days, start=start.isoformat(), salt=salt)
            connection.execute(f"CREATE OR REPLACE TEMP TABLE keys AS {keys_sql}")
            connection.execute(_fact_sql(name, stamp if with_built_at else None))
    finally:
        connection.close()


def _build_dimensions(
    connection: duckdb.DuckDBPyConnection, providers: int, products: int, clients: int
) -> None:
    connection.execute(f"""
        CREATE OR REPLACE TABLE dim_providers AS
        SELECT 'prov_' || lpad(CAST(i AS VARCHAR), 3, '0') AS provider_id,
               'Proveedor ' || i || CASE WHEN i % 2 = 0 THEN ', S.A.' ELSE ' "Ñ"' END
                   AS provider_name,
               'Proveedor ' || i || ' S.A.S.' AS legal_name,
               CASE WHEN i % 2 = 0 THEN 'telco' ELSE 'utility' END AS category
        FROM range({providers}) AS t(i)
    """)
    connection.execute(f"""
        CREATE OR REPLACE TABLE dim_products AS
        SELECT p.provider_id || '_p' || j AS product_id, p.provider_id,
               'Recarga ' || j AS product_name, 'topup' AS product_type,
               CAST(0.0125 + j / 1000 AS DECIMAL(6,4)) AS commission_rate,
               CAST(1000 AS DECIMAL(18,2)) AS min_amount,
               CAST(500000.5 AS DECIMAL(18,2)) AS max_amount
        FROM dim_providers AS p CROSS JOIN range({products}) AS t(j)
    """)
    connection.execute(f"""
        CREATE OR REPLACE TABLE dim_clients AS
        SELECT 'pos_' || lpad(CAST(i AS VARCHAR), 6, '0') AS client_id,
               'Tienda "La ' || i || '", Bogotá' AS client_name,
               'tienda' AS client_type, 'Bogotá' AS city, 'Bogotá D.C.' AS department,
               '11001' AS dane_code,
               DATE '2020-01-01' + CAST(i % 1000 AS INTEGER) AS opened_on
        FROM range({clients}) AS t(i)
    """)


_FACT_KEYS = {
    "fct_provider_daily": """
        SELECT p.provider_id, DATE '{start}' + CAST(d AS INTEGER) AS dt,
               hash(p.provider_id, d, {salt}) AS h
        FROM dim_providers AS p CROSS JOIN range({days}) AS t(d)""",
    "fct_provider_product_daily": """
        SELECT p.provider_id, p.product_id, DATE '{start}' + CAST(d AS INTEGER) AS dt,
               hash(p.product_id, d, {salt}) AS h
        FROM dim_products AS p CROSS JOIN range({days}) AS t(d)""",
    "fct_provider_client_daily": """
        SELECT p.provider_id, c.client_id, DATE '{start}' + CAST(d AS INTEGER) AS dt,
               hash(p.provider_id, c.client_id, d, {salt}) AS h
        FROM dim_providers AS p CROSS JOIN dim_clients AS c CROSS JOIN range({days}) AS t(d)""",
}


def rebuild_day_sql(mart: str, dt: date, built_at: datetime | None = None) -> str:
    """What a dbt incremental run does to a day it rebuilds (here with unchanged measures):
    every row of the day gets the run's ``_built_at``."""
    stamp = (built_at or datetime.now(UTC)).replace(tzinfo=None).isoformat(timespec="milliseconds")
    return f"UPDATE {mart} SET _built_at = TIMESTAMP '{stamp}' WHERE dt = DATE '{dt.isoformat()}'"


def _fact_sql(name: str, built_at: str | None) -> str:
    keys = {
        "fct_provider_daily": "provider_id",
        "fct_provider_product_daily": "provider_id, product_id",
        "fct_provider_client_daily": "provider_id, client_id",
    }[name]
    distinct = (
        "" if name == "fct_provider_client_daily" else "CAST(h % 30 AS BIGINT) AS distinct_clients,"
    )
    lineage = f"TIMESTAMP '{built_at}' AS _built_at," if built_at else ""
    return f"""
        CREATE OR REPLACE TABLE {name} AS
        SELECT {keys}, {MEASURES_SQL}, {distinct} {LATENCY_SQL}, {lineage} dt
        FROM ({COUNTS_SQL})
        ORDER BY dt, {keys}
    """

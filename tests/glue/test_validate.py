"""The validation CASE is SQL text (decision 0202): reference values become SQL literals, so a
quote or a backslash in an id must still match itself and nothing else."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.sql import SparkSession

from puntored.glue.landing import parse, validate
from tests.support.landing_corpus import bogota, event, line

pytestmark = [pytest.mark.spark]

DAY = date(2026, 11, 2)
SOURCE = "transactions/arrival_date=2026-11-02/hour=10/part-00000.jsonl.gz"
PROVIDER = "o'neil\\"
PRODUCT = "o'neil\\_topup'"
CLIENT = "PDV'\\001"


def reasons(spark: SparkSession, lines: list[str], **reference: object) -> list[str | None]:
    rows = [(text, SOURCE, n) for n, text in enumerate(lines)]
    frame = spark.createDataFrame(rows, "raw_record string, source_file string, line_id long")
    options = {
        "providers": [PROVIDER, "claro"],
        "product_provider": {PRODUCT: PROVIDER, "claro_topup": "claro"},
        "clients": [CLIENT, "PDV000001"],
        **reference,
    }
    classified = validate.classify(parse.parse_events(frame), **options)  # type: ignore[arg-type]
    return [row["reason"] for row in classified.orderBy("line_id").collect()]


def test_ids_with_quotes_and_backslashes_match_only_themselves(spark: SparkSession) -> None:
    at = bogota(DAY, 10, 5)
    odd = {"provider_id": PROVIDER, "product_id": PRODUCT, "client_id": CLIENT}
    lines = [
        line(event(1, at, **odd)),
        line(event(2, at)),
        line(event(3, at, **{**odd, "provider_id": "o'neil"})),
        line(event(4, at, **{**odd, "product_id": "o'neil\\_topup"})),
        line(event(5, at, **{**odd, "client_id": "PDV'001"})),
        line(event(6, at, **{**odd, "client_id": "' OR true OR '"})),
    ]

    assert reasons(spark, lines) == [
        None,
        None,
        "unknown_provider",
        "unknown_product",
        "unknown_client",
        "unknown_client",
    ]


def test_an_empty_reference_rejects_every_id(spark: SparkSession) -> None:
    lines = [line(event(1, bogota(DAY, 10, 5)))]

    assert reasons(spark, lines, providers=[]) == ["unknown_provider"]
    assert reasons(spark, lines, product_provider={}) == ["unknown_product"]
    assert reasons(spark, lines, clients=[]) == ["unknown_client"]

"""The realtime store on DynamoDB (``PUNTORED_REALTIME_STORE=dynamodb``, the seed's store).

Key design (docs/decisions/0660-realtime-store-dynamodb-keys.md; the table is created by
infra/stacks/storage.py with ``pk`` + ``window_start`` strings and TTL on ``expires_at``):

    pk                          window_start                     item
    <provider>#*                2026-11-02T13:00:00Z             provider window (all products)
    <provider>#<product>        2026-11-02T13:00:00Z             product window
    late#<provider>             2026-11-02T13:00:00Z#<txn id>    one late event
    keys                        <provider>#<product>             a product key seen (index)

Each window is one item, read by a ``Query`` on one partition and a sort-key range (the API's
"last N minutes", the alert rules' recent windows, a day for the reconciliation). Writes are
conditional: a window is put only if absent or different (``digest`` of its measures), so a
re-delivered batch changes nothing, not even ``updated_at``; a late event is put only if its
transaction was never recorded (``attribute_not_exists``), so it counts once however often it is
delivered. Every item carries ``expires_at`` (epoch seconds) = window start + the TTL days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from puntored.database.realtime_store import (
    AMOUNTS,
    COUNTS,
    MEASURES,
    DayTotals,
    LateRow,
    WindowCounts,
    WindowRow,
)

ALL_PRODUCTS = "*"
KEYS_PARTITION = "keys"
NOT_RECORDED = Attr("pk").not_exists()


def iso_minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime:
    return datetime.strptime(value[:20], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def window_pk(provider_id: str, product_id: str | None) -> str:
    return f"{provider_id}#{product_id or ALL_PRODUCTS}"


def _digest(window: WindowRow) -> str:
    text = "|".join(str(value) for value in window.measures().values())
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class DynamoRealtimeStore:
    def __init__(
        self,
        table_name: str,
        region: str | None = None,
        endpoint_url: str | None = None,
        ttl_days: int = 35,
    ) -> None:
        resource = boto3.Session(region_name=region).resource("dynamodb", endpoint_url=endpoint_url)
        self.table = resource.Table(table_name)
        self.ttl = timedelta(days=ttl_days)
        self.unchanged_writes = 0  # conditional puts refused: the same window again

    # --- writes --------------------------------------------------------------------------

    def write(self, windows: Sequence[WindowRow], late: Sequence[LateRow]) -> None:
        keys: set[tuple[str, str]] = set()
        for window in windows:
            self._put_window(window)
            if window.product_id is not None:
                keys.add((window.provider_id, window.product_id))
        for event in late:
            self._put_if_new(self._late_item(event))
        for provider_id, product_id in keys:
            self._put_if_new(
                {"pk": KEYS_PARTITION, "window_start": f"{provider_id}#{product_id}",
                 "provider_id": provider_id, "product_id": product_id}
            )  # fmt: skip

    def _expires(self, window_start: datetime) -> int:
        return int((window_start + self.ttl).timestamp())

    def _put_window(self, window: WindowRow) -> None:
        digest = _digest(window)
        item: dict[str, Any] = {
            "pk": window_pk(window.provider_id, window.product_id),
            "window_start": iso_minute(window.window_start),
            "window_end": iso_minute(window.window_end),
            "provider_id": window.provider_id,
            "digest": digest,
            "updated_at": datetime.now(UTC).isoformat(),
            "expires_at": self._expires(window.window_start),
        }
        if window.product_id is not None:
            item["product_id"] = window.product_id
        for name in (*COUNTS, *AMOUNTS):
            item[name] = Decimal(str(getattr(window, name)))
        if window.latency_p95_ms is not None:
            item["latency_p95_ms"] = window.latency_p95_ms
        try:
            self.table.put_item(
                Item=item, ConditionExpression=NOT_RECORDED | Attr("digest").ne(digest)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            self.unchanged_writes += 1

    def _late_item(self, event: LateRow) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": f"late#{event.provider_id}",
            "window_start": f"{iso_minute(event.window_start)}#{event.transaction_id}",
            "provider_id": event.provider_id,
            "transaction_id": event.transaction_id,
            "amount": event.amount,
            "expires_at": self._expires(event.window_start),
        }
        if event.product_id is not None:
            item["product_id"] = event.product_id
        return item

    def _put_if_new(self, item: dict[str, Any]) -> bool:
        try:
            self.table.put_item(Item=item, ConditionExpression=NOT_RECORDED)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    # --- reads ---------------------------------------------------------------------------

    def _query(
        self, pk: str, low: str | None = None, high: str | None = None
    ) -> Iterator[dict[str, Any]]:
        condition: Any = Key("pk").eq(pk)
        if low is not None and high is not None:
            condition &= Key("window_start").between(low, high)
        elif low is not None:
            condition &= Key("window_start").gte(low)
        arguments: dict[str, Any] = {"KeyConditionExpression": condition}
        while True:
            page = self.table.query(**arguments)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _windows(
        self, pk: str, start: datetime, end: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        high = iso_minute(end) if end is not None else None
        return self._query(pk, iso_minute(start), high)

    def products_of(self, provider_id: str) -> list[str]:
        prefix = f"{provider_id}#"
        page = self._query(KEYS_PARTITION)
        return sorted(i["product_id"] for i in page if i["window_start"].startswith(prefix))

    def window_counts(
        self, provider_id: str, product_id: str | None, start: datetime, end: datetime
    ) -> dict[datetime, WindowCounts]:
        return {
            _parse(i["window_start"]): WindowCounts(
                int(i["transactions"]), int(i["approved"]), int(i["failed"])
            )
            for i in self._windows(window_pk(provider_id, product_id), start, end)
        }

    def provider_volumes(
        self, provider_id: str, minutes: Sequence[datetime]
    ) -> dict[datetime, int]:
        wanted = sorted(set(minutes))
        if not wanted:
            return {}
        keys = [{"pk": window_pk(provider_id, None), "window_start": iso_minute(m)} for m in wanted]
        found: dict[datetime, int] = {}
        client = self.table.meta.client
        for first in range(0, len(keys), 100):  # BatchGetItem takes 100 keys at most
            request: dict[str, Any] = {
                self.table.name: {"Keys": keys[first : first + 100],
                                  "ProjectionExpression": "window_start, transactions"}
            }  # fmt: skip
            while request:
                answer = client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table.name, []):
                    found[_parse(item["window_start"])] = int(item["transactions"])
                request = answer.get("UnprocessedKeys") or {}
        return found

    @staticmethod
    def _measures(item: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "window_start": _parse(item["window_start"]),
            "window_end": _parse(item["window_end"]),
        }
        for name in COUNTS:
            values[name] = int(item[name])
        for name in AMOUNTS:
            values[name] = Decimal(item[name]).quantize(Decimal("0.01"))
        latency = item.get("latency_p95_ms")
        values["latency_p95_ms"] = int(latency) if latency is not None else None
        return {name: values[name] for name in MEASURES}

    def provider_windows(self, provider_id: str, since: datetime) -> list[dict[str, Any]]:
        return [self._measures(i) for i in self._windows(window_pk(provider_id, None), since)]

    def product_windows(
        self, provider_id: str, since: datetime, product_id: str | None
    ) -> list[dict[str, Any]]:
        products = [product_id] if product_id is not None else self.products_of(provider_id)
        rows = [
            {"product_id": product, **self._measures(item)}
            for product in products
            for item in self._windows(window_pk(provider_id, product), since)
        ]
        return sorted(rows, key=lambda row: (row["window_start"], row["product_id"]))

    def late_totals(self, provider_id: str, since: datetime) -> tuple[int, Decimal]:
        count, amount = 0, Decimal("0.00")
        for item in self._query(f"late#{provider_id}", iso_minute(since)):
            count += 1
            amount += Decimal(item["amount"])
        return count, amount

    def _providers(self) -> list[str]:
        return sorted({i["provider_id"] for i in self._query(KEYS_PARTITION)})

    def late_transactions(self, start: datetime, end: datetime) -> list[LateRow]:
        low, high = iso_minute(start), iso_minute(end)
        rows = []
        for provider_id in self._providers():
            for item in self._query(f"late#{provider_id}", low, high):
                if item["window_start"] >= high:
                    continue  # between() includes the upper bound's own minute
                rows.append(
                    LateRow(provider_id, item.get("product_id"), _parse(item["window_start"]),
                            item["transaction_id"], Decimal(item["amount"]))
                )  # fmt: skip
        return rows

    def product_totals(self, start: datetime, end: datetime) -> dict[tuple[str, str], DayTotals]:
        totals: dict[tuple[str, str], DayTotals] = {}
        last = end - timedelta(minutes=1)
        for item in self._query(KEYS_PARTITION):
            provider_id, product_id = item["provider_id"], item["product_id"]
            total = DayTotals()
            for window in self._windows(window_pk(provider_id, product_id), start, last):
                total.transactions += int(window["transactions"])
                total.approved += int(window["approved"])
                total.gross_amount += Decimal(window["gross_amount"])
                total.net_amount += Decimal(window["net_amount"])
                total.windows += 1
            if total.windows:
                totals[(provider_id, product_id)] = total
        return totals


def create_table(table_name: str, region: str | None, endpoint_url: str | None) -> None:
    """Create the table as infra/stacks/storage.py does (pk + window_start, TTL on expires_at);
    for local runs and tests (in AWS the CDK stack owns it). Does nothing if it exists."""
    client = boto3.Session(region_name=region).client("dynamodb", endpoint_url=endpoint_url)
    try:
        client.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "window_start", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "window_start", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )

"""Opaque pagination cursors for the clients endpoint, scoped to the query that made them.

A cursor carries the offset of the next page and a fingerprint of the query (provider, range,
filters, sort). A cursor presented with any other query, in particular another provider's path,
is refused with 400: the cursor can never widen what a key reads, because the provider comes
from the path, which the key has already been checked against (docs/decisions/0505).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date

from puntored.api.errors import ApiProblem

MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class ClientQuery:
    provider_id: str
    start: date
    end: date
    client_id: str | None
    department: str | None
    city: str | None
    sort: str

    def fingerprint(self) -> str:
        canonical = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def encode_cursor(query: ClientQuery, offset: int) -> str:
    payload = json.dumps({"o": offset, "q": query.fingerprint()}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, query: ClientQuery) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, fingerprint = payload["o"], payload["q"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _bad_cursor("the cursor is not one this API issued") from None
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise _bad_cursor("the cursor is not one this API issued")
    if fingerprint != query.fingerprint():
        raise _bad_cursor(
            "the cursor belongs to a different query: keep the provider, dates, filters and "
            "sort of the request that returned it"
        )
    return offset


def _bad_cursor(detail: str) -> ApiProblem:
    return ApiProblem(
        400,
        detail,
        problem="invalid-cursor",
        errors=[{"in": "query", "name": "cursor", "message": detail}],
    )

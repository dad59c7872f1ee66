"""API keys: random, shown once, stored as a SHA-256 hash, revocable, last use recorded.

A key looks like ``prk_<43 url-safe characters>`` (256 random bits). The first 12 characters
(``key_prefix``) are stored in clear so people can tell keys apart in ``keys list``; the whole
key is only ever stored as its SHA-256 hex digest. A fast unsalted hash is enough for a
high-entropy random key: there is nothing to brute-force (docs/decisions/0502-api-key-hashing.md).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from puntored.database.engine import as_utc
from puntored.database.models import ApiKey, Provider
from puntored.errors import PuntoredError
from puntored.reference import load_reference

KEY_LABEL = "prk_"
PREFIX_LENGTH = 12
# last_used_at is written at most once per key per interval: a write per request would cost
# more than the read it guards.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# PostgreSQL channel a revocation is announced on: API processes clear their key caches.
REVOCATION_CHANNEL = "puntored_api_keys"


class ApiKeyError(PuntoredError):
    """A key operation that cannot proceed (unknown provider, no such key)."""


@dataclass(frozen=True)
class KeyInfo:
    key_id: int
    key_prefix: str
    provider_id: str | None
    is_admin: bool
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(
            key_id=row.key_id,
            key_prefix=row.key_prefix,
            provider_id=row.provider_id,
            is_admin=row.is_admin,
            name=row.name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


@dataclass(frozen=True)
class CreatedKey:
    """A new key. ``key`` is the only time the secret exists outside its holder's hands."""

    key: str
    info: KeyInfo


@dataclass(frozen=True)
class AuthenticatedKey:
    key_id: int
    provider_id: str | None
    is_admin: bool

    def can_read(self, provider_id: str) -> bool:
        return self.is_admin or self.provider_id == provider_id


def generate_key() -> str:
    return KEY_LABEL + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def known_provider_ids(session: Session) -> set[str]:
    """Providers in the serving database, or in the reference data before the first sync."""
    synced = set(session.scalars(select(Provider.provider_id)))
    return synced | {p.provider_id for p in load_reference().providers}


def create_key(
    session: Session, *, provider_id: str | None, is_admin: bool = False, name: str | None = None
) -> CreatedKey:
    if is_admin and provider_id:
        raise ApiKeyError("an admin key reads every provider: give --admin or --provider, not both")
    if not is_admin:
        if not provider_id:
            raise ApiKeyError("a provider key needs --provider ID (or --admin for an admin key)")
        known = known_provider_ids(session)
        if provider_id not in known:
            raise ApiKeyError(
                f"unknown provider '{provider_id}'; known: {', '.join(sorted(known))}"
            )
    key = generate_key()
    row = ApiKey(
        key_prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
        provider_id=None if is_admin else provider_id,
        is_admin=is_admin,
        name=name or ("admin" if is_admin else f"{provider_id} key"),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return CreatedKey(key=key, info=KeyInfo.of(row))


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.key_id))
    return [KeyInfo.of(row) for row in rows]


def revoke_key(session: Session, key_id_or_prefix: str) -> KeyInfo:
    """Revoke by numeric id or by prefix (``prk_…``). Revoking twice keeps the first time."""
    condition = ApiKey.key_prefix == key_id_or_prefix
    if key_id_or_prefix.isdigit():
        condition = or_(condition, ApiKey.key_id == int(key_id_or_prefix))
    row = session.scalars(select(ApiKey).where(condition)).one_or_none()
    if row is None:
        raise ApiKeyError(f"no API key with id or prefix '{key_id_or_prefix}'")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.flush()
    announce_revocation(session, row.key_id)
    return KeyInfo.of(row)


def announce_revocation(session: Session, key_id: int) -> None:
    """NOTIFY the API processes (delivered when this transaction commits; PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(REVOCATION_CHANNEL, str(key_id))))


def authenticate(session: Session, presented: str) -> AuthenticatedKey | None:
    """The active key matching ``presented``, or None (unknown or revoked). Records the use."""
    if not presented.startswith(KEY_LABEL) or len(presented) > 100:
        return None
    row = session.execute(
        select(ApiKey.key_id, ApiKey.provider_id, ApiKey.is_admin, ApiKey.last_used_at).where(
            ApiKey.key_hash == hash_key(presented), ApiKey.revoked_at.is_(None)
        )
    ).one_or_none()
    if row is not None:
        _record_use(session, row.key_id, row.last_used_at)
    # End the transaction: the connection goes back to the pool before the request moves on.
    session.commit()
    if row is None:
        return None
    return AuthenticatedKey(key_id=row.key_id, provider_id=row.provider_id, is_admin=row.is_admin)


def _record_use(session: Session, key_id: int, last_used_at: datetime | None) -> None:
    now = datetime.now(UTC)
    if last_used_at is not None and now - as_utc(last_used_at) < LAST_USED_RESOLUTION:
        return
    session.execute(update(ApiKey).where(ApiKey.key_id == key_id).values(last_used_at=now))

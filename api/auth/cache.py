"""Authenticated keys cached in process, revocations seen at once.

A request whose key was authenticated in the last ``ttl_seconds`` is admitted without a
database round trip. Revocation stays immediate because the cache serves only while it
listens for revocations: on PostgreSQL, ``revoke_key`` sends ``NOTIFY puntored_api_keys`` in
its own transaction (whatever process revokes: the CLI, another API worker, the portal's
screenshots) and every API process's ``RevocationListener`` clears its cache when the
notification arrives (at the revoker's commit, milliseconds). While the listener is not
connected (starting, connection lost) the cache serves nothing and every request looks its
key up. SQLite has no notifications: there the cache stays off (a lookup is a local file
read, not a network round trip). docs/decisions/0511-api-cache-before-database.md.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from puntored.api.auth.keys import REVOCATION_CHANNEL, AuthenticatedKey, authenticate, hash_key

log = structlog.get_logger("api")

POLL_SECONDS = 0.5  # how often the listener looks at its stop flag
RECONNECT_SECONDS = 1.0


class KeyCache:
    """Keys by hash for ``ttl_seconds``; serves only while ``listening``."""

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, AuthenticatedKey]] = {}
        self._lock = threading.Lock()
        self.epoch = 0  # bumped on every invalidation: a lookup that straddles one is not kept
        self.listening = False

    def get(self, presented: str) -> AuthenticatedKey | None:
        if not self.listening:
            return None
        entry = self._entries.get(hash_key(presented))
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def lookup(self, session: Session, presented: str) -> AuthenticatedKey | None:
        """The database's answer for ``presented`` (recording its use), kept if still valid."""
        epoch = self.epoch
        key = authenticate(session, presented)
        if key is not None and self.listening and self.ttl_seconds > 0:
            with self._lock:
                if epoch == self.epoch:
                    if len(self._entries) >= self.max_entries:
                        self._entries.clear()
                    self._entries[hash_key(presented)] = (self._clock() + self.ttl_seconds, key)
        return key

    def invalidate(self, *, listening: bool | None = None) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()
            if listening is not None:
                self.listening = listening


def listen_dsn(database_url: str) -> str | None:
    """libpq connection string of a PostgreSQL URL; None for other databases."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class RevocationListener:
    """A daemon thread that LISTENs for revocations and clears ``cache`` on each."""

    def __init__(self, dsn: str, cache: KeyCache) -> None:
        self._dsn = dsn
        self._cache = cache
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="key-revocations", daemon=True)
        self.notifications = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._cache.invalidate(listening=False)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                log.warning("key_revocation_listener_lost", error=str(error).strip())
            self._cache.invalidate(listening=False)
            self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"LISTEN {REVOCATION_CHANNEL}")
            # Anything cached before this point was cached without listening: start afresh.
            self._cache.invalidate(listening=True)
            while not self._stop.is_set():
                for _notice in connection.notifies(timeout=POLL_SECONDS):
                    self.notifications += 1
                    self._cache.invalidate()

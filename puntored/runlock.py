"""Run exclusivity: one pipeline run per data root at a time (docs/decisions/0701-run-lock.md).

``land``, ``transform``, ``sync``, ``reports``, ``daily`` and ``demo`` hold the lock of the
data root for their whole run. A second run is refused at once with one line naming the
holder (pid, host, start, command), or, with ``PUNTORED_RUN_LOCK_WAIT_SECONDS`` > 0, waits
that long (saying so) before being refused.

- local mode: ``<data root>/state/run.lock`` held with ``flock``. The kernel releases it when
  the holder dies, however it dies, so a stale lock cannot exist; the file also records the
  holder, and a lock found holding a dead run's record is reported as taken over.
- aws mode: the object ``<PUNTORED_STATE_URI>/run.lock``, created with an S3 conditional
  put (``If-None-Match: *``) and renewed every lease/3 by compare-and-swap (``If-Match``). It
  is stale when its lease expired (the holder stopped renewing) or when its holder is a dead
  process on this host; a stale lock is taken over by compare-and-swap, so of two runs
  taking over at once exactly one wins.

Nested use in one process (``demo`` running stages that lock) is re-entrant.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import structlog

from puntored.errors import PuntoredError
from puntored.settings import Settings
from puntored.storage import AwsConfig, ConditionalObjects, StorageError, is_s3, join

LOCK_NAME = "run.lock"
POLL_SECONDS = 1.0

log = structlog.get_logger("puntored.runlock")


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    started_at: str  # ISO-8601 UTC
    command: str
    token: str  # unique per acquisition
    expires_at: str | None = None  # aws lock only: the lease's end, ISO-8601 UTC

    @classmethod
    def this_process(cls, command: str) -> Holder:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), now, command, uuid.uuid4().hex)

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started_at}, running `{self.command}`"

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Holder | None:
        try:
            fields = json.loads(data)
            return cls(**fields)
        except (ValueError, TypeError):
            return None  # empty (being written) or not ours

    def is_dead_here(self) -> bool:
        """A process of this host that no longer exists (it cannot release anything)."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def lease_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and datetime.fromisoformat(self.expires_at) < now


UNKNOWN_HOLDER = Holder(0, "unknown host", "unknown time", "unknown command", "")


class RunLockBusy(PuntoredError):
    def __init__(self, location: str, holder: Holder, waited_s: float) -> None:
        waited = f" after waiting {waited_s:.0f} s" if waited_s else ""
        super().__init__(
            f"another run holds the run lock {location}{waited}: {holder.describe()}; "
            "let it finish (or set PUNTORED_RUN_LOCK_WAIT_SECONDS to wait for it)"
        )
        self.holder = holder


class RunLockLost(PuntoredError):
    """The aws lock was taken over while held: another run may have overlapped this one."""


class _Lock(Protocol):
    location: str
    taken_over: Holder | None  # the stale holder this acquisition replaced

    def try_acquire(self, me: Holder) -> Holder | None:
        """None when acquired, else the current holder."""
        ...

    def release(self) -> str | None:
        """Release; returns a problem to report (the lock was lost while held) or None."""
        ...


def lock_location(settings: Settings) -> str:
    """The data root's lock: under the state location (a folder, or s3:// in aws mode)."""
    return join(settings.state_location, LOCK_NAME)


_held: dict[str, Holder] = {}  # locations this process holds (re-entrancy)
_held_guard = threading.Lock()


@contextmanager
def run_lock(
    settings: Settings,
    command: str | None = None,
    *,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[Holder]:
    """Hold the data root's run lock for the block; ``RunLockBusy`` if another run has it.

    ``command`` is recorded for whoever is refused (default: this process's command line).
    """
    location = lock_location(settings)
    with _held_guard:
        nested = _held.get(location)
    if nested is not None:
        yield nested
        return
    lock = _open_lock(settings, location)
    me = Holder.this_process(command or _command_line())
    _acquire(lock, me, settings.run_lock_wait_seconds, on_wait)
    if lock.taken_over is not None:
        log.warning("run_lock_taken_over", location=location, stale=lock.taken_over.describe())
    with _held_guard:
        _held[location] = me
    try:
        yield me
    except BaseException:
        _release(lock, location)  # the run's own error is the one to report
        raise
    problem = _release(lock, location)
    if problem:
        raise RunLockLost(problem)


def _release(lock: _Lock, location: str) -> str | None:
    with _held_guard:
        _held.pop(location, None)
    return lock.release()


def _open_lock(settings: Settings, location: str) -> _Lock:
    if is_s3(location):
        objects = ConditionalObjects(AwsConfig.from_settings(settings))
        return S3RunLock(objects, location, settings.run_lock_lease_seconds)
    return FileRunLock(Path(location))


def _acquire(lock: _Lock, me: Holder, wait_s: float, on_wait: Callable[[str], None] | None) -> None:
    started = time.monotonic()
    announced = False
    while True:
        holder = lock.try_acquire(me)
        if holder is None:
            return
        waited = time.monotonic() - started
        if waited >= wait_s:
            raise RunLockBusy(lock.location, holder, waited if wait_s > 0 else 0.0)
        if not announced:
            message = f"waiting up to {wait_s:.0f} s for the run lock: {holder.describe()}"
            (on_wait or (lambda text: print(text, file=sys.stderr)))(message)
            announced = True
        time.sleep(min(POLL_SECONDS, max(wait_s - waited, 0.01)))


def _command_line() -> str:
    return " ".join(["puntored", *sys.argv[1:]])


class FileRunLock:
    """``flock`` on a file that also records the holder; released by the kernel on death."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self.taken_over: Holder | None = None
        self._fd: int | None = None

    def try_acquire(self, me: Holder) -> Holder | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            current = _read_all(fd)
            os.close(fd)
            return Holder.from_bytes(current) or UNKNOWN_HOLDER
        previous = _read_all(fd)
        if previous.strip():  # a run that died holding the lock left its record behind
            self.taken_over = Holder.from_bytes(previous) or UNKNOWN_HOLDER
        os.ftruncate(fd, 0)
        os.pwrite(fd, me.to_bytes(), 0)
        self._fd = fd
        return None

    def release(self) -> str | None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)  # an empty file: nobody holds it
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        return None


def _read_all(fd: int) -> bytes:
    return os.pread(fd, 1 << 16, 0)


class S3RunLock:
    """A leased lock object on S3, created and renewed by conditional writes."""

    def __init__(self, objects: ConditionalObjects, location: str, lease_s: float) -> None:
        self.location = location
        self.taken_over: Holder | None = None
        self._objects = objects
        self._lease_s = lease_s
        self._version: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = False

    def _leased(self, me: Holder) -> Holder:
        until = datetime.now(UTC) + timedelta(seconds=self._lease_s)
        return replace(me, expires_at=until.isoformat(timespec="seconds"))

    def try_acquire(self, me: Holder) -> Holder | None:
        holder = UNKNOWN_HOLDER
        for _ in range(3):  # the lock may change hands between our requests
            version = self._objects.create(self.location, self._leased(me).to_bytes())
            if version is not None:
                self._start(me, version)
                return None
            current = self._objects.read(self.location)
            if current is None:
                continue  # released meanwhile: try to create it again
            holder = Holder.from_bytes(current.data) or UNKNOWN_HOLDER
            if not (holder.lease_expired(datetime.now(UTC)) or holder.is_dead_here()):
                return holder
            version = self._objects.replace(
                self.location, self._leased(me).to_bytes(), current.version
            )
            if version is not None:
                self.taken_over = holder
                self._start(me, version)
                return None
        return holder

    def _start(self, me: Holder, version: str) -> None:
        self._version = version
        self._renewer = threading.Thread(target=self._renew, args=(me,), daemon=True)
        self._renewer.start()

    def _renew(self, me: Holder) -> None:
        while not self._stop.wait(self._lease_s / 3):
            assert self._version is not None
            try:
                version = self._objects.replace(
                    self.location, self._leased(me).to_bytes(), self._version
                )
            except StorageError as error:  # S3 unreachable for a moment: try again next tick
                log.warning("run_lock_renewal_failed", location=self.location, error=str(error))
                continue
            if version is None:
                self.lost = True
                log.error("run_lock_lost", location=self.location)
                return
            self._version = version

    def release(self) -> str | None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if not self.lost:
            if self._version is not None:
                self._objects.delete(self.location, self._version)
            return None
        return (
            f"the run lock {self.location} was taken over while this run held it (not renewed "
            f"within PUNTORED_RUN_LOCK_LEASE_SECONDS={self._lease_s:g}): another run may have "
            "overlapped this one; check its results"
        )

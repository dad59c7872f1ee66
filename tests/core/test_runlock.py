"""Run exclusivity: the data root's lock, locally (flock) and on S3 (moto's server)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from puntored.runlock import (
    FileRunLock,
    Holder,
    RunLockBusy,
    RunLockLost,
    S3RunLock,
    lock_location,
    run_lock,
)
from puntored.settings import Settings
from puntored.storage import AwsConfig, ConditionalObjects, Storage
from tests.support.other_run import OtherRun, local_env


def test_a_second_run_is_refused_naming_the_holder(settings: Settings) -> None:
    other = OtherRun(local_env(settings))
    try:
        with pytest.raises(RunLockBusy) as refused, run_lock(settings, "puntored land"):
            pytest.fail("acquired a lock another process holds")
        message = str(refused.value)
        assert f"pid {other.process.pid} on {socket.gethostname()}" in message
        assert "running `puntored daily --date 2026-01-05`" in message
        assert str(lock_location(settings)) in message and "\n" not in message
    finally:
        other.finish()
    with run_lock(settings, "puntored land") as holder:  # free again once the other is done
        assert holder.pid == os.getpid()
        recorded = json.loads(Path(lock_location(settings)).read_text())
        assert recorded["command"] == "puntored land" and recorded["pid"] == os.getpid()
    assert Path(lock_location(settings)).read_text() == ""  # released: no holder recorded


def test_a_killed_holder_leaves_no_lock_and_its_record_is_taken_over(settings: Settings) -> None:
    other = OtherRun(local_env(settings))
    dead_pid = other.process.pid
    other.kill()  # kill -9: no cleanup at all
    assert json.loads(Path(lock_location(settings)).read_text())["pid"] == dead_pid
    lock = FileRunLock(Path(lock_location(settings)))
    assert lock.try_acquire(Holder.this_process("puntored land")) is None
    assert lock.taken_over is not None and lock.taken_over.pid == dead_pid
    lock.release()


def test_a_run_may_wait_for_the_holder_saying_so(settings: Settings) -> None:
    other = OtherRun(local_env(settings))
    messages: list[str] = []
    waiting = settings.model_copy(update={"run_lock_wait_seconds": 30.0})

    def finish_the_other_run(message: str) -> None:
        messages.append(message)
        other.finish()  # the holder ends while we wait

    with run_lock(waiting, "puntored sync", on_wait=finish_the_other_run) as holder:
        assert holder.command == "puntored sync"
    assert len(messages) == 1
    assert messages[0].startswith("waiting up to 30 s for the run lock: pid ")


def test_a_wait_that_runs_out_is_refused(settings: Settings) -> None:
    other = OtherRun(local_env(settings))
    try:
        briefly = settings.model_copy(update={"run_lock_wait_seconds": 0.3})
        with (
            pytest.raises(RunLockBusy, match=r"after waiting \d+ s"),
            run_lock(briefly, on_wait=print),
        ):
            pass
    finally:
        other.finish()


def test_nested_use_in_one_process_is_reentrant(settings: Settings) -> None:
    with run_lock(settings, "puntored demo") as outer, run_lock(settings, "stage") as inner:
        assert inner == outer
    with run_lock(settings, "puntored land") as again:
        assert again.command == "puntored land"


def test_children_of_the_holder_do_not_inherit_the_lock(settings: Settings) -> None:
    with run_lock(settings, "puntored transform"):
        child = subprocess.Popen(["sleep", "30"])  # e.g. dbt, Flink
    try:
        with run_lock(settings, "puntored land"):
            pass
    finally:
        child.kill()
        child.wait()


# --- aws mode: the lock object on S3 ------------------------------------------------------


def _put_lock(settings: Settings, holder: Holder) -> None:
    Storage.from_settings(settings).write_bytes(lock_location(settings), holder.to_bytes())


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def test_aws_second_run_is_refused_naming_the_holder(aws_settings: Settings) -> None:
    other = OtherRun(dict(os.environ))  # aws_settings exported its PUNTORED_* variables
    try:
        assert lock_location(aws_settings).startswith(aws_settings.state_location + "/")
        with pytest.raises(RunLockBusy) as refused, run_lock(aws_settings, "puntored sync"):
            pytest.fail("acquired a lock another process holds")
        assert f"pid {other.process.pid} on {socket.gethostname()}" in str(refused.value)
        assert "`puntored daily --date 2026-01-05`" in str(refused.value)
    finally:
        other.finish()
    assert not Storage.from_settings(aws_settings).exists(lock_location(aws_settings))
    with run_lock(aws_settings, "puntored sync") as holder:
        stored = Holder.from_bytes(
            Storage.from_settings(aws_settings).read_bytes(lock_location(aws_settings))
        )
        assert stored is not None and stored.token == holder.token and stored.expires_at


def test_aws_lock_of_a_live_run_elsewhere_is_respected(aws_settings: Settings) -> None:
    elsewhere = Holder(4242, "glue-worker-7", _in(-60), "puntored daily", "t1", _in(240))
    _put_lock(aws_settings, elsewhere)
    with pytest.raises(RunLockBusy, match="pid 4242 on glue-worker-7"), run_lock(aws_settings):
        pass


def test_aws_lock_with_an_expired_lease_is_taken_over(aws_settings: Settings) -> None:
    _put_lock(aws_settings, Holder(4242, "gone-host", _in(-900), "puntored daily", "t1", _in(-1)))
    objects = ConditionalObjects(AwsConfig.from_settings(aws_settings))
    lock = S3RunLock(objects, lock_location(aws_settings), lease_s=60)
    assert lock.try_acquire(Holder.this_process("puntored land")) is None
    assert lock.taken_over is not None and lock.taken_over.host == "gone-host"
    assert lock.release() is None
    assert objects.read(lock_location(aws_settings)) is None


def test_aws_lock_of_a_dead_process_on_this_host_is_taken_over(aws_settings: Settings) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid now belongs to no process (until reused, far later)
    holder = Holder(dead.pid, socket.gethostname(), _in(-5), "puntored land", "t1", _in(300))
    _put_lock(aws_settings, holder)
    with run_lock(aws_settings, "puntored land") as me:
        stored = Storage.from_settings(aws_settings).read_bytes(lock_location(aws_settings))
        assert json.loads(stored)["token"] == me.token


def test_aws_lock_is_renewed_while_held_and_a_lost_lock_is_reported(
    aws_settings: Settings,
) -> None:
    objects = ConditionalObjects(AwsConfig.from_settings(aws_settings))
    location = lock_location(aws_settings)
    short = aws_settings.model_copy(update={"run_lock_lease_seconds": 1.5})  # renewed each 0.5 s
    lost = pytest.raises(RunLockLost, match="was taken over while this run held it")
    with lost, run_lock(short, "puntored daily"):
        first = objects.read(location)
        time.sleep(1.2)
        renewed = objects.read(location)
        assert first is not None and renewed is not None
        assert renewed.version != first.version  # renewed at least once
        first_expiry, renewed_expiry = (Holder.from_bytes(v.data) for v in (first, renewed))
        assert first_expiry and renewed_expiry
        assert (renewed_expiry.expires_at or "") > (first_expiry.expires_at or "")
        # another run wrongly judges this one stale and takes the lock over
        intruder = Holder(7, "other-host", _in(0), "puntored daily", "t2", _in(300))
        assert objects.replace(location, intruder.to_bytes(), renewed.version) is not None
        time.sleep(1.2)  # the next renewal finds the lock changed
    kept = objects.read(location)
    assert kept is not None and b"other-host" in kept.data  # the new holder's lock is untouched

"""Run the realtime pipeline locally: the Flink job (its own venv, a subprocess) feeding the
processor loop. ``run_stream`` is what ``puntored stream`` and ``puntored demo`` call.

Layout under ``<data>/stream/``: ``events/`` (the generator's time-ordered files),
``flink-input/`` (what the Flink source watches, fed in order by the feeder), ``windows/``
(Flink's sink), ``checkpoints/`` and ``flink.log``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy import delete

from puntored.database.engine import make_engine, transaction
from puntored.database.migrate import upgrade
from puntored.database.models import PipelineStatus, RealtimeLateEvents
from puntored.errors import PuntoredError
from puntored.settings import PROJECT_ROOT, Settings
from puntored.streaming.feeder import Feeder
from puntored.streaming.flink_job.config import local_property_groups
from puntored.streaming.processor.local_loop import (
    ProcessorTotals,
    process_sink_once,
    processor_wiring,
)
from puntored.streaming.processor.records import FeedMarker, RecordError, parse_line
from puntored.streaming.processor.sink_files import committed_part_files
from puntored.streaming.processor.store import STAGE

log = structlog.get_logger("puntored.stream")


@dataclass(frozen=True)
class StreamPaths:
    root: Path

    @property
    def events(self) -> Path:
        return self.root / "events"

    @property
    def flink_input(self) -> Path:
        return self.root / "flink-input"

    @property
    def windows(self) -> Path:
        return self.root / "windows"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def properties(self) -> Path:
        return self.root / "application_properties.json"

    @property
    def flink_log(self) -> Path:
        return self.root / "flink.log"

    @property
    def feeder_state(self) -> Path:
        return self.root / "feeder-state.json"


@dataclass
class StreamResult:
    resumed_from: str | None
    totals: ProcessorTotals
    events_fed: int
    seconds: float
    unparsed_lines: int = 0  # lines fed that were not JSON (counted as invalid events)
    pending_files: int = 0  # event files not yet handed to Flink when the run stopped

    # The job's watermark at the stop: the newest event time it has read minus the delay.
    watermark: datetime | None = None

    @property
    def open_from(self) -> datetime | None:
        """Start of the first window still open at the stop: it and later windows are kept in
        the checkpoint and come out in a later run (once an event later than the watermark
        bound arrives). None when the job has read no event."""
        if self.watermark is None:
            return None
        moment = self.watermark + timedelta(milliseconds=1)
        return moment.replace(second=0, microsecond=0)


def flink_python(settings: Settings) -> Path:
    candidates = [
        settings.flink_python,
        Path(os.environ["PUNTORED_FLINK_PYTHON"])
        if os.environ.get("PUNTORED_FLINK_PYTHON")
        else None,
        PROJECT_ROOT / ".venv-flink" / "bin" / "python",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.exists():
            return candidate
    raise PuntoredError(
        "the Flink environment is missing: run `make flink-venv` or set PUNTORED_FLINK_PYTHON"
    )


def latest_checkpoint(checkpoints: Path) -> Path | None:
    """The newest completed checkpoint (a chk-N folder with _metadata), if any."""
    completed = [m.parent for m in checkpoints.glob("*/chk-*/_metadata")]
    return max(completed, key=lambda p: p.stat().st_mtime) if completed else None


class FlinkJob:
    """The PyFlink job as a child process group (its mini-cluster JVM included)."""

    def __init__(self, settings: Settings, paths: StreamPaths, recover: Path | None) -> None:
        command = [str(flink_python(settings)), "-m", "puntored.streaming.flink_job.main"]
        command += ["--properties", str(paths.properties)]
        if recover is not None:
            command += ["--recover", recover.resolve().as_uri()]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        self._log = paths.flink_log.open("ab")
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.log_path = paths.flink_log

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise PuntoredError(f"the Flink job exited with code {code}; log tail:\n{tail}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def prepare(settings: Settings, paths: StreamPaths) -> Path | None:
    """Write the local application properties; choose resume-from-checkpoint or a clean replay.

    Without a checkpoint the whole events folder is replayed from the start: window rows are
    upserts (same values), and the additive late-event counts are cleared first so the replay
    recounts them once.
    """
    for folder in (paths.events, paths.flink_input, paths.windows, paths.checkpoints):
        folder.mkdir(parents=True, exist_ok=True)
    groups = local_property_groups(
        paths.flink_input.resolve(),
        paths.windows.resolve(),
        paths.checkpoints,
        watermark_delay_seconds=settings.stream_watermark_delay_seconds,
        checkpoint_interval_seconds=settings.stream_checkpoint_interval_seconds,
    )
    paths.properties.write_text(json.dumps(groups, indent=2))
    checkpoint = latest_checkpoint(paths.checkpoints)
    if checkpoint is None:
        _reset_for_replay(settings, paths)
    return checkpoint


def _reset_for_replay(settings: Settings, paths: StreamPaths) -> None:
    shutil.rmtree(paths.flink_input)
    paths.flink_input.mkdir()
    paths.feeder_state.unlink(missing_ok=True)
    engine = make_engine(settings.serving_database_url)
    try:
        with transaction(engine) as session:
            session.execute(delete(RealtimeLateEvents))
            status = session.get(PipelineStatus, STAGE)
            if status is not None and status.details:
                status.details = {
                    **status.details,
                    "late_events_total": 0,
                    "invalid_events_total": 0,
                }
    finally:
        engine.dispose()


def committed_markers(windows: Path) -> set[str]:
    """Feed markers in every committed sink file (a restart checks the awaited chunk here)."""
    markers: set[str] = set()
    for part in committed_part_files(windows):
        for line in part.path.read_text().splitlines():
            if '"feed_marker"' not in line:
                continue
            try:
                record = parse_line(line)
            except RecordError:
                continue
            if isinstance(record, FeedMarker):
                markers.add(record.marker)
    return markers


def run_stream(
    settings: Settings,
    duration: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    poll_seconds: float = 0.5,
    on_job_started: Callable[[FlinkJob], None] = lambda job: None,
) -> StreamResult:
    """Run Flink + processor until ``duration`` seconds pass or ``should_stop()`` is true.

    The run stops without draining: windows the watermark has not passed stay open in the
    checkpoint (reported as ``open_from``) and come out in the next run, so a restart never
    emits a window twice with different contents.
    """
    paths = StreamPaths(settings.stream_dir)
    upgrade(settings.serving_database_url)
    checkpoint = prepare(settings, paths)
    engine = make_engine(settings.serving_database_url)
    # the realtime store, alert rules, webhook/SNS delivery and per-event rules of the settings
    wiring = processor_wiring(settings, paths.events)
    feeder = Feeder(paths.events, paths.flink_input, paths.feeder_state)
    if feeder.awaiting is not None:  # the last chunk may have been read before the stop
        feeder.acknowledge(committed_markers(paths.windows))
    totals = ProcessorTotals()
    started = time.monotonic()
    job = FlinkJob(settings, paths, checkpoint)
    on_job_started(job)
    log.info("stream_started", resumed_from=str(checkpoint) if checkpoint else None)
    try:
        while not should_stop():
            if duration is not None and time.monotonic() - started >= duration:
                break
            job.check_alive()
            feeder.step()
            read = process_sink_once(engine, paths.windows, totals, **wiring)
            if feeder.acknowledge(totals.feed_markers):
                continue  # Flink read the whole chunk: hand it the next one now
            if read == 0:
                time.sleep(poll_seconds)
    finally:
        job.stop()
        process_sink_once(engine, paths.windows, totals, **wiring)
        feeder.acknowledge(totals.feed_markers)
        engine.dispose()
    result = StreamResult(
        resumed_from=str(checkpoint) if checkpoint else None,
        totals=totals,
        events_fed=feeder.events_fed,
        seconds=time.monotonic() - started,
        unparsed_lines=feeder.unparsed_lines,
        pending_files=len(feeder.pending()),
        watermark=(
            feeder.max_event_at_read - timedelta(seconds=settings.stream_watermark_delay_seconds)
            if feeder.max_event_at_read is not None
            else None
        ),
    )
    log.info(
        "stream_stopped",
        watermark=str(result.watermark) if result.watermark else None,
        open_from=str(result.open_from) if result.open_from else None,
        pending_files=result.pending_files,
        awaiting=feeder.awaiting,
    )
    return result

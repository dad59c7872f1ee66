"""The local runner's pieces that need no Flink: the ordered feeder, checkpoint discovery,
finding the Flink interpreter, and the CLI's argument errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import puntored.streaming.runner as runner
from puntored.errors import PuntoredError
from puntored.settings import Settings
from puntored.streaming.events import sale, write_event_file
from puntored.streaming.feeder import Feeder
from puntored.streaming.flink_job.config import FEED_MARKER_EVENT_TYPE

T0 = datetime(2026, 11, 3, 13, 0, tzinfo=UTC)


def test_feeder_exposes_pending_files_in_order_as_one_chunk(tmp_path: Path) -> None:
    events, feed, state = tmp_path / "events", tmp_path / "feed", tmp_path / "state.json"
    feed.mkdir()
    for number in (3, 1, 2):  # written out of order on purpose
        write_event_file(
            events / f"events-{number:06d}.jsonl",
            [sale(f"t{number}-{i}", T0 + timedelta(seconds=number * 10 + i)) for i in range(2)],
        )
    feeder = Feeder(events, feed, state)
    assert feeder.step() == 3
    chunk = feed / "feed-events-000001.jsonl"
    *lines, marker = [json.loads(line) for line in chunk.read_text().splitlines()]
    assert [e["transaction_id"] for e in lines] == ["t1-0", "t1-1", "t2-0", "t2-1", "t3-0", "t3-1"]
    assert marker["event_type"] == FEED_MARKER_EVENT_TYPE
    assert marker["transaction_id"] == feeder.awaiting == "feed:feed-events-000001.jsonl"
    assert feeder.step() == 0  # nothing new
    write_event_file(events / "events-000004.jsonl", [sale("t4", T0)])
    assert feeder.acknowledge({"feed:feed-events-000001.jsonl"})
    # a new feeder (a restart) continues from its saved position
    assert Feeder(events, feed, state).step() == 1
    assert sorted(p.name for p in feed.iterdir()) == [
        "feed-events-000001.jsonl",
        "feed-events-000004.jsonl",
    ]


def test_feeder_waits_until_flink_has_read_the_last_chunk(tmp_path: Path) -> None:
    events, feed, state = tmp_path / "events", tmp_path / "feed", tmp_path / "s.json"
    feed.mkdir()
    write_event_file(events / "events-000001.jsonl", [sale("a", T0)])
    feeder = Feeder(events, feed, state)
    assert feeder.step() == 1
    for number in range(2, 40):  # a backlog builds up while the job is slow or stalled
        write_event_file(events / f"events-{number:06d}.jsonl", [sale(f"b{number}", T0)])
    assert feeder.step() == 0
    assert not feeder.acknowledge({"feed:some-other-chunk.jsonl"})
    assert Feeder(events, feed, state).step() == 0  # still awaited after a restart
    assert feeder.acknowledge({"feed:feed-events-000001.jsonl"})
    assert feeder.step() == 38  # the whole backlog as one ordered chunk
    assert len(list(feed.iterdir())) == 2


def test_lines_that_are_not_json_become_named_invalid_stubs(tmp_path: Path) -> None:
    events, feed = tmp_path / "events", tmp_path / "feed"
    feed.mkdir()
    path = events / "events-000001.jsonl"
    write_event_file(path, [sale("a", T0)])
    path.write_text(path.read_text() + "not json\n\n[1, 2]\n")
    feeder = Feeder(events, feed, tmp_path / "s.json")
    feeder.step()
    chunk = (feed / "feed-events-000001.jsonl").read_text()
    lines = [json.loads(line) for line in chunk.splitlines()]
    assert [e["transaction_id"] for e in lines[:-1]] == [
        "a",
        "unparsed:events-000001.jsonl:2",
        "unparsed:events-000001.jsonl:4",
    ]
    assert feeder.unparsed_lines == 2


def test_latest_checkpoint_is_the_newest_completed_one(tmp_path: Path) -> None:
    assert runner.latest_checkpoint(tmp_path) is None
    (tmp_path / "job1" / "chk-4").mkdir(parents=True)  # not completed: no _metadata
    done = tmp_path / "job1" / "chk-3"
    done.mkdir()
    (done / "_metadata").write_text("x")
    assert runner.latest_checkpoint(tmp_path) == done


def test_missing_flink_environment_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PUNTORED_FLINK_PYTHON", raising=False)
    monkeypatch.setattr(runner, "PROJECT_ROOT", tmp_path)
    with pytest.raises(PuntoredError, match="make flink-venv"):
        runner.flink_python(Settings(data_dir=tmp_path, flink_python=tmp_path / "nope"))


def test_stream_command_refuses_a_bad_duration() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "puntored", "stream", "--duration", "0"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "duration" in result.stderr

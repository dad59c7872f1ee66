"""The Flink job's SQL is the same for every profile; only connector options differ.

The production connectors (Kinesis) are not installed here (their jars come from Maven and are
packaged with the Managed Flink app), so the prod profile is checked as rendered text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from puntored.contract import field_names
from puntored.streaming.flink_job.config import (
    ConfigError,
    load_property_groups,
    local_property_groups,
    parse_config,
)
from puntored.streaming.flink_job.render import flink_configuration, render_statements

PROD_PROPERTIES = Path("streaming/flink_job/application_properties.json")


def _configs(tmp_path: Path):  # type: ignore[no-untyped-def]
    local_file = tmp_path / "local.json"
    local_file.write_text(
        json.dumps(local_property_groups(tmp_path / "in", tmp_path / "out", tmp_path / "ck"))
    )
    return parse_config(load_property_groups(local_file)), parse_config(
        load_property_groups(PROD_PROPERTIES)
    )


def _without_options(statement: str) -> str:
    return re.sub(r"\) WITH \(.*?\n\)", ") WITH (...)", statement, flags=re.S)


def test_same_sql_for_local_and_prod_except_connector_options(tmp_path: Path) -> None:
    local, prod = _configs(tmp_path)
    local_sql, prod_sql = render_statements(local), render_statements(prod)
    assert [_without_options(s) for s in local_sql] == [_without_options(s) for s in prod_sql]
    assert local_sql != prod_sql


def test_prod_profile_renders_kinesis_source_and_sink(tmp_path: Path) -> None:
    _, prod = _configs(tmp_path)
    source, sink, *_ = render_statements(prod)
    assert "'connector' = 'kinesis'" in source
    assert (
        "'stream.arn' = 'arn:aws:kinesis:us-east-1:123456789012:stream/puntored-transactions'"
        in source
    )
    assert "'aws.region' = 'us-east-1'" in source
    assert "'source.init.position' = 'LATEST'" in source
    assert "'connector' = 'kinesis'" in sink and "puntored-window-results" in sink
    assert "filesystem" not in source + sink
    # Managed Flink owns checkpointing in production
    assert "execution.checkpointing.interval" not in flink_configuration(prod)


def test_local_profile_monitors_a_folder_and_checkpoints(tmp_path: Path) -> None:
    local, _ = _configs(tmp_path)
    source, sink, *_ = render_statements(local)
    assert "'connector' = 'filesystem'" in source and "'source.monitor-interval' = '1s'" in source
    assert "'connector' = 'filesystem'" in sink
    settings = flink_configuration(local, recovery_path="file:///ck/chk-3")
    assert settings["execution.checkpointing.interval"] == "2 s"
    assert settings["execution.state-recovery.path"] == "file:///ck/chk-3"
    assert settings["table.local-time-zone"] == "UTC"


def test_source_columns_come_from_the_contract(tmp_path: Path) -> None:
    local, _ = _configs(tmp_path)
    source = render_statements(local)[0]
    columns = re.findall(r"^  `(\w+)` ", source, flags=re.M)
    assert columns == [*field_names(), "proc_time", "event_time"]
    assert "WATERMARK FOR `event_time` AS `event_time` - INTERVAL '5' SECOND" in source
    assert "`event_time` AS coalesce(`event_at`, TO_TIMESTAMP_LTZ(0, 3))" in source


def test_the_properties_layout_is_what_managed_flink_expects() -> None:
    groups = json.loads(PROD_PROPERTIES.read_text())
    assert all(set(g) == {"PropertyGroupId", "PropertyMap"} for g in groups)
    run_options = next(
        g for g in groups if g["PropertyGroupId"] == "kinesis.analytics.flink.run.options"
    )
    # the job's entry point inside the app zip (infra/packaging.py puts the package under python/)
    assert run_options["PropertyMap"]["python"] == "python/puntored/streaming/flink_job/main.py"
    assert run_options["PropertyMap"]["pyFiles"] == "python"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({}, "JobConfig.profile must be one of"),
        ({"JobConfig": {"profile": "local"}}, "SourceConfig is missing path"),
        (
            {"JobConfig": {"profile": "prod"}, "SourceConfig": {"aws.region": "x"}},
            "SourceConfig is missing stream.arn",
        ),
        (
            {
                "JobConfig": {"profile": "local", "watermark.delay.seconds": "soon"},
                "SourceConfig": {"path": "a"},
                "SinkConfig": {"path": "b"},
            },
            "watermark.delay.seconds must be an integer",
        ),
    ],
)
def test_bad_properties_fail_fast_with_a_clear_message(
    groups: dict[str, dict[str, str]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(groups)


def test_missing_properties_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="application properties not found"):
        load_property_groups(tmp_path / "nope.json")

"""PyFlink entry point of the realtime job (Managed Flink, or a local mini-cluster).

    python -m puntored.streaming.flink_job.main [--properties PATH] [--recover P]

Thin on purpose: read and validate the properties, render the SQL, run it. In Managed Flink the
properties come from /etc/flink/application_properties.json; locally the runner passes a file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from puntored.streaming.flink_job.config import (
    MANAGED_FLINK_PROPERTIES,
    ConfigError,
    load_property_groups,
    parse_config,
)
from puntored.streaming.flink_job.render import flink_configuration, render_statements


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PuntoRed realtime windows (Flink SQL)")
    parser.add_argument("--properties", type=Path, default=MANAGED_FLINK_PROPERTIES)
    parser.add_argument("--recover", help="checkpoint directory to resume from (local)")
    parser.add_argument("--print-sql", action="store_true", help="print the SQL and exit")
    return parser.parse_args(argv)


def run(argv: list[str]) -> int:
    args = _arguments(argv)
    try:
        config = parse_config(load_property_groups(args.properties))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    statements = render_statements(config)
    if args.print_sql:
        print(";\n\n".join(statements) + ";")
        return 0

    from pyflink.table import EnvironmentSettings, TableEnvironment

    table_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    flink_config = table_env.get_config()
    for key, value in flink_configuration(config, args.recover).items():
        flink_config.set(key, value)
    *ddl, insert = statements
    for statement in ddl:
        table_env.execute_sql(statement)
    result = table_env.execute_sql(insert)
    print("flink job submitted", flush=True)
    # Locally the mini-cluster lives in this process: block until the job ends or is killed.
    result.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))

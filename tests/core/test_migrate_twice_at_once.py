"""Two ``db upgrade`` runs at the same moment both succeed and leave one schema at head."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from puntored.database.migrate import alembic_config, current_revision

UPGRADE_AT_THE_SIGNAL = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from puntored.database.migrate import upgrade

    url, go = sys.argv[1], Path(sys.argv[2])
    print("ready", flush=True)
    while not go.exists():  # start together: imports done, upgrade at the same instant
        time.sleep(0.001)
    upgrade(url)
    """
)


def test_two_upgrades_at_once_both_succeed(database_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_AT_THE_SIGNAL, database_url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for run in runs:
        assert run.stdout is not None and run.stdout.readline() == "ready\n"
    time.sleep(0.2)
    go.touch()
    outcomes = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert current_revision(database_url) == head
    engine = create_engine(database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [(head,)]

"""``make demo``'s closing lines: the portal URL and how to sign in, commands that paste at
any terminal width, summaries in words."""

from __future__ import annotations

import io
import shlex
from datetime import date

from rich.console import Console

from puntored.api.demo import demo_access
from puntored.cli.demo import print_unwrapped
from puntored.database.migrate import upgrade
from puntored.pipeline import in_words
from puntored.settings import Settings
from puntored.streaming.processor.local_loop import ProcessorTotals


def test_closing_lines_name_the_portal_and_the_key_and_paste_at_any_width(
    settings: Settings,
) -> None:
    upgrade(settings.serving_database_url)
    access = demo_access(settings, "claro", date(2026, 11, 30), port=8123)
    lines = access.closing_lines("12 PNG files in /tmp/x")
    text = "\n".join(lines)
    assert "Provider portal: http://127.0.0.1:8123/portal" in text
    assert f"  {access.key}" in lines and "Sign in as claro" in text
    commands = [line.strip() for line in lines if line.strip().startswith("curl ")]
    assert len(commands) == 3
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "curl" and f"X-API-Key: {access.key}" in words
        assert words[-1].startswith("http://127.0.0.1:8123/v1/providers/claro/")
    assert "from=2026-11-24&to=2026-11-30" in commands[0]
    assert commands[2].endswith("/reports/2026-11-30'")

    assert lines[0] == "The demo is served at http://127.0.0.1:8123 until you press Ctrl-C."
    stopped = access.closing_lines("not taken", serving=False)[0]
    assert "Ctrl-C" not in stopped and "puntored serve" in stopped

    for width in (40, 80, 200):
        out = io.StringIO()
        print_unwrapped(Console(file=out, width=width, force_terminal=False), lines)
        assert out.getvalue().splitlines() == lines, f"wrapped at width {width}"


def test_the_realtime_summary_is_in_words() -> None:
    totals = ProcessorTotals(files=1, windows=42, late_events=3, alerts_opened=2)
    totals.feed_markers.add("chunk-000001")  # not a count: left out
    words = in_words(totals)
    assert "ProcessorTotals" not in words and "=" not in words
    assert words.startswith("1 files, 42 windows, 3 late events")
    assert "2 alerts opened" in words and "chunk" not in words and "feed markers" not in words

"""Commands that change the data root hold its run lock (puntored.runlock) while they run."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from rich.console import Console

from puntored.settings import Settings, get_settings

if TYPE_CHECKING:
    from puntored.runlock import Holder

P = ParamSpec("P")
R = TypeVar("R")

console = Console(stderr=True)


def exclusive(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a typer command (below ``@commands.command()``): a second run on the same
    data root is refused with one line naming the holder, or waits for it
    (``PUNTORED_RUN_LOCK_WAIT_SECONDS``). ``--help`` and typer's argument errors never lock."""

    @functools.wraps(command)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with data_root_lock(get_settings()):
            return command(*args, **kwargs)

    return locked


def data_root_lock(settings: Settings) -> AbstractContextManager[Holder]:
    """The run lock for part of a command (``demo`` releases it before serving the API)."""
    from puntored.runlock import run_lock

    return run_lock(settings, on_wait=lambda message: console.print(message))

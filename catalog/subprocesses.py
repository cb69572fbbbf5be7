"""Process pools whose workers never outlive the process that started them.

A spawned worker waits on a pipe that it, too, holds open, so when its parent is killed (SIGKILL, the OOM
killer, a harvest stopped mid-run) it never sees the pipe close and sleeps forever, holding ~75 MB. Each
worker here watches its parent instead and exits when it is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

WATCH_SECONDS = 1.0


def worker_pool(workers: int, start: str = "spawn", initializer: Callable[..., Any] | None = None,
                initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """Spawn by default: the callers run beside threads (heartbeats, validation, the web app), which a
    forked child would inherit in whatever state they were."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start), initializer=_start,
                               initargs=(os.getpid(), initializer, initargs))


def _start(parent: int, initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(0)

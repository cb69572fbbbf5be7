"""Worker processes go when the process that started them is killed, instead of sleeping forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import os, sys, time
from catalog.subprocesses import worker_pool
pool = worker_pool(1, sys.argv[1])
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # exited, not yet reaped


@pytest.mark.parametrize("start", ["spawn", "fork"])
def test_workers_exit_when_their_parent_is_killed(start):
    child = subprocess.Popen([sys.executable, "-c", CHILD, start], cwd=ROOT, stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        worker = int(child.stdout.readline())
        assert _alive(worker)
        child.send_signal(signal.SIGKILL)  # no atexit, no pool shutdown: as the OOM killer would
        child.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived its parent"
    finally:
        child.kill()
        child.stdout.close()

"""kaifang serve: the portal under gunicorn with gunicorn.conf.py (Flask's own server is for debugging)."""

from __future__ import annotations

import os
import sys

import click

from portal.config import ROOT


@click.command()
@click.option("--bind", default=None, help="Default: KAIFANG_BIND or 127.0.0.1:5000 (gunicorn.conf.py)")
@click.option("--workers", type=int, default=None, help="Default: WEB_CONCURRENCY or cores + 1")
def serve(bind: str | None, workers: int | None) -> None:
    """Serve the portal with gunicorn."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py")]
    argv += ["--bind", bind] if bind else []
    argv += ["--workers", str(workers)] if workers else []
    os.execv(gunicorn, [*argv, "portal:create_app()"])  # noqa: S606 - become the server; every argument is ours

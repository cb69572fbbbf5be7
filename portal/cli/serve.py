"""kaifang serve: the portal under gunicorn (production server; Flask's own is for debugging only)."""

from __future__ import annotations

import os
import sys

import click


@click.command()
@click.option("--bind", default="127.0.0.1:5000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(bind: str, workers: int) -> None:
    """Serve the portal with gunicorn."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    argv = [gunicorn, "--workers", str(workers), "--threads", "4", "--bind", bind,
            "--access-logfile", "-", "portal:create_app()"]
    os.execv(gunicorn, argv)  # noqa: S606 - become the server; every argument is ours

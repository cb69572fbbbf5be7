"""kaifang scheduler: harvest every source whose schedule is due, forever or once (for cron and tests).

All state is in the database (see harvesters/scheduler.py), so it may be restarted at any time and run on
several machines: the job lease keeps a source from being harvested twice at once. docs/scheduler.md
shows a systemd unit.
"""

from __future__ import annotations

import logging
import signal
import threading

import click

from catalog.store import CatalogStore
from harvesters.scheduler import Runner, Scheduler


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one tick, wait for the harvests it started, and exit.")
@click.option("--interval", default=60.0, show_default=True, type=click.FloatRange(1),
              help="Seconds between ticks.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Harvests run at the same time (different sources).")
@click.option("--allow-network", "allow", multiple=True, metavar="CIDR",
              help="Also let harvests reach this private network (an intranet portal); repeatable.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation.")
@click.pass_obj
def scheduler(settings, once: bool, interval: float, workers: int, allow: tuple[str, ...],
              no_validate: bool) -> None:
    """Start the harvests whose schedule is due; reap jobs whose worker died."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    allow = allow or settings.harvest_allow_networks
    shapes = None if no_validate or not settings.shapes.exists() else settings.shapes
    runner = Runner(CatalogStore.from_url(settings.database_url), shapes, allow)
    loop = Scheduler(runner, workers)
    try:
        if once:
            started = loop.tick()
            click.echo(f"started: {', '.join(started) or 'nothing due'}")
            loop.wait(started)
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        loop.forever(interval, stop)
    finally:
        loop.close()

"""kaifang geo: compute datasets' extents from their geodata distributions (see harvesters.geo_enrich)."""

from __future__ import annotations

import sys
from collections import Counter

import click

from catalog.store import CatalogStore
from geo.safety import Limits
from harvesters.geo_enrich import EnrichResult, enrich_many, geo_datasets
from harvesters.http import MB, GuardedClient


@click.group("geo")
def group() -> None:
    """Geospatial coverage of the catalogue."""


@group.command("enrich")
@click.argument("datasets", nargs=-1)
@click.option("--max-mb", type=click.IntRange(1), default=200, show_default=True,
              help="Largest file to download and read, in MB.")
@click.option("--allow-network", multiple=True, metavar="CIDR",
              help="Private network whose servers may be read (an intranet portal); repeatable.")
@click.pass_obj
def enrich_cmd(settings, datasets: tuple[str, ...], max_mb: int, allow_network: tuple[str, ...]) -> None:
    """Read the geodata distributions of DATASETS (names or IRIs; none: every dataset that has some)
    and store their extents as dct:spatial; unreadable files are recorded with the reason."""
    store = CatalogStore.from_url(settings.database_url)
    iris = [_iri(store, d) for d in datasets] if datasets else list(geo_datasets(store))
    client = GuardedClient(allow_private=list(allow_network) or False, max_bytes=max_mb * MB)
    try:
        results = enrich_many(store, iris, client, Limits(max_bytes=max_mb * MB), progress=_show)
    finally:
        client.close()
    counts = Counter(r.status for r in results)
    click.echo(f"{len(results)} datasets: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if counts["failed"] or counts["missing"]:
        sys.exit(1)


def _iri(store: CatalogStore, ref: str) -> str:
    stored = store.get_by_name(ref)
    return stored.iri if stored else ref


def _show(result: EnrichResult) -> None:
    bbox = " bbox " + ",".join(f"{v:.4f}" for v in result.bbox) if result.bbox else ""
    click.echo(f"{result.status:9} {result.iri}{bbox}")
    for error in result.errors:
        click.echo(f"          {error}", err=True)

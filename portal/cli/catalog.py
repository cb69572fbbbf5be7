"""kaifang catalog: import, validate and export DCAT."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from catalog.importer import import_file
from catalog.rdf import serialize
from catalog.store import CatalogStore
from catalog.validation import Validator

FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "nt": "nt"}


@click.group("catalog")
def group() -> None:
    """The DCAT catalogue."""


@group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def import_cmd(settings, files: tuple[Path, ...]) -> None:
    """Import DCAT files (Turtle, RDF/XML, N-Triples, JSON-LD). A broken file is reported and skipped."""
    store = CatalogStore.from_url(settings.database_url)
    failed = 0
    for path in files:
        result = import_file(store, path)
        if result.ok:
            click.echo(f"{path}: {result.added} added, {result.updated} updated, "
                       f"{result.unchanged} unchanged")
        else:
            failed += 1
            click.echo(f"error: {result.error}", err=True)
    if failed:
        sys.exit(1)


@group.command("validate")
@click.option("--shapes", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="SHACL shapes file(s) instead of Kaifang's profile (reports are then not stored).")
@click.option("--json", "as_json", is_flag=True, help="One JSON report per dataset.")
@click.pass_obj
def validate_cmd(settings, shapes: tuple[Path, ...], as_json: bool) -> None:
    """Validate every active dataset with SHACL and print each verdict."""
    store = CatalogStore.from_url(settings.database_url)
    files = list(shapes) or [settings.shapes]
    validator = Validator(files)
    shapes_hash = validator.shapes_hash
    graphs = ((s.iri, s.graph()) for s in store.iter_datasets())
    totals = {"datasets": 0, "conforming": 0}
    for iri, report in validator.validate_many(graphs):
        totals["datasets"] += 1
        totals["conforming"] += int(report.conforms)
        if not shapes:
            store.save_report(iri, report.to_dict(), shapes_hash)
        if as_json:
            click.echo(json.dumps({"dataset": iri, **report.to_dict()}, ensure_ascii=False))
        else:
            counts = ", ".join(f"{n} {k}" for k, n in report.to_dict()["counts"].items() if n)
            click.echo(f"{'ok  ' if report.conforms else 'FAIL'} {iri} {counts}")
    click.echo(f"{totals['conforming']}/{totals['datasets']} datasets conform", err=as_json)


@group.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="ttl", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="File to write (default: stdout).")
@click.pass_obj
def export_cmd(settings, fmt: str, output: Path | None) -> None:
    """Export the whole catalogue as RDF."""
    store = CatalogStore.from_url(settings.database_url)
    if fmt == "nt":  # streamed: no whole graph in memory
        if output is None:
            sys.stdout.writelines(store.export_nt())
            return
        with output.open("w", encoding="utf-8") as sink:
            sink.writelines(store.export_nt())
        return
    data = serialize(store.export_graph(), FORMATS[fmt])
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)

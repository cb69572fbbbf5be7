"""kaifang demo: load the real demo catalogue described in demo/sources.yaml."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from catalog.importer import import_file, validate_records
from catalog.store import CatalogStore, hash_text
from catalog.validation import Validator
from portal.config import ROOT


@click.group("demo")
def group() -> None:
    """The demo catalogue."""


@group.command("load")
@click.option("--sources", type=click.Path(exists=True, path_type=Path),
              default=ROOT / "demo" / "sources.yaml")
@click.pass_obj
def load(settings, sources: Path) -> None:
    """Import the demo files (idempotent: unchanged records are skipped), then validate them."""
    spec = yaml.safe_load(sources.read_text(encoding="utf-8"))
    store = CatalogStore.from_url(settings.database_url)
    totals = {"added": 0, "updated": 0, "unchanged": 0, "errors": 0}
    for pattern in spec.get("rdf", []):
        for path in sorted(ROOT.glob(pattern)):
            result = import_file(store, path, source="demo")
            if not result.ok:
                totals["errors"] += 1
                click.echo(f"skipped: {result.error}", err=True)
                continue
            for key in ("added", "updated", "unchanged"):
                totals[key] += getattr(result, key)
    click.echo(", ".join(f"{v} {k}" for k, v in totals.items()))
    validator = Validator([settings.shapes])
    checked = validate_records(store, validator, hash_text(settings.shapes.read_text(encoding="utf-8")))
    click.echo(f"validated {checked['validated']} records ({checked['conforming']} conform)")

"""kaifang harvest: register sources, run them, inspect jobs and their reports.

Only this command line may harvest local files (file:// URLs or plain paths): the web app never can.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalog.store import CatalogStore
from catalog.validation import Validator
from harvesters import jobs, registry
from harvesters.base import JobReport, run
from harvesters.http import GuardedClient
from harvesters.source import HarvestError, SourceConfig
from harvesters.tables import COUNTS

MAPPINGS = Path(registry.__file__).with_name("mappings")


@click.group("harvest")
def group() -> None:
    """Harvest remote catalogues into the DCAT store."""


@group.command("add")
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(sorted(registry.TYPES)), required=True)
@click.option("--url", required=True, help="http(s) URL, or a local file (command line only).")
@click.option("--publisher", help="IRI of the publishing agent, for sources that do not name one.")
@click.option("--mapping", help="Field mapping in harvesters/mappings/ (name or file), for inventories.")
@click.option("--allow-private", is_flag=True, help="Allow private/loopback addresses (intranet sources).")
@click.option("--threshold", type=click.FloatRange(0, 1), help="Withdraw nothing if the source shrinks by "
              "more than this fraction (default 0.2).")
@click.option("--set", "options", multiple=True, metavar="KEY=VALUE", help="Source type option (repeatable).")
@click.pass_obj
def add(settings, name: str, type_: str, url: str, publisher: str | None, mapping: str | None,
        allow_private: bool, threshold: float | None, options: tuple[str, ...]) -> None:
    """Register (or update) the harvest source NAME."""
    config: dict = dict(_option(item) for item in options)
    if mapping:
        config["mapping"] = _mapping_name(mapping)
    if allow_private:
        config["allow_private"] = True
    store = CatalogStore.from_url(settings.database_url)
    jobs.save_source(store, SourceConfig(name, url, type_, publisher, config), withdraw_threshold=threshold)
    click.echo(f"source {name} saved ({type_} {url})")


@group.command("run")
@click.argument("name")
@click.option("--full", is_flag=True, help="Map every record again, even if its modified date is unchanged.")
@click.option("--force", is_flag=True, help="Withdraw missing records even if the source shrank a lot.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation.")
@click.pass_obj
def run_cmd(settings, name: str, full: bool, force: bool, dry_run: bool, no_validate: bool) -> None:
    """Harvest the source NAME now."""
    store = CatalogStore.from_url(settings.database_url)
    cfg = _fail_on_error(lambda: jobs.get_source(store, name))
    client = GuardedClient(allow_private=bool(cfg.config.get("allow_private")), allow_files=True)
    validate = not (no_validate or dry_run) and settings.shapes.exists()
    validator = Validator([settings.shapes], cache_size=2_000) if validate else None  # bounded memory
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[counts]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"harvesting {name}", counts="")
        report = _fail_on_error(lambda: run(
            store, cfg, validator=validator, force=force, dry_run=dry_run, full=full, client=client,
            progress=lambda counts: bar.update(task, counts=_counts(counts))))
    if validator is not None:
        validator.close()
    _print_summary(report)
    sys.exit(0 if report.status == "finished" else 1)


@group.command("jobs")
@click.argument("name", required=False)
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def jobs_cmd(settings, name: str | None, limit: int) -> None:
    """Recent harvest jobs (of source NAME)."""
    store = CatalogStore.from_url(settings.database_url)
    table = Table("job", "source", "status", "started", "finished", "counts", "error")
    for job, source in jobs.list_jobs(store, name, limit):
        counts = _counts({key: getattr(job, key) for key in COUNTS})
        label = job.status + (" (dry run)" if job.dry_run else "")
        table.add_row(str(job.id), source, label, _when(job.started_at), _when(job.finished_at), counts,
                      job.fatal_error or "")
    Console().print(table)


@group.command("report")
@click.argument("job", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def report_cmd(settings, job: int, as_json: bool) -> None:
    """Counts, per-record errors (with snippets) and validation findings by rule of JOB."""
    store = CatalogStore.from_url(settings.database_url)
    report = _fail_on_error(lambda: jobs.load_report(store, job))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"job {report['job']} of {report['source']}: {report['status']}"
               f"{' (dry run)' if report['dry_run'] else ''}; {_counts(report['counts'])}")
    for line in filter(None, [report["fatal_error"], *report["notes"]]):
        click.echo(f"  ! {line}")
    for record in report["records"]:
        click.echo(f"  {record['status']}: {record['remote_id']}")
        for error in record["errors"]:
            click.echo(f"    [{error['stage']}] {error['message']}")
            if error.get("snippet"):
                click.echo("      " + error["snippet"][:300].replace("\n", "\n      "))
    _print_outcomes(report["outcomes"])
    if report["findings"]:
        click.echo("validation findings (datasets affected, by rule):")
        for rule in report["findings"]:
            click.echo(f"  {rule['datasets']:6d}  {rule['severity']:9s} {rule['shape']} {rule['path'] or ''}")


@group.command("sources")
@click.pass_obj
def sources_cmd(settings) -> None:
    """Registered harvest sources, one per line (URLs are never wrapped)."""
    store = CatalogStore.from_url(settings.database_url)
    for source in jobs.list_sources(store):
        extra = [f"publisher={source.publisher}"] if source.publisher else []
        extra += [f"withdraw-threshold={source.withdraw_threshold:.0%}"]
        extra += [f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in source.config.items()]
        click.echo(f"{source.name}\t{source.type}\t{source.url}\t{' '.join(extra)}")


def _option(item: str) -> tuple[str, object]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
    try:
        return key, json.loads(value)  # numbers and booleans typed, anything else a string
    except ValueError:
        return key, value


def _mapping_name(value: str) -> str:
    """Inventories read mappings shipped in harvesters/mappings/; accept a name or one of those files."""
    path = Path(value)
    if path.suffix in (".yaml", ".yml"):
        if path.resolve().parent != MAPPINGS.resolve():
            raise click.BadParameter(f"{value}: mappings must live in {MAPPINGS}", param_hint="--mapping")
        return path.stem
    return value


def _fail_on_error(call):  # noqa: ANN001, ANN202 - any zero-argument callable
    try:
        return call()
    except HarvestError as exc:
        raise click.ClickException(str(exc)) from exc


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {key}" for key, n in counts.items() if n) or "nothing yet"


def _when(moment) -> str:  # noqa: ANN001
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _print_outcomes(outcomes: list[dict]) -> None:
    """A dry run's per-record outcomes (what a real run would add, update or withdraw, and its errors)."""
    if outcomes:
        click.echo(f"records (first {len(outcomes)}):")
    for o in outcomes:
        click.echo(f"  {o['outcome']:10s} {o['remote_id']}" + (f"  {o['title']}" if o.get("title") else ""))
        if o.get("error"):
            click.echo(f"    [{o['error']['stage']}] {o['error']['message']}")
            if o["error"].get("snippet"):
                click.echo("      " + o["error"]["snippet"][:300].replace("\n", "\n      "))


def _print_summary(report: JobReport) -> None:
    click.echo(f"job {report.job_id} {report.status}{' (dry run)' if report.dry_run else ''}: "
               f"{_counts(report.counts)}")
    for line in filter(None, [report.fatal_error, *report.notes]):
        click.echo(f"  ! {line}", err=True)
    if report.errors or report.duplicates:
        click.echo(f"  details: kaifang harvest report {report.job_id}", err=True)

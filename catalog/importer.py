"""Import RDF files into the catalogue: parse safely, split into records, upsert, validate.

A file that does not parse is reported in one line and changes nothing; a file that parses is stored in
one transaction, so an import never leaves half a file behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from catalog.contexts import known_contexts
from catalog.rdf import RDFError, parse
from catalog.records import split
from catalog.store import CatalogStore
from catalog.validation import Validator


@dataclass
class ImportResult:
    filename: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    iris: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def import_bytes(store: CatalogStore, data: bytes, filename: str, *, source: str | None = None,
                 format: str | None = None) -> ImportResult:
    result = ImportResult(filename)
    try:
        graph = parse(data, format=format, filename=filename, contexts=known_contexts())
    except RDFError as exc:
        result.error = str(exc)
        return result
    records, remainder = split(graph)
    with store.sessions.begin() as session:
        for record in records:
            outcome = store.upsert(record.node, record.graph, source=source or f"file:{filename}",
                                   session=session)
            setattr(result, outcome, getattr(result, outcome) + 1)
            result.iris.append(str(record.node))
    if len(remainder):
        store.save_catalog_graph(f"file:{filename}", remainder)
    return result


def import_file(store: CatalogStore, path: Path, *, source: str | None = None) -> ImportResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ImportResult(path.name, error=f"{path}: {exc.strerror}")
    return import_bytes(store, data, str(path), source=source)


def validate_records(store: CatalogStore, validator: Validator, shapes_hash: str,
                     iris: Iterable[str] | None = None, *, force: bool = False) -> dict[str, int]:
    """Validate stored records and keep each report beside its record.

    Reports are reused while neither the record (content hash) nor the shapes changed.
    """
    def todo() -> Iterable[tuple[str, Graph]]:
        for stored in store.iter_datasets(iris=iris):
            report = stored.report
            fresh = (report and report["shapes_hash"] == shapes_hash
                     and report["content_hash"] == stored.content_hash)
            if force or not fresh:
                yield stored.iri, stored.graph()

    totals = {"validated": 0, "conforming": 0}
    for iri, report in validator.validate_many(todo()):
        store.save_report(iri, report.to_dict(), shapes_hash)
        totals["validated"] += 1
        totals["conforming"] += int(report.conforms)
    return totals

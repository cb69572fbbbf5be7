"""Import RDF files into the catalogue: parse safely, split into records, upsert, validate.

A file that does not parse is reported in one line and changes nothing; a file that parses is stored in
one transaction, so an import never leaves half a file behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.contexts import known_contexts
from catalog.rdf import RDFError, parse
from catalog.records import split
from catalog.store import CatalogStore


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

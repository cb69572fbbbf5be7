"""The catalogue store: canonical graphs and their projections in SQLite or PostgreSQL (SQLAlchemy 2).

Every write goes through `CatalogStore.upsert`/`withdraw`, which also queue search-index work in the
outbox inside the same transaction: the index can lag, but it can never miss a change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rdflib import Graph
from rdflib.term import Node
from sqlalchemy import (
    Engine,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from catalog.canonical import canonical_nt
from catalog.model import Agent, Dataset, LangText, from_graph, pick
from catalog.records import SKOLEM_PREFIX
from catalog.tables import CatalogGraphRow, DatasetRow, OutboxRow, TermRow, ValidationRow, utcnow

Outcome = Literal["added", "updated", "unchanged"]
_SKOLEM = re.compile("<" + re.escape(SKOLEM_PREFIX) + r"([A-Za-z0-9]+)>")
_BNODE = re.compile(r"^_:([^\s\"]+)|(?<= )_:([^\s\"]+)(?= \.\s*$)")  # subject or object position only


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs to serve a portal and a harvest at once."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def name_for(iri: str) -> str:
    """A readable, stable URL slug for a record: its IRI's last segment plus a short hash of the IRI."""
    tail = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")[:60]
    digest = hash_text(iri)[:10]
    return f"{slug}-{digest}" if slug else digest


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class StoredDataset:
    id: int
    iri: str
    name: str
    status: str
    content_hash: str
    source: str | None
    dataset: Dataset
    graph_nt: str
    report: dict | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def graph(self) -> Graph:
        return Graph().parse(data=self.graph_nt, format="nt")


@dataclass
class RawProjection:
    """A record's name, status and projection as stored JSON text (not decoded): what a view that caches
    its output by the projection needs (CKAN search results), without the graph and the report."""

    id: int
    iri: str
    name: str
    status: str
    projection_json: str


@dataclass
class Summary:
    """What a listing shows of a record: no graph, no report."""

    name: str
    iri: str
    title: LangText
    modified: str | None
    views: int = 0


@dataclass
class PublisherCount:
    """A publisher (its slug and agent, taken from one of its records) and how many records it has."""

    slug: str
    agent: Agent
    count: int
    earliest: str | None  # the earliest modified date of its records


@dataclass
class Prepared:
    """What `upsert` derives from a record's graph (canonical N-Triples, their hash, the projection),
    computed where the graph was parsed: a harvest does it in a worker process and hands over this."""

    nt: str
    digest: str
    dataset: Dataset
    projection: dict


def prepare(node: Node, graph: Graph) -> Prepared:
    nt = canonical_nt(graph)
    dataset = from_graph(graph, node)
    return Prepared(nt, hash_text(nt), dataset, dataset.to_dict())


class CatalogStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> CatalogStore:
        return cls(make_engine(url))

    # -- writes ---------------------------------------------------------------------------------------
    def upsert(self, node: Node, graph: Graph | None, *, source: str | None = None,
               session: Session | None = None, prepared: Prepared | None = None) -> Outcome:
        """Store one record; unchanged content (same canonical hash) is a no-op. With `prepared`
        (from `prepare`, e.g. computed in a harvest's worker process) the graph is not needed."""
        nt = prepared.nt if prepared else canonical_nt(graph)
        digest = prepared.digest if prepared else hash_text(nt)
        if session is None:
            with self.sessions.begin() as own:
                return self._upsert(own, node, graph, nt, digest, source, prepared)
        return self._upsert(session, node, graph, nt, digest, source, prepared)

    def _upsert(self, s: Session, node: Node, graph: Graph | None, nt: str, digest: str,
                source: str | None, prepared: Prepared | None = None) -> Outcome:
        row = s.scalar(select(DatasetRow).where(DatasetRow.iri == str(node)))
        if row is not None and row.content_hash == digest and row.status == "active":
            return "unchanged"
        dataset = prepared.dataset if prepared else from_graph(graph, node)
        values = {
            "kind": dataset.kind,
            "title": pick(dataset.title, "zh")[:2000],
            "publisher_iri": dataset.publisher.iri if dataset.publisher else None,
            "graph_nt": nt,
            "content_hash": digest,
            "projection": prepared.projection if prepared else dataset.to_dict(),
            "status": "active",
            "modified": dataset.modified,
            "updated_at": utcnow(),
            "withdrawn_at": None,
        }
        if source is not None:
            values["source"] = source
        outcome: Outcome = "updated"
        if row is None:
            row = DatasetRow(iri=str(node), name=name_for(str(node)), **values)
            s.add(row)
            outcome = "added"
        else:
            for key, value in values.items():
                setattr(row, key, value)
        _describe(row, dataset)
        s.add(OutboxRow(dataset_iri=str(node), op="index"))
        return outcome

    def upsert_many(self, entries: list[tuple[Node, Graph | None, Prepared | None]], *, source: str | None,
                    session: Session) -> list[tuple[Outcome, str]]:
        """`upsert` for a batch in `session`, outcome by outcome the same, in a few statements: one lookup,
        one executemany per table (SQLite gets no multi-row INSERT … RETURNING from the ORM, so one upsert
        is ~4 statements a record). (outcome, content hash now stored) per entry. An IRI given twice takes
        the one-by-one path (as `upsert` would)."""
        prepared = [p if p is not None else prepare(node, graph) for node, graph, p in entries]  # type: ignore[arg-type]
        iris = [str(node) for node, _, _ in entries]
        if len(set(iris)) != len(iris):
            return [(self.upsert(node, graph, source=source, session=session, prepared=p), p.digest)
                    for (node, graph, _), p in zip(entries, prepared, strict=True)]
        table, terms_table = DatasetRow.__table__, TermRow.__table__
        columns = (table.c.id, table.c.iri, table.c.content_hash, table.c.status)
        known = {iri: (id_, digest, status) for id_, iri, digest, status in session.execute(
            select(*columns).where(table.c.iri.in_(iris)))}
        outcomes: list[Outcome] = []
        added, updated, terms, outbox = [], [], [], []
        now = utcnow()
        for iri, p in zip(iris, prepared, strict=True):
            row = known.get(iri)
            if row is not None and row[1] == p.digest and row[2] == "active":
                outcomes.append("unchanged")
                continue
            dataset = p.dataset
            ckan_id, publisher_key, described = describe_terms(iri, dataset)
            values = {
                "kind": dataset.kind, "title": pick(dataset.title, "zh")[:2000],
                "publisher_iri": dataset.publisher.iri if dataset.publisher else None, "graph_nt": p.nt,
                "content_hash": p.digest, "projection": p.projection, "status": "active",
                "modified": dataset.modified, "updated_at": now, "withdrawn_at": None, "ckan_id": ckan_id,
                "publisher_key": publisher_key}
            if source is not None:
                values["source"] = source
            if row is None:
                added.append({"iri": iri, "name": name_for(iri), "created_at": now, **values})
                outcomes.append("added")
            else:
                updated.append({"_id": row[0], **values})
                outcomes.append("updated")
            terms.append((iri, described))
            outbox.append({"dataset_iri": iri, "op": "index"})
        with session.no_autoflush:
            if added:
                session.execute(insert(table), added)
            for keys in {tuple(sorted(v)) for v in updated}:  # one statement per set of columns
                rows = [v for v in updated if tuple(sorted(v)) == keys]
                session.execute(update(table).where(table.c.id == bindparam("_id")), rows)
            if terms:
                ids = dict(session.execute(select(table.c.iri, table.c.id).where(
                    table.c.iri.in_([iri for iri, _ in terms]))).all())
                if updated:
                    session.execute(delete(terms_table).where(terms_table.c.dataset_id.in_(
                        [v["_id"] for v in updated])))
                term_rows = [{"dataset_id": ids[iri], "kind": kind, "value": value}
                             for iri, described in terms for kind, value in described]
                if term_rows:
                    session.execute(insert(terms_table), term_rows)
            if outbox:
                session.execute(insert(OutboxRow.__table__), [{**row, "created_at": now} for row in outbox])
        return [(outcome, p.digest) for outcome, p in zip(outcomes, prepared, strict=True)]

    def withdraw(self, iri: str, session: Session | None = None) -> bool:
        """Hide a record from search and listings but keep it (and its history) in the store."""
        def run(s: Session) -> bool:
            row = s.scalar(select(DatasetRow).where(DatasetRow.iri == iri))
            if row is None or row.status == "withdrawn":
                return False
            row.status, row.withdrawn_at, row.updated_at = "withdrawn", utcnow(), utcnow()
            s.add(OutboxRow(dataset_iri=iri, op="delete"))
            return True

        if session is not None:
            return run(session)
        with self.sessions.begin() as own:
            return run(own)

    def delete(self, iri: str, session: Session | None = None) -> bool:
        """Remove a record for good (its validation report goes with it); prefer `withdraw`."""
        def run(s: Session) -> bool:
            removed = s.execute(delete(DatasetRow).where(DatasetRow.iri == iri)).rowcount
            if removed:
                s.add(OutboxRow(dataset_iri=iri, op="delete"))
            return bool(removed)

        if session is not None:
            return run(session)
        with self.sessions.begin() as own:
            return run(own)

    def save_report(self, iri: str, report: dict, shapes_hash: str) -> None:
        with self.sessions.begin() as s:
            row = s.scalar(select(DatasetRow).where(DatasetRow.iri == iri))
            if row is None:
                raise KeyError(iri)
            s.merge(_report_row(row.id, row.content_hash, report, shapes_hash))

    def save_reports(self, reports: list[tuple[str, str, dict]], shapes_hash: str) -> None:
        """Many (iri, content hash, report) in one transaction (a commit per record costs more than the
        validation itself). A report of content that has since been replaced is dropped: the newer one
        follows. KeyError for a record that is not stored."""
        if not reports:
            return
        with self.sessions.begin() as s:
            rows = {iri: (id_, digest) for id_, iri, digest in s.execute(
                select(DatasetRow.id, DatasetRow.iri, DatasetRow.content_hash)
                .where(DatasetRow.iri.in_([iri for iri, _, _ in reports])))}
            missing = [iri for iri, _, _ in reports if iri not in rows]
            if missing:
                raise KeyError(missing[0])
            current = {iri: report for iri, digest, report in reports if rows[iri][1] == digest}
            s.execute(delete(ValidationRow).where(ValidationRow.dataset_id.in_(
                [rows[iri][0] for iri in current])))
            s.add_all(_report_row(rows[iri][0], rows[iri][1], report, shapes_hash)
                      for iri, report in current.items())

    def save_catalog_graph(self, key: str, graph: Graph) -> None:
        with self.sessions.begin() as s:
            s.merge(CatalogGraphRow(key=key, graph_nt=canonical_nt(graph), updated_at=utcnow()))

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, iri: str) -> StoredDataset | None:
        with self.sessions() as s:
            row = s.scalar(select(DatasetRow).where(DatasetRow.iri == iri))
            if row is None:
                return None
            report = s.get(ValidationRow, row.id)
            return _stored(row, report)

    def get_by_name(self, name: str) -> StoredDataset | None:
        """One query with its report. The dataset page and API call this on every request, so it is a
        prebuilt Core statement: through the ORM (a statement built and coerced, rows turned into objects)
        it cost twice as much, about a quarter of the dataset API's CPU. JSON stays with the standard
        library, which reads integers of any size exactly (a harvested byteSize can exceed 64 bits)."""
        with self.engine.connect() as connection:
            row = connection.execute(self._by_name, {"name": name}).first()
        return None if row is None else _stored_row(row)

    _by_name = (select(DatasetRow.id, DatasetRow.iri, DatasetRow.name, DatasetRow.status,
                       DatasetRow.content_hash, DatasetRow.source,
                       cast(DatasetRow.projection, Text).label("projection"), DatasetRow.graph_nt,
                       DatasetRow.created_at, DatasetRow.updated_at,
                       ValidationRow.dataset_id.label("report_id"), ValidationRow.conforms,
                       ValidationRow.shapes_hash, ValidationRow.content_hash.label("report_hash"),
                       cast(ValidationRow.findings, Text).label("findings"), ValidationRow.violations,
                       ValidationRow.warnings, ValidationRow.infos)
                .outerjoin(ValidationRow, ValidationRow.dataset_id == DatasetRow.id)
                .where(DatasetRow.name == bindparam("name")))

    def count(self, status: str | None = "active") -> int:
        query = select(func.count(DatasetRow.id))
        if status:
            query = query.where(DatasetRow.status == status)
        with self.sessions() as s:
            return s.scalar(query) or 0

    def iter_datasets(self, status: str | None = "active", batch: int = 500,
                      iris: Iterable[str] | None = None) -> Iterator[StoredDataset]:
        """Stream records in id order, one batch in memory at a time.

        With `iris`, the status is checked here rather than in SQL: given both, SQLite's planner walks the
        status index (every active record) instead of looking the IRIs up."""
        last = 0
        wanted = list(iris) if iris is not None else None
        while True:
            query = select(DatasetRow).where(DatasetRow.id > last).order_by(DatasetRow.id).limit(batch)
            if status and wanted is None:
                query = query.where(DatasetRow.status == status)
            if wanted is not None:
                query = query.where(DatasetRow.iri.in_(wanted))
            with self.sessions() as s:
                rows = list(s.scalars(query))
                reports = {r.dataset_id: r for r in s.scalars(
                    select(ValidationRow).where(ValidationRow.dataset_id.in_([row.id for row in rows])))}
            if not rows:
                return
            for row in rows:
                if not status or row.status == status:
                    yield _stored(row, reports.get(row.id))
            last = rows[-1].id

    def raw_projections(self, iris: Iterable[str], status: str | None = "active") -> dict[str, RawProjection]:
        """Records by IRI in one query, with their projections as JSON text (a page of search hits). The
        status is checked here, not in SQL, for the reason `iter_datasets` gives."""
        wanted = list(dict.fromkeys(iris))
        if not wanted:
            return {}
        with self.engine.connect() as connection:  # Core, not a Session: this runs on every search
            rows = connection.execute(self._raw_query, {"iris": wanted}).all()
        return {iri: RawProjection(id_, iri, name, found, text if isinstance(text, str) else json.dumps(text))
                for id_, iri, name, found, text in rows if not status or found == status}

    _raw_query = (select(DatasetRow.id, DatasetRow.iri, DatasetRow.name, DatasetRow.status,
                         cast(DatasetRow.projection, Text))
                  .where(DatasetRow.iri.in_(bindparam("iris", expanding=True))))

    def page(self, offset: int, limit: int, status: str | None = "active") -> list[StoredDataset]:
        """One page in id order (for paged DCAT and CKAN listings)."""
        query = select(DatasetRow).order_by(DatasetRow.id).offset(offset).limit(limit)
        if status:
            query = query.where(DatasetRow.status == status)
        with self.sessions() as s:
            rows = list(s.scalars(query))
            reports = {r.dataset_id: r for r in s.scalars(
                select(ValidationRow).where(ValidationRow.dataset_id.in_([row.id for row in rows])))}
        return [_stored(row, reports.get(row.id)) for row in rows]

    def publishers(self, status: str | None = "active") -> list[tuple[str, int]]:
        """(publisher IRI, number of records), most records first."""
        query = (select(DatasetRow.publisher_iri, func.count(DatasetRow.id))
                 .where(DatasetRow.publisher_iri.is_not(None))
                 .group_by(DatasetRow.publisher_iri).order_by(func.count(DatasetRow.id).desc()))
        if status:
            query = query.where(DatasetRow.status == status)
        with self.sessions() as s:
            return [(iri, n) for iri, n in s.execute(query)]

    # -- listings: single indexed queries over the side columns and dataset_terms ----------------------
    def get_by_ckan_id(self, ckan_id: str) -> StoredDataset | None:
        """By CKAN id (uuid5 of the IRI), whatever the record's status."""
        with self.sessions() as s:
            row = s.scalar(select(DatasetRow).where(DatasetRow.ckan_id == ckan_id).limit(1))
            return None if row is None else _stored(row, s.get(ValidationRow, row.id))

    def names(self, offset: int = 0, limit: int | None = None) -> list[str]:
        """Names of the active records, sorted (CKAN package_list)."""
        query = (select(DatasetRow.name).where(DatasetRow.status == "active").order_by(DatasetRow.name)
                 .offset(offset).limit(limit))
        with self.sessions() as s:
            return list(s.scalars(query))

    def iris(self) -> list[str]:
        """IRIs of the active records in id order (the catalogue node's dcat:dataset list)."""
        with self.sessions() as s:
            return list(s.scalars(select(DatasetRow.iri).where(DatasetRow.status == "active")
                                  .order_by(DatasetRow.id)))

    def recent(self, offset: int, limit: int, publisher: str | None = None) -> list[StoredDataset]:
        """Active records, most recently modified first (undated last), optionally of one publisher."""
        query = (_recent(select(DatasetRow), publisher).offset(offset).limit(limit))
        with self.sessions() as s:
            rows = list(s.scalars(query))
            reports = {r.dataset_id: r for r in s.scalars(
                select(ValidationRow).where(ValidationRow.dataset_id.in_([row.id for row in rows])))}
        return [_stored(row, reports.get(row.id)) for row in rows]

    def summaries(self, offset: int, limit: int, publisher: str | None = None) -> list[Summary]:
        """Like `recent`, without graphs and reports (listing pages)."""
        query = _recent(select(DatasetRow.name, DatasetRow.iri, DatasetRow.projection, DatasetRow.modified,
                               DatasetRow.views), publisher).offset(offset).limit(limit)
        with self.sessions() as s:
            return [Summary(name, iri, projection.get("title") or {}, modified, views)
                    for name, iri, projection, modified, views in s.execute(query)]

    def publisher_counts(self, slug: str | None = None) -> list[PublisherCount]:
        """Publishers of active records with their counts (one GROUP BY), most records first; the agent
        is taken from each publisher's first record."""
        query = (select(DatasetRow.publisher_key, func.count(DatasetRow.id), func.min(DatasetRow.id),
                        func.min(DatasetRow.modified))
                 .where(DatasetRow.status == "active", DatasetRow.publisher_key.is_not(None))
                 .group_by(DatasetRow.publisher_key).order_by(func.count(DatasetRow.id).desc()))
        if slug is not None:
            query = query.where(DatasetRow.publisher_key == slug)
        with self.sessions() as s:
            found = s.execute(query).all()
            agents = {id_: projection.get("publisher") for id_, projection in s.execute(
                select(DatasetRow.id, DatasetRow.projection).where(DatasetRow.id.in_([f[2] for f in found])))}
        return [PublisherCount(key, Agent(**(agents.get(first) or {"iri": None})), n, earliest)
                for key, n, first, earliest in found]

    def term_counts(self, kind: str) -> list[tuple[str, int]]:
        """(theme IRI or keyword, number of active records), most records first."""
        n = func.count(TermRow.dataset_id)
        query = (select(TermRow.value, n).join(DatasetRow, DatasetRow.id == TermRow.dataset_id)
                 .where(TermRow.kind == kind, DatasetRow.status == "active")
                 .group_by(TermRow.value).order_by(n.desc(), TermRow.value))
        with self.sessions() as s:
            return [(value, count) for value, count in s.execute(query)]

    # -- page views -----------------------------------------------------------------------------------
    def add_views(self, counts: dict[str, int]) -> None:
        """Add buffered page views by record name: one UPDATE … SET views = views + n per record, so
        several processes adding at once never lose a view."""
        if not counts:
            return
        statement = (update(DatasetRow.__table__).where(DatasetRow.__table__.c.name == bindparam("key"))
                     .values(views=DatasetRow.__table__.c.views + bindparam("n")))
        with self.sessions.begin() as s:
            s.execute(statement, [{"key": name, "n": n} for name, n in sorted(counts.items())])

    def most_viewed(self, limit: int) -> list[Summary]:
        """Active records with at least one view, most viewed first (the newer record of a tie)."""
        query = (select(DatasetRow.name, DatasetRow.iri, DatasetRow.projection, DatasetRow.modified,
                        DatasetRow.views)
                 .where(DatasetRow.status == "active", DatasetRow.views > 0)
                 .order_by(DatasetRow.views.desc(), DatasetRow.id.desc()).limit(limit))
        with self.sessions() as s:
            return [Summary(name, iri, projection.get("title") or {}, modified, views)
                    for name, iri, projection, modified, views in s.execute(query)]

    def export_nt(self, status: str | None = "active") -> Iterator[str]:
        """The whole catalogue as N-Triples lines, streamed; blank nodes are kept apart per record."""
        with self.sessions() as s:
            for row in s.scalars(select(CatalogGraphRow).order_by(CatalogGraphRow.key)):
                yield from _relabel(row.graph_nt, f"c{hash_text(row.key)[:8]}")
        for stored in self.iter_datasets(status=status):
            yield from _relabel(stored.graph_nt, f"d{stored.id}")

    def export_graph(self, status: str | None = "active") -> Graph:
        return Graph().parse(data="".join(self.export_nt(status)), format="nt")

    # -- search outbox --------------------------------------------------------------------------------
    def outbox_peek(self, limit: int = 500) -> list[tuple[int, str, str]]:
        with self.sessions() as s:
            rows = s.execute(select(OutboxRow.id, OutboxRow.dataset_iri, OutboxRow.op)
                             .order_by(OutboxRow.id).limit(limit))
            return [tuple(r) for r in rows]

    def outbox_ack(self, ids: Iterable[int]) -> None:
        with self.sessions.begin() as s:
            s.execute(delete(OutboxRow).where(OutboxRow.id.in_(list(ids))))


def describe_terms(iri: str, dataset: Dataset) -> tuple[str, str | None, list[tuple[str, str]]]:
    """A record's CKAN id, publisher slug and (kind, value) terms, as the listings query them."""
    from catalog.views.ckan import ckan_id, publisher_slug, tags  # the CKAN view imports this module

    key = publisher_slug(dataset.publisher) if dataset.publisher else None
    themes = [("theme", t) for t in dataset.themes]
    found = dict.fromkeys(themes + [("keyword", k[:1024]) for k in tags(dataset)])
    return ckan_id(iri), key, list(found)


def _describe(row: DatasetRow, dataset: Dataset) -> None:
    """Fill a record's side columns and terms (kept with the row, replaced on each update)."""
    row.ckan_id, row.publisher_key, terms = describe_terms(row.iri, dataset)
    row.terms = [TermRow(kind=kind, value=value) for kind, value in terms]


def _recent(query: Any, publisher: str | None) -> Any:
    query = query.where(DatasetRow.status == "active")
    if publisher is not None:
        query = query.where(DatasetRow.publisher_key == publisher)
    return query.order_by(DatasetRow.modified.desc().nulls_last(), DatasetRow.id)


def _report_row(dataset_id: int, content_hash: str, report: dict, shapes_hash: str) -> ValidationRow:
    counts = report["counts"]
    return ValidationRow(
        dataset_id=dataset_id, shapes_hash=shapes_hash, content_hash=content_hash,
        conforms=report["conforms"], violations=counts.get("Violation", 0), warnings=counts.get("Warning", 0),
        infos=counts.get("Info", 0), findings=report["findings"], validated_at=utcnow())


def _stored(row: DatasetRow, report: ValidationRow | None) -> StoredDataset:
    return _assemble(row, row.projection,
                     None if report is None else _report(report, report.content_hash, report.findings))


def _stored_row(row: Any) -> StoredDataset:
    """`_stored` for a row of `CatalogStore._by_name` (JSON columns as text, the report's columns joined)."""
    findings = json.loads(row.findings) if row.findings is not None else None
    return _assemble(row, json.loads(row.projection),
                     None if row.report_id is None else _report(row, row.report_hash, findings))


def _report(found: Any, content_hash: str, findings: list | None) -> dict:
    """A report as views read it; `found` is a ValidationRow or a row with its columns."""
    return {"conforms": found.conforms, "shapes_hash": found.shapes_hash, "content_hash": content_hash,
            "findings": findings,
            "counts": {"Violation": found.violations, "Warning": found.warnings, "Info": found.infos}}


def _assemble(row: Any, projection: dict, report: dict | None) -> StoredDataset:
    return StoredDataset(row.id, row.iri, row.name, row.status, row.content_hash, row.source,
                         Dataset.from_dict(projection), row.graph_nt, report, row.created_at, row.updated_at)


def _relabel(nt: str, prefix: str) -> Iterator[str]:
    """Keep each record's blank nodes apart, and turn skolemised dataset IRIs (records.split gives
    anonymous datasets a stable IRI so they can be stored and addressed) back into blank nodes."""
    for line in nt.splitlines(keepends=True):
        if "_:" in line:
            line = _BNODE.sub(lambda m: f"_:{prefix}x{m.group(1) or m.group(2)}", line)
        if SKOLEM_PREFIX in line:
            line = _SKOLEM.sub(lambda m: f"_:sk{m.group(1)}", line)
        yield line

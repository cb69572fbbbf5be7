"""An organisation's names on the datasets it publishes through the CKAN write API (decision 0013).

The CKAN write actions (portal/api/ckan_write.py) name a dataset's dct:publisher by its organisation's
titles and store the record under `CKAN_SOURCE`. Renaming the organisation (`rename_org`) gives exactly
those records the new names, in the rename's transaction, through the store's normal write path; records
that came from a harvest, a file import or a REST body (`/api/1/datasets`) keep the names their source
gave, since there the source, not Kaifang, named the publisher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import accounts, audit
from catalog.model import pick
from catalog.namespaces import FOAF
from catalog.store import CatalogStore, prepare
from catalog.tables import DatasetRow
from catalog.tables_accounts import OrganisationRow
from catalog.validation import Report, Validator

# The `datasets.source` of records written by the CKAN write actions; REST writes store "workspace".
CKAN_SOURCE = "workspace:ckan"


class RenameRefused(accounts.AccountError):
    """A record would not conform with the new names: the whole rename is refused, titles included."""

    def __init__(self, iri: str, reason: str) -> None:
        super().__init__(f"dataset {iri} would not conform to the profile with the new names: {reason}")
        self.iri = iri


@dataclass
class Renamed:
    """The titles before and after, and (IRI, content hash, SHACL report) of every rewritten record:
    the caller saves the reports after commit (`CatalogStore.save_reports`), as a publish does."""

    before: dict[str, str | None]
    after: dict[str, str | None]
    reports: list[tuple[str, str, dict]] = field(default_factory=list)


def publisher_names(org: OrganisationRow) -> list[Literal]:
    """foaf:name of the organisation's agent: "…"@zh and "…"@en when it has both titles, so pages, search
    and DCAT exports show the reader's language; else its one title untagged, as before (decision 0013)."""
    return [Literal(text, lang=tag or None) for tag, text in org.titles.items()]


def name_publisher(graph: Graph, org: OrganisationRow) -> None:
    """Make the organisation's names the only foaf:name of its agent in `graph`: the organisation names
    its agent, not a CKAN dict's extras nor the titles it had when the record was last written."""
    publisher = URIRef(org.publisher_iri)
    graph.remove((publisher, FOAF.name, None))
    for literal in publisher_names(org):
        graph.add((publisher, FOAF.name, literal))


def rename_org(store: CatalogStore, s: Session, org: OrganisationRow, title: str, title_en: str | None, *,
               actor: audit.Actor, validator: Validator) -> Renamed:
    """Change the titles and rename the publisher of the organisation's CKAN-published records, each
    change audited, all in the caller's transaction `s`: a refused or failed rewrite rolls the titles
    back too, so no organisation is ever half renamed."""
    before, after = accounts.set_org_titles(s, org, title, title_en)
    renamed = Renamed(before, after)
    if before == after:
        return renamed
    audit.record(s, actor, "update", "organisation", f"org:{org.slug}", organisation=org.slug,
                 before=before, after=after, title=org.title)
    for iri in published_through(s, org):
        rewritten = _rewrite(store, s, org, iri, actor=actor, validator=validator)
        if rewritten is not None:
            renamed.reports.append(rewritten)
    return renamed


def published_through(s: Session, org: OrganisationRow) -> list[str]:
    """IRIs of the active records the CKAN write actions last wrote for this organisation. Withdrawn ones
    are left alone: the store's write path would make them active again (a CKAN update of one names it
    anew anyway)."""
    query = (select(DatasetRow.iri).where(DatasetRow.publisher_iri == org.publisher_iri,
                                          DatasetRow.source == CKAN_SOURCE, DatasetRow.status == "active")
             .order_by(DatasetRow.id))
    return list(s.scalars(query))


def _rewrite(store: CatalogStore, s: Session, org: OrganisationRow, iri: str, *, actor: audit.Actor,
             validator: Validator) -> tuple[str, str, dict] | None:
    """Re-store one record with the organisation's current names, checked and audited as any publish;
    None when it already carried them."""
    row = s.scalar(select(DatasetRow).where(DatasetRow.iri == iri))
    node, graph, before = URIRef(iri), Graph().parse(data=row.graph_nt, format="nt"), dict(row.projection)
    name_publisher(graph, org)
    prepared = prepare(node, graph)
    if prepared.digest == row.content_hash:
        return None
    report = _conforming(validator, graph, iri)
    store.upsert(node, graph, session=s, prepared=prepared)
    audit.record(s, actor, "update", "dataset", iri, before=before, after=prepared.projection,
                 organisation=org.slug, title=pick(prepared.dataset.title, "zh"))
    return iri, prepared.digest, report.to_dict()


def _conforming(validator: Validator, graph: Graph, iri: str) -> Report:
    """The record's report; RenameRefused on any Violation, as a publish refuses one (decision 0007)."""
    report = validator.validate(graph)
    if report.error or report.counts.get("Violation"):
        raise RenameRefused(iri, report.error or "see its SHACL findings")
    return report

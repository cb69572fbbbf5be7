"""Database tables of the catalogue. Alembic migrations (catalog/migrations) create them; this module
only describes them, so the same definitions serve SQLite (embedded default) and PostgreSQL (production).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class DatasetRow(Base):
    """One DCAT record (dataset, series or data service): its canonical graph and typed projection."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iri: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)  # URL slug, derived from the IRI
    kind: Mapped[str] = mapped_column(String(32), default="Dataset")
    title: Mapped[str] = mapped_column(Text, default="")
    publisher_iri: Mapped[str | None] = mapped_column(String(2048), index=True)
    graph_nt: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    projection: Mapped[dict] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    source: Mapped[str | None] = mapped_column(String(255), index=True)
    modified: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Side columns for listings without parsing projections (see CatalogStore.describe): the CKAN id
    # (uuid5 of the IRI), the publisher's slug, and page views (added in batches by the portal).
    ckan_id: Mapped[str | None] = mapped_column(String(36), index=True)
    publisher_key: Mapped[str | None] = mapped_column(String(128))
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    terms: Mapped[list[TermRow]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class TermRow(Base):
    """A theme IRI or keyword of a dataset, so theme counts and tag lists are one indexed query."""

    __tablename__ = "dataset_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "theme" | "keyword"
    value: Mapped[str] = mapped_column(String(1024))


class ValidationRow(Base):
    """The latest SHACL report of a dataset against the shapes identified by shapes_hash."""

    __tablename__ = "validation_reports"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    shapes_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    conforms: Mapped[bool] = mapped_column(Boolean)
    violations: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    infos: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[list] = mapped_column(Json)
    validated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogGraphRow(Base):
    """Triples of an imported catalogue that belong to no dataset (the catalogue's own description,
    catalogue records, agents described on their own), kept so an import round-trips."""

    __tablename__ = "catalog_graphs"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    graph_nt: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxRow(Base):
    """Search-index work written in the same transaction as the catalogue change, so nothing is lost
    when Elasticsearch is down: the indexer drains it when the engine is back."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_iri: Mapped[str] = mapped_column(String(2048))
    op: Mapped[str] = mapped_column(String(8))  # "index" | "delete"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_outbox_created", OutboxRow.created_at)
Index("ix_terms_kind_value", TermRow.kind, TermRow.value, TermRow.dataset_id)
Index("ix_datasets_status_name", DatasetRow.status, DatasetRow.name)
# (status, …) first: every listing reads active records only; the id in ix_datasets_views breaks ties
Index("ix_datasets_publisher_key", DatasetRow.status, DatasetRow.publisher_key, DatasetRow.modified)
Index("ix_datasets_status_modified", DatasetRow.status, DatasetRow.modified)
Index("ix_datasets_views", DatasetRow.status, DatasetRow.views, DatasetRow.id)

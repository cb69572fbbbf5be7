"""Harvest bookkeeping: sources, jobs (with their lease) and one row per remote record.

Created by migrations 0002 and 0005 on the catalogue's own `Base`, so a harvest and the catalogue changes
it makes commit in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.tables import Base, Json, utcnow

# `repeated`: remote ids listed again within one gather (harvested once; the job's notes name a few).
COUNTS = ("added", "updated", "unchanged", "withdrawn", "failed", "duplicates", "repeated")


class HarvestSource(Base):
    __tablename__ = "harvest_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2048))
    publisher: Mapped[str | None] = mapped_column(String(2048))
    schedule: Mapped[str | None] = mapped_column(String(64))
    config: Mapped[dict] = mapped_column(Json, default=dict)
    withdraw_threshold: Mapped[float] = mapped_column(Float, default=0.2)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HarvestJob(Base):
    """One run of a source. While `status` is "running" the row is the source's lease: `lease_owner`
    (host:pid) and `heartbeat_at` tell a later run whether the worker is still alive."""

    __tablename__ = "harvest_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|finished|failed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    repeated: Mapped[int] = mapped_column(Integer, default=0)
    gather_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    fatal_error: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[list] = mapped_column(Json, default=list)  # e.g. why nothing was withdrawn


# At most one running job per source, enforced by the database (the lease cannot be taken twice).
Index("uq_harvest_jobs_running", HarvestJob.source_id, unique=True,
      sqlite_where=HarvestJob.status == "running", postgresql_where=HarvestJob.status == "running")


class HarvestRecord(Base):
    """The last known state of one remote record; `last_job_id` is the last job whose gather saw it."""

    __tablename__ = "harvest_records"
    __table_args__ = (UniqueConstraint("source_id", "remote_id", name="uq_harvest_records_remote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(2048))
    dataset_iri: Mapped[str | None] = mapped_column(String(2048), index=True)
    remote_modified: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_job_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok|error|duplicate|withdrawn
    errors: Mapped[list] = mapped_column(Json, default=list)  # [{stage, message, snippet}]
    warnings: Mapped[list] = mapped_column(Json, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HarvestPage(Base):
    """A page of a source's listing as last harvested: its digest, its next-page link and the remote ids it
    listed. A later run that fetches the same bytes marks those records seen without parsing the page."""

    __tablename__ = "harvest_pages"
    __table_args__ = (UniqueConstraint("source_id", "url", name="uq_harvest_pages_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    digest: Mapped[str] = mapped_column(String(64))
    next_url: Mapped[str | None] = mapped_column(String(2048))
    remote_ids: Mapped[list] = mapped_column(Json, default=list)
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Harvesting: sources, jobs (leases) and per-record state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("publisher", sa.String(2048)),
        sa.Column("schedule", sa.String(64)),
        sa.Column("config", Json, nullable=False),
        sa.Column("withdraw_threshold", sa.Float, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "harvest_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("harvest_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("started_at", Stamp),
        sa.Column("finished_at", Stamp),
        sa.Column("heartbeat_at", Stamp),
        sa.Column("lease_owner", sa.String(255)),
        *(sa.Column(name, sa.Integer, nullable=False)
          for name in ("added", "updated", "unchanged", "withdrawn", "failed", "duplicates")),
        sa.Column("gather_complete", sa.Boolean, nullable=False),
        sa.Column("fatal_error", sa.Text),
        sa.Column("notes", Json, nullable=False),
    )
    op.create_index("ix_harvest_jobs_source_id", "harvest_jobs", ["source_id"])
    running = sa.text("status = 'running'")
    op.create_index("uq_harvest_jobs_running", "harvest_jobs", ["source_id"], unique=True,
                    sqlite_where=running, postgresql_where=running)
    op.create_table(
        "harvest_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("harvest_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("remote_id", sa.String(2048), nullable=False),
        sa.Column("dataset_iri", sa.String(2048)),
        sa.Column("remote_modified", sa.String(64)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("last_job_id", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("errors", Json, nullable=False),
        sa.Column("warnings", Json, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.UniqueConstraint("source_id", "remote_id", name="uq_harvest_records_remote"),
    )
    op.create_index("ix_harvest_records_dataset_iri", "harvest_records", ["dataset_iri"])
    op.create_index("ix_harvest_records_last_job_id", "harvest_records", ["last_job_id"])


def downgrade() -> None:
    for table in ("harvest_records", "harvest_jobs", "harvest_sources"):
        op.drop_table(table)

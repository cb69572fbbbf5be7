"""Harvesting: remembered listing pages (skip unchanged pages) and the `repeated` count of a job.

Revision ID: 0005_harvest_pages
Revises: 0004_geo
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_harvest_pages"
down_revision = "0004_geo"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("harvest_jobs", sa.Column("repeated", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "harvest_pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("harvest_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("next_url", sa.String(2048)),
        sa.Column("remote_ids", Json, nullable=False),
        sa.Column("last_job_id", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_id", "url", name="uq_harvest_pages_url"),
    )


def downgrade() -> None:
    op.drop_table("harvest_pages")
    with op.batch_alter_table("harvest_jobs") as batch:
        batch.drop_column("repeated")

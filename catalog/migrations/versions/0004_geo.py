"""Geodata reads: per distribution, the latest enrichment result (extent or the error to show).

Revision ID: 0004_geo
Revises: 0003_accounts
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_geo"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geo_reads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_iri", sa.String(2048), nullable=False),
        sa.Column("distribution", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("bbox", sa.JSON),
        sa.Column("feature_count", sa.Integer),
        sa.Column("crs_source", sa.String(255)),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dataset_iri", "distribution", name="uq_geo_reads_distribution"),
    )
    op.create_index("ix_geo_reads_dataset_iri", "geo_reads", ["dataset_iri"])


def downgrade() -> None:
    op.drop_table("geo_reads")

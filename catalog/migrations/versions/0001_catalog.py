"""The catalogue: datasets, validation reports, catalogue graphs, search outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iri", sa.String(2048), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("publisher_iri", sa.String(2048)),
        sa.Column("graph_nt", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("projection", Json, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("modified", sa.String(64)),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.Column("withdrawn_at", Stamp),
    )
    op.create_index("ix_datasets_publisher_iri", "datasets", ["publisher_iri"])
    op.create_index("ix_datasets_status", "datasets", ["status"])
    op.create_index("ix_datasets_source", "datasets", ["source"])
    op.create_index("ix_datasets_updated_at", "datasets", ["updated_at"])
    op.create_table(
        "validation_reports",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("shapes_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("conforms", sa.Boolean, nullable=False),
        sa.Column("violations", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("infos", sa.Integer, nullable=False),
        sa.Column("findings", Json, nullable=False),
        sa.Column("validated_at", Stamp, nullable=False),
    )
    op.create_table(
        "catalog_graphs",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("graph_nt", sa.Text, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "index_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_iri", sa.String(2048), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_outbox_created", "index_outbox", ["created_at"])


def downgrade() -> None:
    for table in ("index_outbox", "catalog_graphs", "validation_reports", "datasets"):
        op.drop_table(table)

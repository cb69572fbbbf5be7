"""Listings without a catalogue scan: CKAN id, publisher key and view count on datasets, and the
dataset_terms table (themes and keywords); existing records are backfilled from their projections.

Revision ID: 0006_listings
Revises: 0005_harvest_pages
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from catalog.model import Dataset
from catalog.store import describe_terms

revision = "0006_listings"
down_revision = "0005_harvest_pages"
branch_labels = None
depends_on = None
BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("ckan_id", sa.String(36)))
        batch.add_column(sa.Column("publisher_key", sa.String(128)))
        batch.add_column(sa.Column("views", sa.Integer, nullable=False, server_default="0"))
    terms = op.create_table(
        "dataset_terms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(1024), nullable=False),
    )
    _backfill(terms)
    op.create_index("ix_datasets_ckan_id", "datasets", ["ckan_id"])
    op.create_index("ix_datasets_publisher_key", "datasets", ["status", "publisher_key", "modified"])
    op.create_index("ix_datasets_status_modified", "datasets", ["status", "modified"])
    op.create_index("ix_datasets_views", "datasets", ["status", "views", "id"])
    op.create_index("ix_dataset_terms_dataset_id", "dataset_terms", ["dataset_id"])
    op.create_index("ix_terms_kind_value", "dataset_terms", ["kind", "value", "dataset_id"])
    op.create_index("ix_datasets_status_name", "datasets", ["status", "name"])


def _backfill(terms: sa.Table) -> None:
    """Every stored record's side columns and terms, in batches (the projection is parsed once here)."""
    bind = op.get_bind()
    datasets = sa.table("datasets", sa.column("id", sa.Integer), sa.column("iri", sa.String),
                        sa.column("projection", sa.JSON), sa.column("ckan_id", sa.String),
                        sa.column("publisher_key", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(datasets.c.id, datasets.c.iri, datasets.c.projection)
                            .where(datasets.c.id > last).order_by(datasets.c.id).limit(BATCH)).all()
        if not rows:
            return
        side, found = [], []
        for id_, iri, projection in rows:
            dataset = Dataset.from_dict(projection)
            cid, key, values = describe_terms(iri, dataset)
            side.append({"row_id": id_, "cid": cid, "key": key})
            found += [{"dataset_id": id_, "kind": kind, "value": value} for kind, value in values]
        bind.execute(datasets.update().where(datasets.c.id == sa.bindparam("row_id"))
                     .values(ckan_id=sa.bindparam("cid"), publisher_key=sa.bindparam("key")), side)
        if found:
            bind.execute(terms.insert(), found)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("dataset_terms")
    for name in ("ix_datasets_status_name", "ix_datasets_views", "ix_datasets_status_modified",
                 "ix_datasets_publisher_key", "ix_datasets_ckan_id"):
        op.drop_index(name, "datasets")
    with op.batch_alter_table("datasets") as batch:
        for column in ("views", "publisher_key", "ckan_id"):
            batch.drop_column(column)

"""Bilingual organisations: an optional English title beside the primary (Chinese) one (decision 0013).

Existing rows get NULL, which every reader treats as "no English title": they show the primary title.

Revision ID: 0007_org_title_en
Revises: 0006_listings
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_org_title_en"
down_revision = "0006_listings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("title_en", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("title_en")

"""sampling runs record the seed commitment published before the meeting

Revision ID: 0003pc
Revises: 0002fb
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003pc"
down_revision = "0002fb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sampling_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_commitment", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sampling_runs", schema=None) as batch_op:
        batch_op.drop_column("published_commitment")

"""Personal information: the vendor's legal basis for raw delivery and the regulator's approval

Revision ID: 0017_personal_information
Revises: 0016_upload_limits
Create Date: 2026-12-07

Plain ADD/DROP COLUMN, not a batch: SQLite's batch copy of data_products would drop the
full-text triggers that 0009 put on it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_personal_information"
down_revision = "0016_upload_limits"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("data_products", sa.Column("pi_legal_basis", sa.String(length=24), nullable=True))
    op.add_column("data_products", sa.Column("pi_raw_approval", sa.JSON(), nullable=True))


def downgrade():
    op.drop_column("data_products", "pi_raw_approval")
    op.drop_column("data_products", "pi_legal_basis")

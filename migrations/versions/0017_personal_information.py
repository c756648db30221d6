"""Personal information: delivery forms, legal basis and approval (placeholder until filled)

Revision ID: 0017_personal_information
Revises: 0016_upload_limits
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0017_personal_information"
down_revision = "0016_upload_limits"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""Exclusive rights and exclusive licences held by the database (placeholder until filled)

Revision ID: 0018_exclusive_rules
Revises: 0017_personal_information
Create Date: 2026-12-07
"""

from alembic import op  # noqa: F401

revision = "0018_exclusive_rules"
down_revision = "0017_personal_information"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

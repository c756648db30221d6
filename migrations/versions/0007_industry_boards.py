"""Industry boards and sectors of the catalog, seeded from the provincial plan.

Revision ID: 0007_industry_boards
Revises: 0006_ledger_parties
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_industry_boards"
down_revision = "0006_ledger_parties"
branch_labels = None
depends_on = None

# (code, 中文, English, kind): the plan's industry boards, then its sectors.
BOARDS = (
    ("nonferrous", "有色金属", "Non-ferrous metals", "board"),
    ("lithium", "锂电", "Lithium battery", "board"),
    ("steel", "钢铁", "Steel", "board"),
    ("chemicals", "化工", "Chemicals", "board"),
    ("textiles", "纺织", "Textiles", "board"),
    ("energy", "能源", "Energy", "board"),
    ("electronics", "电子信息", "Electronics", "board"),
    ("photovoltaics", "光伏新能源", "Photovoltaics", "board"),
    ("equipment", "装备制造", "Equipment manufacturing", "board"),
    ("biomedicine", "生物医药", "Biomedicine", "board"),
    ("aviation", "航空", "Aviation", "board"),
    ("furniture", "家具", "Furniture", "board"),
    ("apparel", "服装", "Apparel", "board"),
    ("petrochemicals", "石化", "Petrochemicals", "board"),
    ("agriculture", "农业", "Agriculture", "sector"),
    ("finance", "金融", "Finance", "sector"),
    ("commerce", "商务", "Commerce", "sector"),
    ("logistics", "物流", "Logistics", "sector"),
    ("government", "政务", "Government", "sector"),
    ("education", "教育", "Education", "sector"),
    ("health", "医疗", "Health", "sector"),
    ("water", "水利", "Water", "sector"),
    ("transport", "交通", "Transport", "sector"),
    ("power", "电力", "Power", "sector"),
)


def upgrade():
    boards = op.create_table(
        "industry_boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_boards")),
        sa.UniqueConstraint("code", name=op.f("uq_industry_boards_code")),
    )
    op.bulk_insert(
        boards,
        [
            {"code": code, "name_zh": zh, "name_en": en, "kind": kind, "position": position}
            for position, (code, zh, en, kind) in enumerate(BOARDS, start=1)
        ],
    )


def downgrade():
    op.drop_table("industry_boards")

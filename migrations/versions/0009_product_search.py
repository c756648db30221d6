"""Full-text index over products' pre-segmented text: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

The application writes CJK unigrams and bigrams and English words into data_products.search_title
and search_body; each backend indexes those tokens with its own full-text engine and ranks by
relevance (BM25 on SQLite, ts_rank on PostgreSQL), titles weighted above the rest.

Revision ID: 0009_product_search
Revises: 0008_data_products
Create Date: 2026-11-28
"""

from alembic import op

revision = "0009_product_search"
down_revision = "0008_data_products"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    """CREATE VIRTUAL TABLE product_search USING fts5(
        search_title, search_body,
        content='data_products', content_rowid='id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER product_search_insert AFTER INSERT ON data_products BEGIN
        INSERT INTO product_search(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
    """CREATE TRIGGER product_search_delete AFTER DELETE ON data_products BEGIN
        INSERT INTO product_search(product_search, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
    END""",
    """CREATE TRIGGER product_search_update
    AFTER UPDATE OF search_title, search_body ON data_products BEGIN
        INSERT INTO product_search(product_search, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO product_search(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body);
    END""",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER product_search_update",
    "DROP TRIGGER product_search_delete",
    "DROP TRIGGER product_search_insert",
    "DROP TABLE product_search",
)
POSTGRESQL_UPGRADE = (
    """ALTER TABLE data_products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search_title), 'A')
        || setweight(to_tsvector('simple', search_body), 'B')
    ) STORED""",
    "CREATE INDEX ix_data_products_search_vector ON data_products USING gin (search_vector)",
)
POSTGRESQL_DOWNGRADE = (
    "DROP INDEX ix_data_products_search_vector",
    "ALTER TABLE data_products DROP COLUMN search_vector",
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_UPGRADE)
    else:
        _run(POSTGRESQL_UPGRADE)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(SQLITE_DOWNGRADE)
    else:
        _run(POSTGRESQL_DOWNGRADE)

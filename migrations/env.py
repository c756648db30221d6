"""Alembic environment: the exchange's engine and metadata, taken from the Flask app."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from contracts.schema import metadata as ledger_metadata
from exchange.catalog.search_index import include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

migrate_ext = current_app.extensions["migrate"]
# The exchange's models and the ledger's own tables: one schema, one migration history.
target_metadata = [migrate_ext.db.metadata, ledger_metadata]


def run_migrations_offline() -> None:
    """Emit SQL without a connection (`flask db upgrade --sql`)."""
    url = migrate_ext.db.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations over the app's engine, each revision in a transaction."""
    with migrate_ext.db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            **migrate_ext.configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

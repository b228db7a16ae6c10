"""Alembic environment: migrations run on the connection ``open_database`` hands over."""

from __future__ import annotations

from alembic import context

from hegui.gateway._store import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()

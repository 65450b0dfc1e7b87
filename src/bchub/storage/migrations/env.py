"""Alembic environment: runs on the connection ``bchub.storage.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from bchub.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run bchub's migrations through bchub.storage.migrate.upgrade(engine)")

# batch mode lets ALTER-style changes work on SQLite, which rebuilds tables to alter them
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment and revisions; run them with ``bchub.storage.migrate.upgrade``."""

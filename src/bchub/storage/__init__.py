"""SQLAlchemy tables, repositories, encrypted secrets and Alembic migrations."""

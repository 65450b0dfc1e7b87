from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bchub.storage import migrate
from bchub.storage.db import make_engine
from bchub.storage.schema import metadata


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/deep/dir/bchub.db")  # the directory is created
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_upgrade_is_idempotent_and_downgrade_removes_the_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/bchub.db")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert "connections" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert "connections" not in inspect(engine).get_table_names()


def test_in_memory_database_works(tmp_path: Path) -> None:
    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    assert "connections" in inspect(engine).get_table_names()

"""Migration 0008 on PostgreSQL: the connections table matches its model, and a connection's plan
and quota (with an aware ``seen_at``) survive a round trip; a database upgraded from 0007 keeps
its connections, their plan and quota unknown until a test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bchub.domain.connections import ApiQuota, AuthType, Connection, Role
from bchub.domain.secrets import Secret
from bchub.storage import migrate
from bchub.storage.db import make_engine
from bchub.storage.repositories import ConnectionRepository
from bchub.storage.schema import metadata
from bchub.storage.secrets import SecretBox, generate_key
from tests.support import servers

postgres_server = servers.postgres_server
postgres_url = servers.postgres_url


def test_the_plan_and_quota_columns_match_the_model_and_round_trip_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine, "0007_publish")
    with engine.begin() as connection:  # a database at 0007 with a connection in it
        connection.execute(
            text(
                "INSERT INTO connections (name, role, store_hash, auth_type, enabled, health_status, settings,"
                " created_at, updated_at) VALUES ('old', 'merchant', 'abc123', 'private', true, 'ok', '{}',"
                " now(), now())"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    assert [diff for diff in diffs if "connections" in repr(diff)] == []

    box = SecretBox([generate_key().encode()], "test")
    sessions = sessionmaker(engine)
    seen = datetime(2026, 11, 23, 14, 0, 5, tzinfo=UTC)
    with sessions.begin() as session:
        repository = ConnectionRepository(session, lambda: box)
        old = repository.find("old")
        assert (old.plan, old.quota) == (None, None)
        added = repository.add(
            Connection("new", Role.VENDOR, "def456", AuthType.PRIVATE, Secret("tok-1234567890")).replace(
                plan="Enterprise", quota=ApiQuota(10_000_000, 30_000, seen)
            )
        )
    with sessions() as session:
        loaded = ConnectionRepository(session, lambda: box).get(added.id or 0)
    assert loaded.plan == "Enterprise"
    assert loaded.quota == ApiQuota(10_000_000, 30_000, seen)
    assert loaded.quota is not None and loaded.quota.seen_at is not None and loaded.quota.seen_at.tzinfo is not None
    engine.dispose()


def test_the_same_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
    migrate.upgrade(engine)
    box = SecretBox([generate_key().encode()], "test")
    sessions = sessionmaker(engine)
    seen = datetime(2026, 11, 23, 14, 0, 5, tzinfo=UTC)
    with sessions.begin() as session:
        repository = ConnectionRepository(session, lambda: box)
        added = repository.add(
            Connection("new", Role.VENDOR, "def456", AuthType.PRIVATE, Secret("tok-1234567890")).replace(
                plan="Standard", quota=ApiQuota(150, 30_000, seen)
            )
        )
        cleared = repository.save(added.replace(plan=None, quota=None))
        assert (cleared.plan, cleared.quota) == (None, None)
        repository.save(cleared.replace(plan="Standard", quota=ApiQuota(150, 30_000, seen)))
    with sessions() as session:
        loaded = ConnectionRepository(session, lambda: box).find("new")
    assert (loaded.plan, loaded.quota) == ("Standard", ApiQuota(150, 30_000, seen))
    engine.dispose()

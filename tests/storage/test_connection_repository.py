from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bchub.app import Hub
from bchub.domain.connections import AuthType, Connection, Health, HealthStatus, Role
from bchub.domain.secrets import Secret
from bchub.errors import ConflictError, NotFoundError
from bchub.storage.repositories import ConnectionRepository
from bchub.storage.tables import ConnectionRow

TOKEN = "cc4corno7j5xoisu07d1ixn4q28gp07"


def new(name: str = "main") -> Connection:
    return Connection(
        name=name,
        role=Role.BOTH,
        store_hash="abc123",
        auth_type=AuthType.OAUTH,
        access_token=Secret(TOKEN),
        client_id="client-1234",
        scopes=frozenset({"store_v2_orders", "store_v2_products_read_only"}),
        settings={"operations": ["get_orders"], "status_id": 11},
    )


def test_round_trip(hub: Hub) -> None:
    checked = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with hub.sessions.begin() as session:
        repository = ConnectionRepository(session, hub.secret_box)
        added = repository.add(new())
        repository.save(added.replace(health=Health(HealthStatus.NEEDS_ATTENTION, "401", checked), store_name="Shop"))
    with hub.sessions() as session:
        loaded = ConnectionRepository(session, hub.secret_box).find("main")
    assert loaded.id == added.id
    assert (loaded.role, loaded.auth_type, loaded.store_name) == (Role.BOTH, AuthType.OAUTH, "Shop")
    assert loaded.scopes == frozenset({"store_v2_orders", "store_v2_products_read_only"})
    assert loaded.settings == {"operations": ["get_orders"], "status_id": 11}
    assert loaded.health == Health(HealthStatus.NEEDS_ATTENTION, "401", checked)
    assert loaded.health.checked_at is not None and loaded.health.checked_at.tzinfo is not None
    assert loaded.access_token is not None and loaded.access_token.reveal() == TOKEN


def test_unchanged_secrets_are_not_reencrypted(hub: Hub) -> None:
    with hub.sessions.begin() as session:
        repository = ConnectionRepository(session, hub.secret_box)
        added = repository.add(new())
        stored_token = select(ConnectionRow.access_token_encrypted)
        before = session.execute(stored_token).scalar_one()
        saved = repository.save(added.replace(role=Role.VENDOR))
        assert session.execute(stored_token).scalar_one() == before
        again = repository.save(repository.get(saved.id or 0).replace(enabled=False))
    assert str(again.access_token) == "****gp07"  # the hint survives re-saves too


def test_names_are_unique(hub: Hub) -> None:
    with hub.sessions.begin() as session:
        repository = ConnectionRepository(session, hub.secret_box)
        repository.add(new("main"))
        with pytest.raises(ConflictError, match="'main' already exists"):
            repository.add(new("main"))
        second = repository.add(new("second"))
        with pytest.raises(ConflictError):
            repository.save(second.replace(name="main"))


def test_find_by_name_or_id_and_helpful_not_found(hub: Hub) -> None:
    with hub.sessions.begin() as session:
        repository = ConnectionRepository(session, hub.secret_box)
        added = repository.add(new("main"))
        assert repository.find(str(added.id)).name == "main"
        assert repository.find(added.id or 0).name == "main"
        with pytest.raises(NotFoundError, match=r"no connection named 'nope' \(connections: main\)"):
            repository.find("nope")
        with pytest.raises(NotFoundError, match="id 999"):
            repository.find(999)

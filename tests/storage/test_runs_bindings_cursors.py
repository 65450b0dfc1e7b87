from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bchub.app import Hub
from bchub.domain.connections import AuthType, Connection, Role
from bchub.domain.runs import ItemOutcome, Outcome, RunStatus, Tally, Trigger
from bchub.storage.binder import Binder
from bchub.storage.cursors import CursorStore
from bchub.storage.repositories import ConnectionRepository
from bchub.storage.runs import RunRepository
from bchub.storage.tables import BindingRow


def _connection(hub: Hub, name: str = "shop") -> int:
    with hub.sessions.begin() as session:
        stored = ConnectionRepository(session, hub.secret_box).add(
            Connection(
                name=name, role=Role.MERCHANT, store_hash="abc123", auth_type=AuthType.PRIVATE, access_token=None
            )
        )
        assert stored.id is not None
        return stored.id


def test_binder_binds_once_per_connection_kind_and_external_id(hub: Hub) -> None:
    first, second = _connection(hub, "one"), _connection(hub, "two")
    with hub.sessions.begin() as session:
        binder = Binder(session)
        binder.bind(first, "variant", 77, local_id=1, data={"hash": "a"})
        binder.bind(first, "variant", "77", local_id=2)  # same key: moves, does not duplicate
        binder.bind(second, "variant", 77, local_id=2)
    with hub.sessions() as session:
        binder = Binder(session)
        assert binder.local_id(first, "variant", 77) == 2
        assert binder.get(first, "variant", "77").data == {"hash": "a"}  # type: ignore[union-attr]
        assert {b.connection_id for b in binder.for_local("variant", 2)} == {first, second}
        assert list(binder.all(first, "variant")) == ["77"]
        assert binder.local_id(first, "product", 77) is None
    with hub.sessions() as session, pytest.raises(IntegrityError):
        session.add(
            BindingRow(
                connection_id=first,
                kind="variant",
                external_id="77",
                local_id=9,
                data={},
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        session.flush()


def test_binder_update_data_and_unbind(hub: Hub) -> None:
    connection = _connection(hub)
    with hub.sessions.begin() as session:
        binder = Binder(session)
        binder.bind(connection, "product", 5, local_id=10, data={"hash": "x", "paused": False})
        binder.update_data(connection, "product", 5, hash="y")
        assert binder.get(connection, "product", 5).data == {"hash": "y", "paused": False}  # type: ignore[union-attr]
        assert binder.unbind(connection, "product", [5, 6]) == 1
        assert binder.get(connection, "product", 5) is None


def test_cursor_only_moves_forward(hub: Hub) -> None:
    connection = _connection(hub)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with hub.sessions.begin() as session:
        cursors = CursorStore(session)
        assert cursors.get(connection, "orders") is None
        assert cursors.advance(connection, "orders", start) == start
        assert cursors.advance(connection, "orders", start - timedelta(days=1)) == start
        assert cursors.advance(connection, "orders", start + timedelta(hours=1)) == start + timedelta(hours=1)
    with hub.sessions() as session:
        assert CursorStore(session).get(connection, "orders") == start + timedelta(hours=1)
        assert CursorStore(session).get(connection, "products") is None


def test_run_records_items_and_status(hub: Hub) -> None:
    connection = _connection(hub)
    tally = Tally()
    with hub.sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.start("import_listings", connection, Trigger.USER, {"mode": "create_only"})
        assert run.status is RunStatus.RUNNING
        for item in (
            ItemOutcome("variant", "SKU-1", Outcome.CREATED),
            ItemOutcome("variant", "SKU-2", Outcome.FAILED, "422: bad upc"),
        ):
            runs.record(run.id, item)
            tally.add(item.outcome)
        finished = runs.finish(run.id, tally.status(), counts=dict(tally.counts), requests=3)
    assert finished.status is RunStatus.PARTIAL
    assert finished.counts == {"created": 1, "failed": 1}
    with hub.sessions() as session:
        runs = RunRepository(session)
        assert [i.key for i in runs.items(run.id, Outcome.FAILED)] == ["SKU-2"]
        assert runs.items(run.id)[1].reason == "422: bad upc"
        assert runs.recent(operation="import_listings")[0].requests == 3
    assert Tally().status() is RunStatus.SUCCEEDED

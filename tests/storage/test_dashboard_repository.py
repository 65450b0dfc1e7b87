"""The dashboard's queries on SQLite and PostgreSQL: activity per UTC day (day edges exact), the last
finished run per connection, and the requests runs sent since a moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bchub.domain.runs import RunStatus, Trigger, vendor_requests_key, vendor_shares
from bchub.storage import migrate
from bchub.storage.dashboard_repository import DashboardRepository, DayActivity
from bchub.storage.db import make_engine, session_factory
from bchub.storage.order_tables import OrderRow, ShipmentRow, VendorOrderRow
from bchub.storage.runs import RunRepository
from bchub.storage.tables import ConnectionRow, RunRow
from tests.support import servers

postgres_server = servers.postgres_server
postgres_url = servers.postgres_url

FIRST = date(2026, 11, 10)
LAST = FIRST + timedelta(days=13)  # 14 days
SHOP, NORTH, HARBOR, OUTLET = 1, 2, 3, 4


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Session]:
    url = "sqlite://" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_factory(engine)() as opened:
        for number, name, role in (
            (SHOP, "shop", "merchant"),
            (NORTH, "north", "vendor"),
            (HARBOR, "harbor", "vendor"),
            (OUTLET, "outlet", "merchant"),
        ):
            opened.add(
                ConnectionRow(
                    id=number, name=name, role=role, store_hash=f"s{number}", auth_type="private",
                    settings={}, created_at=at(FIRST), updated_at=at(FIRST),
                )
            )  # fmt: skip
        opened.flush()
        yield opened
    engine.dispose()


def _order(session: Session, connection: int, number: int, imported: datetime) -> int:
    row = OrderRow(
        connection_id=connection, store_order_id=number, status_id=11, status="Awaiting Fulfillment",
        import_as="order", route_state="routed", imported_at=imported, updated_at=imported,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def _vendor_order(session: Session, order: int, vendor: int, placed: datetime | None) -> int:
    row = VendorOrderRow(
        order_id=order, vendor_connection_id=vendor, external_order_id=f"hub-{order}-{vendor}",
        state="placed" if placed else "planned", created_at=at(FIRST), placed_at=placed, updated_at=at(FIRST),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def _shipment(session: Session, order: int, vendor_order: int | None, written: datetime | None) -> None:
    session.add(
        ShipmentRow(
            order_id=order, source="vendor" if vendor_order else "manual", vendor_order_id=vendor_order,
            vendor_shipment_id=vendor_order, order_address_id=1, items=[], fingerprint=f"f{order}-{vendor_order}",
            state="written" if written else "pending", created_at=at(FIRST), written_at=written,
            updated_at=at(FIRST),
        )
    )  # fmt: skip
    session.flush()


def test_activity_per_utc_day_counts_each_row_on_its_day(session: Session) -> None:
    first = _order(session, SHOP, 100, at(LAST, 0, 0, 0))  # the first second of the last day
    second = _order(session, SHOP, 101, at(LAST - timedelta(days=1), 23, 59, 59))  # the last second of the day before
    _order(session, SHOP, 102, at(FIRST, 0, 0, 0))
    _order(session, SHOP, 103, at(FIRST - timedelta(days=1), 23, 59, 59))  # before the window
    _order(session, OUTLET, 200, at(LAST, 9))
    north = _vendor_order(session, first, NORTH, at(LAST, 1))
    _vendor_order(session, first, HARBOR, at(LAST - timedelta(days=1), 8))
    _vendor_order(session, second, NORTH, None)  # planned, never placed
    _shipment(session, first, north, at(LAST, 2))
    _shipment(session, second, None, None)  # pending: not brought back yet
    _shipment(session, second, None, at(LAST + timedelta(days=1), 0))  # after the window

    days = DashboardRepository(session).activity(FIRST, 14)
    assert [day.day for day in days] == [FIRST + timedelta(days=index) for index in range(14)]
    assert days[-1] == DayActivity(LAST, orders=2, vendor_orders=1, shipments=1)
    assert days[-2] == DayActivity(LAST - timedelta(days=1), orders=1, vendor_orders=1, shipments=0)
    assert days[0] == DayActivity(FIRST, orders=1, vendor_orders=0, shipments=0)
    assert sum(day.total for day in days[1:-2]) == 0

    # one store: a merchant's own orders; a vendor's routed orders, its vendor orders and shipments
    shop = DashboardRepository(session).activity(FIRST, 14, SHOP)
    assert (shop[-1].orders, shop[-1].vendor_orders, shop[-1].shipments) == (1, 1, 1)
    north_days = DashboardRepository(session).activity(FIRST, 14, NORTH)
    assert (north_days[-1].orders, north_days[-1].vendor_orders, north_days[-1].shipments) == (1, 1, 1)
    assert north_days[-2] == DayActivity(LAST - timedelta(days=1), orders=1, vendor_orders=0, shipments=0)  # planned
    harbor_days = DashboardRepository(session).activity(FIRST, 14, HARBOR)
    assert (harbor_days[-1].orders, harbor_days[-2].vendor_orders, harbor_days[-1].shipments) == (1, 1, 0)
    outlet = DashboardRepository(session).activity(FIRST, 14, OUTLET)
    assert [day.total for day in outlet] == [0] * 13 + [1]


def test_activity_needs_at_least_a_day(session: Session) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DashboardRepository(session).activity(FIRST, 0)


def _run(session: Session, connection: int, operation: str, status: RunStatus, started: datetime, requests: int) -> int:
    runs = RunRepository(session, now=lambda: started)
    run = runs.start(operation, connection, Trigger.SCHEDULE)
    if status is not RunStatus.RUNNING:
        runs.finish(run.id, status, counts={}, requests=requests)
    return run.id


def test_last_runs_and_requests_per_connection(session: Session) -> None:
    morning = at(LAST, 8)
    _run(session, SHOP, "get_orders", RunStatus.SUCCEEDED, morning, 4)
    partial = _run(session, SHOP, "sync_shipments", RunStatus.PARTIAL, morning + timedelta(hours=1), 6)
    _run(session, SHOP, "get_orders", RunStatus.FAILED, morning + timedelta(hours=2), 2)
    _run(session, SHOP, "test_connection", RunStatus.SUCCEEDED, morning + timedelta(hours=3), 1)
    _run(session, SHOP, "get_orders", RunStatus.RUNNING, morning + timedelta(hours=4), 0)
    _run(session, SHOP, "get_orders", RunStatus.SUCCEEDED, at(LAST - timedelta(days=1), 23), 50)
    vendor = _run(session, NORTH, "import_listings", RunStatus.SUCCEEDED, morning, 9)

    repository = DashboardRepository(session)
    last = repository.last_runs({"get_orders", "sync_shipments", "import_listings"})
    assert (last[SHOP].run_id, last[SHOP].operation, last[SHOP].status) == (
        partial,
        "sync_shipments",
        RunStatus.PARTIAL,
    )
    assert last[SHOP].started_at == morning + timedelta(hours=1) and last[NORTH].run_id == vendor
    assert HARBOR not in last
    only_orders = repository.last_runs({"get_orders"})[SHOP]
    assert only_orders.started_at == morning and only_orders.finished_at == morning  # failed and running ones skipped
    # the newest by start, whichever was recorded last (a long run that finished after a short one started later)
    long_read = _run(session, SHOP, "import_listings", RunStatus.SUCCEEDED, morning - timedelta(hours=1), 3)
    row = session.get(RunRow, long_read)
    assert row is not None
    row.finished_at = morning + timedelta(hours=5)
    session.flush()
    reads = {"get_orders", "import_listings"}
    assert repository.last_runs(reads)[SHOP].run_id == long_read
    assert repository.last_runs(reads, by="started")[SHOP].started_at == morning
    with pytest.raises(ValueError, match="finished"):
        repository.last_runs(reads, by="sometime")

    # since midnight: every run started today, whatever its status (a running one has sent 0 so far)
    assert repository.requests_since(at(LAST, 0)) == {SHOP: 4 + 6 + 2 + 1 + 3, NORTH: 9}
    assert repository.requests_since(at(LAST - timedelta(days=1), 0))[SHOP] == 66


def test_requests_a_merchant_run_sent_to_vendor_stores_count_on_each_vendors_row(session: Session) -> None:
    morning = at(LAST, 8)
    runs = RunRepository(session, now=lambda: morning)
    routed = runs.start("route_orders", SHOP, Trigger.SCHEDULE)
    shares = {vendor_requests_key(NORTH): 12, vendor_requests_key(HARBOR): 5}
    runs.finish(routed.id, RunStatus.PARTIAL, counts={"created": 9, "vendor_requests": 17, **shares}, requests=1)
    synced = runs.start("sync_shipments", OUTLET, Trigger.SCHEDULE)
    runs.finish(synced.id, RunStatus.SUCCEEDED, counts={vendor_requests_key(NORTH): 3}, requests=4)
    _run(session, NORTH, "import_listings", RunStatus.SUCCEEDED, morning, 9)
    yesterday = RunRepository(session, now=lambda: at(LAST - timedelta(days=1), 9))
    old = yesterday.start("route_orders", SHOP, Trigger.SCHEDULE)
    yesterday.finish(old.id, RunStatus.SUCCEEDED, counts={vendor_requests_key(HARBOR): 40}, requests=2)

    repository = DashboardRepository(session)
    assert repository.requests_since(at(LAST, 0)) == {SHOP: 1, OUTLET: 4, NORTH: 9 + 12 + 3, HARBOR: 5}
    assert repository.requests_since(at(LAST - timedelta(days=1), 0))[HARBOR] == 45


def test_vendor_shares_reads_only_the_per_vendor_keys() -> None:
    counts = {"created": 3, "vendor_requests": 9, vendor_requests_key(7): 4, vendor_requests_key(8): 5}
    assert vendor_shares(counts) == {7: 4, 8: 5}
    assert vendor_shares({"requests_to_connection_x": 2, "requests_to_connection_": 1, "linked": 1}) == {}

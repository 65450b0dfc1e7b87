"""What the dashboard shows, in a few grouped queries: last runs, requests spent, activity per day.

Days are UTC days. They are grouped without any date function of the database: the caller's
day boundaries become a ``CASE`` that numbers each row's day, so the same statement runs on
SQLite (naive UTC text) and PostgreSQL (``timestamptz``) alike. The ``CASE`` is computed in a
subquery and grouped outside it, because PostgreSQL cannot tell that two copies of a ``CASE``
with bound parameters (one in the select list, one in ``GROUP BY``) are the same expression.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from bchub.domain.runs import VENDOR_SHARE_PREFIX, RunStatus, vendor_shares
from bchub.storage.order_tables import OrderRow, ShipmentRow, VendorOrderRow
from bchub.storage.tables import RunRow

FINISHED = (RunStatus.SUCCEEDED.value, RunStatus.PARTIAL.value)  # the run did its work (partial: some items failed)


@dataclass(frozen=True)
class RunMark:
    """One run as the dashboard names it: what ran, how it ended, when."""

    run_id: int
    operation: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class DayActivity:
    day: date
    orders: int  # merchant orders the hub got (first imported that day)
    vendor_orders: int  # dropship orders placed in vendors' stores
    shipments: int  # shipments written to merchant orders (tracking brought back)

    @property
    def total(self) -> int:
        return self.orders + self.vendor_orders + self.shipments


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


class DashboardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_runs(self, operations: Collection[str], *, by: str = "finished") -> dict[int, RunMark]:
        """Per connection, its newest run of one of ``operations`` that did its work (succeeded or partial).

        ``by`` says which is newest: the one that ``finished`` last, or the one that ``started`` last
        (what a lag counts from: a run reads the store as it was when it started).
        """
        if by not in ("finished", "started"):
            raise ValueError(f"by must be 'finished' or 'started', got {by!r}")
        moment = RunRow.finished_at if by == "finished" else RunRow.started_at
        ranked = (
            select(
                RunRow.id,
                func.row_number()
                .over(partition_by=RunRow.connection_id, order_by=(moment.desc(), RunRow.id.desc()))
                .label("rank"),
            )
            .where(
                RunRow.operation.in_(sorted(operations)),
                RunRow.status.in_(FINISHED),
                RunRow.connection_id.is_not(None),
            )
            .subquery()
        )
        query = select(RunRow).join(ranked, RunRow.id == ranked.c.id).where(ranked.c.rank == 1)
        marks: dict[int, RunMark] = {}
        for row in self.session.scalars(query):
            if row.connection_id is not None:
                status = RunStatus(row.status)
                marks[row.connection_id] = RunMark(row.id, row.operation, status, row.started_at, row.finished_at)
        return marks

    def requests_since(self, since: datetime) -> dict[int, int]:
        """Per connection, the API requests sent to its store by the runs started since ``since``.

        A run's own requests count for its connection; what a merchant's run sent to vendor stores
        (its counts' ``requests_to_connection_<id>``) counts for each vendor. Runs still going count 0.
        """
        query = (
            select(RunRow.connection_id, func.coalesce(func.sum(RunRow.requests), 0))
            .where(RunRow.started_at >= since, RunRow.connection_id.is_not(None))
            .group_by(RunRow.connection_id)
        )
        spent = {
            connection_id: int(total)
            for connection_id, total in self.session.execute(query)
            if connection_id is not None
        }
        for vendor_id, requests in self._vendor_requests_since(since).items():
            spent[vendor_id] = spent.get(vendor_id, 0) + requests
        return spent

    def _vendor_requests_since(self, since: datetime) -> dict[int, int]:
        """Per vendor connection, the requests merchants' runs started since ``since`` sent to its store."""
        # only runs whose counts name a vendor share are read (the text test is a cheap first cut)
        query = select(RunRow.counts).where(
            RunRow.started_at >= since, cast(RunRow.counts, String).like(f'%"{VENDOR_SHARE_PREFIX}%')
        )
        totals: dict[int, int] = {}
        for counts in self.session.scalars(query):
            for vendor_id, requests in vendor_shares(counts or {}).items():
                totals[vendor_id] = totals.get(vendor_id, 0) + requests
        return totals

    def activity(self, first_day: date, days: int, connection_id: int | None = None) -> list[DayActivity]:
        """Orders got, vendor orders placed and shipments written, per UTC day from ``first_day``.

        With ``connection_id``, only what involves that store: a merchant's orders, the vendor
        orders and shipments of its orders, or, for a vendor, the orders routed to it.
        """
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        counts = {
            "orders": self._per_day(OrderRow.imported_at, first_day, days, _orders_of(connection_id)),
            "vendor_orders": self._per_day(VendorOrderRow.placed_at, first_day, days, _vendor_orders_of(connection_id)),
            "shipments": self._per_day(ShipmentRow.written_at, first_day, days, _shipments_of(connection_id)),
        }
        return [
            DayActivity(
                first_day + timedelta(days=index),
                counts["orders"].get(index, 0),
                counts["vendor_orders"].get(index, 0),
                counts["shipments"].get(index, 0),
            )
            for index in range(days)
        ]

    def _per_day(self, column: Any, first_day: date, days: int, scope: ColumnElement[bool] | None) -> dict[int, int]:
        """How many rows have ``column`` in each day (by the day's index from ``first_day``)."""
        start = day_start(first_day)
        boundaries = [start + timedelta(days=index + 1) for index in range(days)]
        day = case(*((column < boundary, index) for index, boundary in enumerate(boundaries))).label("day")
        inner: Select[Any] = select(day).where(column >= start, column < boundaries[-1])
        if scope is not None:
            inner = inner.where(scope)
        numbered = inner.subquery()
        query = select(numbered.c.day, func.count()).group_by(numbered.c.day)
        return {int(index): int(total) for index, total in self.session.execute(query)}


def _orders_of(connection_id: int | None) -> ColumnElement[bool] | None:
    if connection_id is None:
        return None
    routed_to = select(VendorOrderRow.order_id).where(VendorOrderRow.vendor_connection_id == connection_id)
    return or_(OrderRow.connection_id == connection_id, OrderRow.id.in_(routed_to))


def _vendor_orders_of(connection_id: int | None) -> ColumnElement[bool] | None:
    if connection_id is None:
        return None
    merchants = select(OrderRow.id).where(OrderRow.connection_id == connection_id)
    return or_(VendorOrderRow.vendor_connection_id == connection_id, VendorOrderRow.order_id.in_(merchants))


def _shipments_of(connection_id: int | None) -> ColumnElement[bool] | None:
    if connection_id is None:
        return None
    merchants = select(OrderRow.id).where(OrderRow.connection_id == connection_id)
    vendors = select(VendorOrderRow.id).where(VendorOrderRow.vendor_connection_id == connection_id)
    return or_(ShipmentRow.order_id.in_(merchants), ShipmentRow.vendor_order_id.in_(vendors))

"""Orders, vendor orders and shipments: domain objects in and out; rows stay in here.

Bulk by design: an import page of 250 orders costs one query for the orders already known,
one for their lines, and batched inserts; nothing is read row by row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from bchub.domain.orders import (
    Address,
    Destination,
    ImportAs,
    Order,
    OrderLine,
    RouteState,
    Shipment,
    ShipmentDetails,
    ShipmentLine,
    ShipmentSource,
    ShipmentState,
    VendorOrder,
    VendorOrderLine,
    VendorOrderState,
    shipment_fingerprint,
)
from bchub.errors import NotFoundError
from bchub.storage.order_tables import OrderLineRow, OrderRow, ShipmentRow, VendorOrderLineRow, VendorOrderRow
from bchub.storage.repositories import utc_now
from bchub.storage.tables import ConnectionRow

CHUNK = 500  # ids per IN (...) query, well under every database's parameter limit
T = TypeVar("T")

ORDER_FACTS = (
    "status_id",
    "status",
    "import_as",
    "customer_id",
    "date_created",
    "date_modified",
    "currency_code",
    "subtotal_ex_tax",
    "subtotal_inc_tax",
    "shipping_cost_inc_tax",
    "total_ex_tax",
    "total_inc_tax",
    "items_total",
    "items_shipped",
    "payment_method",
    "customer_message",
    "is_deleted",
    "hold_reason",
    "acknowledged_at",
    "pii_purged_at",
)
LINE_FACTS = (
    "product_id",
    "variant_id",
    "order_address_id",
    "sku",
    "name",
    "quantity",
    "quantity_shipped",
    "price_ex_tax",
    "price_inc_tax",
    "total_inc_tax",
    "item_id",
    "vendor_connection_id",
    "unmatched_reason",
)


def chunks(values: Collection[T], size: int = CHUNK) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class OrderFilter:
    connection_id: int | None = None
    route_state: RouteState | None = None
    status_ids: Collection[int] | None = None
    unmatched: bool | None = None  # True: only orders with unmatched lines
    store_order_ids: Collection[int] | None = None


class OrderRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    # -- orders: reading ----------------------------------------------------------------------------
    def by_store_ids(self, connection_id: int, store_order_ids: Collection[int]) -> dict[int, Order]:
        """The hub's orders for these store order ids (two queries per 500 ids)."""
        rows: list[OrderRow] = []
        for part in chunks(set(store_order_ids)):
            rows.extend(
                self.session.scalars(
                    select(OrderRow).where(OrderRow.connection_id == connection_id, OrderRow.store_order_id.in_(part))
                )
            )
        return {order.store_order_id: order for order in self._with_lines(rows)}

    def find(self, connection_id: int, store_order_id: int) -> Order | None:
        return self.by_store_ids(connection_id, [store_order_id]).get(store_order_id)

    def get(self, order_id: int) -> Order:
        row = self.session.get(OrderRow, order_id)
        if row is None:
            raise NotFoundError(f"no order with hub id {order_id}")
        return self._with_lines([row])[0]

    def by_ids(self, order_ids: Collection[int]) -> dict[int, Order]:
        rows: list[OrderRow] = []
        for part in chunks(set(order_ids)):
            rows.extend(self.session.scalars(select(OrderRow).where(OrderRow.id.in_(part))))
        return {order.id: order for order in self._with_lines(rows) if order.id is not None}

    def search(self, where: OrderFilter, *, limit: int = 50, offset: int = 0, newest_first: bool = True) -> list[Order]:
        query = self._filtered(select(OrderRow), where)
        order = OrderRow.store_order_id.desc() if newest_first else OrderRow.store_order_id.asc()
        rows = list(self.session.scalars(query.order_by(OrderRow.connection_id, order).limit(limit).offset(offset)))
        return self._with_lines(rows)

    def count(self, where: OrderFilter) -> int:
        return int(self.session.scalar(self._filtered(select(func.count(OrderRow.id)), where)) or 0)

    def ids(self, where: OrderFilter) -> list[int]:
        return list(self.session.scalars(self._filtered(select(OrderRow.id), where).order_by(OrderRow.id)))

    @staticmethod
    def _filtered(query: Select[Any], where: OrderFilter) -> Select[Any]:
        if where.connection_id is not None:
            query = query.where(OrderRow.connection_id == where.connection_id)
        if where.route_state is not None:
            query = query.where(OrderRow.route_state == where.route_state.value)
        if where.status_ids:
            query = query.where(OrderRow.status_id.in_(list(where.status_ids)))
        if where.unmatched is not None:
            query = query.where(OrderRow.unmatched_lines > 0 if where.unmatched else OrderRow.unmatched_lines == 0)
        if where.store_order_ids is not None:
            query = query.where(OrderRow.store_order_id.in_(list(where.store_order_ids)))
        return query

    def connection_names(self, connection_ids: Collection[int]) -> dict[int, str]:
        rows = self.session.execute(
            select(ConnectionRow.id, ConnectionRow.name).where(ConnectionRow.id.in_(list(connection_ids)))
        )
        return {int(connection_id): str(name) for connection_id, name in rows}

    def awaiting_acknowledgement(self, connection_id: int) -> list[Order]:
        rows = self.session.scalars(
            select(OrderRow)
            .where(OrderRow.connection_id == connection_id, OrderRow.acknowledge_pending.is_(True))
            .order_by(OrderRow.store_order_id)
        )
        return self._with_lines(list(rows))

    def purge_candidates(self, connection_id: int, created_before: datetime, limit: int) -> list[Order]:
        """Orders created before the cutoff whose customer details are still kept (oldest first)."""
        rows = self.session.scalars(
            select(OrderRow)
            .where(
                OrderRow.connection_id == connection_id,
                OrderRow.pii_purged_at.is_(None),
                OrderRow.date_created < created_before,
            )
            .order_by(OrderRow.id)
            .limit(limit)
        )
        return [_order(row, []) for row in rows]  # lines hold no customer details

    def save_purged(self, orders: Sequence[Order]) -> None:
        """Write what a PII purge changes (addresses, message, when), nothing else."""
        rows = self._rows_by_id([order.id for order in orders if order.id is not None])
        for order in orders:
            assert order.id is not None
            row = rows[order.id]
            row.billing_address = order.billing.as_dict()
            row.shipping_addresses = _destinations(order)
            row.customer_message = order.customer_message
            row.pii_purged_at = order.pii_purged_at
            row.updated_at = self._now()
        self.session.flush()

    def _with_lines(self, rows: Sequence[OrderRow]) -> list[Order]:
        lines: dict[int, list[OrderLine]] = defaultdict(list)
        for part in chunks([row.id for row in rows]):
            query = select(OrderLineRow).where(OrderLineRow.order_id.in_(part)).order_by(OrderLineRow.order_product_id)
            for line in self.session.scalars(query):
                lines[line.order_id].append(_line(line))
        return [_order(row, lines[row.id]) for row in rows]

    # -- orders: writing ----------------------------------------------------------------------------
    def save_all(self, orders: Sequence[Order], *, acknowledge: bool = False) -> list[Order]:
        """Insert new orders (``id`` None) and update known ones, lines included; returns them with ids.

        ``acknowledge``: new orders wait for their acknowledgement status to be set on the store.
        """
        now = self._now()
        known = {order.id for order in orders if order.id is not None}
        rows = self._rows_by_id(known)
        line_rows = self._line_rows(known)
        routed_lines = self._routed_line_ids(known)
        created: list[tuple[Order, OrderRow]] = []
        for order in orders:
            if order.id is None:
                row = OrderRow(imported_at=now, acknowledge_pending=acknowledge)
                _fill_order(row, order, now)
                self.session.add(row)
                created.append((order, row))
            else:
                row = rows[order.id]
                _fill_order(row, order, now)
                self._update_lines(row.id, order.lines, line_rows.get(row.id, {}), routed_lines)
        self.session.flush()
        for order, row in created:
            order.id = row.id
            order.imported_at = row.imported_at
            self.session.add_all(_new_line(row.id, line) for line in order.lines)
        self.session.flush()
        return list(orders)

    def _rows_by_id(self, ids: Collection[int]) -> dict[int, OrderRow]:
        rows: dict[int, OrderRow] = {}
        for part in chunks(ids):
            rows.update((row.id, row) for row in self.session.scalars(select(OrderRow).where(OrderRow.id.in_(part))))
        missing = set(ids) - set(rows)
        if missing:
            raise NotFoundError(f"no order with hub id {min(missing)}")
        return rows

    def _line_rows(self, order_ids: Collection[int]) -> dict[int, dict[int, OrderLineRow]]:
        found: dict[int, dict[int, OrderLineRow]] = defaultdict(dict)
        for part in chunks(order_ids):
            for line in self.session.scalars(select(OrderLineRow).where(OrderLineRow.order_id.in_(part))):
                found[line.order_id][line.order_product_id] = line
        return found

    def _routed_line_ids(self, order_ids: Collection[int]) -> set[int]:
        """Lines a vendor order points at: they stay even if the store order drops them."""
        found: set[int] = set()
        for part in chunks(order_ids):
            found.update(
                self.session.scalars(
                    select(VendorOrderLineRow.order_line_id)
                    .join(VendorOrderRow, VendorOrderRow.id == VendorOrderLineRow.vendor_order_id)
                    .where(VendorOrderRow.order_id.in_(part))
                )
            )
        return found

    def _update_lines(
        self, order_id: int, lines: Sequence[OrderLine], existing: dict[int, OrderLineRow], keep: set[int]
    ) -> None:
        seen = set()
        for line in lines:
            seen.add(line.order_product_id)
            row = existing.get(line.order_product_id)
            if row is None:
                self.session.add(_new_line(order_id, line))
                continue
            for name in LINE_FACTS:
                value = getattr(line, name)
                if getattr(row, name) != value:
                    setattr(row, name, value)
        for order_product_id, row in existing.items():
            if order_product_id not in seen and row.id not in keep:
                self.session.delete(row)

    def set_route_state(self, order_id: int, state: RouteState, hold_reason: str | None = None) -> None:
        self.session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id)
            .values(route_state=state.value, hold_reason=hold_reason, updated_at=self._now())
        )

    def acknowledged(self, order_id: int, status_id: int, status: str, at: datetime) -> None:
        self.session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id)
            .values(acknowledge_pending=False, acknowledged_at=at, status_id=status_id, status=status, updated_at=at)
        )

    def drop_acknowledgement(self, order_id: int) -> None:
        """The order left the imported statuses on its own: nothing to acknowledge any more."""
        self.session.execute(update(OrderRow).where(OrderRow.id == order_id).values(acknowledge_pending=False))

    def add_shipped(self, order_id: int, lines: Iterable[ShipmentLine]) -> None:
        """Count a shipment just written against the order's lines (the next import confirms it)."""
        wanted = {line.order_product_id: line.quantity for line in lines}
        rows = self.session.scalars(
            select(OrderLineRow).where(
                OrderLineRow.order_id == order_id, OrderLineRow.order_product_id.in_(list(wanted))
            )
        )
        total = 0
        for row in rows:
            row.quantity_shipped = min(row.quantity, row.quantity_shipped + wanted[row.order_product_id])
            total += wanted[row.order_product_id]
        order = self.session.get(OrderRow, order_id)
        if order is not None:
            order.items_shipped = min(order.items_total or order.items_shipped + total, order.items_shipped + total)
            order.updated_at = self._now()

    def set_status(self, order_id: int, status_id: int, status: str) -> None:
        self.session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id)
            .values(status_id=status_id, status=status, updated_at=self._now())
        )

    # -- vendor orders -----------------------------------------------------------------------------
    def vendor_orders(self, order_ids: Collection[int]) -> dict[int, list[VendorOrder]]:
        """Every vendor order of these merchant orders, by hub order id."""
        rows: list[VendorOrderRow] = []
        for part in chunks(order_ids):
            rows.extend(
                self.session.scalars(
                    select(VendorOrderRow).where(VendorOrderRow.order_id.in_(part)).order_by(VendorOrderRow.id)
                )
            )
        found: dict[int, list[VendorOrder]] = defaultdict(list)
        for vendor_order in self._with_vendor_lines(rows):
            found[vendor_order.order_id].append(vendor_order)
        return found

    def vendor_order(self, vendor_order_id: int) -> VendorOrder:
        row = self.session.get(VendorOrderRow, vendor_order_id)
        if row is None:
            raise NotFoundError(f"no vendor order with hub id {vendor_order_id}")
        return self._with_vendor_lines([row])[0]

    def add_vendor_order(self, vendor_order: VendorOrder) -> VendorOrder:
        now = self._now()
        row = VendorOrderRow(
            order_id=vendor_order.order_id,
            vendor_connection_id=vendor_order.vendor_connection_id,
            order_address_id=vendor_order.order_address_id,
            external_order_id=vendor_order.external_order_id,
            state=vendor_order.state.value,
            items_shipped=0,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            VendorOrderLineRow(
                vendor_order_id=row.id,
                order_line_id=line.order_line_id,
                merchant_order_product_id=line.merchant_order_product_id,
                vendor_product_id=line.vendor_product_id,
                vendor_variant_id=line.vendor_variant_id,
                sku=line.sku,
                quantity=line.quantity,
            )
            for line in vendor_order.lines
        )
        self.session.flush()
        vendor_order.id = row.id
        vendor_order.created_at = now
        return vendor_order

    def line_ids(self, order_ids: Collection[int]) -> dict[int, dict[int, int]]:
        """Per hub order: ``order_product_id`` → hub line id."""
        found: dict[int, dict[int, int]] = defaultdict(dict)
        for part in chunks(order_ids):
            rows = self.session.execute(
                select(OrderLineRow.order_id, OrderLineRow.order_product_id, OrderLineRow.id).where(
                    OrderLineRow.order_id.in_(part)
                )
            )
            for order_id, product, line in rows:
                found[int(order_id)][int(product)] = int(line)
        return found

    def mark_sending(self, vendor_order_ids: Collection[int]) -> None:
        """Record that creates are about to go out: a crash from here on means "look it up first"."""
        for part in chunks(vendor_order_ids):
            self.session.execute(
                update(VendorOrderRow)
                .where(VendorOrderRow.id.in_(part))
                .values(
                    state=VendorOrderState.SENDING.value, attempts=VendorOrderRow.attempts + 1, updated_at=self._now()
                )
            )

    def placed(self, vendor_order_id: int, vendor_order_id_in_store: int, vendor_status_id: int | None) -> None:
        now = self._now()
        self.session.execute(
            update(VendorOrderRow)
            .where(VendorOrderRow.id == vendor_order_id)
            .values(
                state=VendorOrderState.PLACED.value,
                vendor_order_id=vendor_order_id_in_store,
                vendor_status_id=vendor_status_id,
                error=None,
                placed_at=now,
                updated_at=now,
            )
        )

    def vendor_order_failed(self, vendor_order_id: int, state: VendorOrderState, error: str) -> None:
        self.session.execute(
            update(VendorOrderRow)
            .where(VendorOrderRow.id == vendor_order_id)
            .values(state=state.value, error=error, updated_at=self._now())
        )

    def cancel_reported(self, vendor_order_ids: Collection[int], at: datetime) -> None:
        for part in chunks(vendor_order_ids):
            self.session.execute(
                update(VendorOrderRow).where(VendorOrderRow.id.in_(part)).values(cancel_reported_at=at, updated_at=at)
            )

    def open_vendor_orders(self, vendor_connection_id: int, merchant_connection_id: int) -> list[VendorOrder]:
        """Placed vendor orders of one merchant in one vendor store whose shipments may still come."""
        query = (
            select(VendorOrderRow)
            .join(OrderRow, OrderRow.id == VendorOrderRow.order_id)
            .where(
                VendorOrderRow.vendor_connection_id == vendor_connection_id,
                VendorOrderRow.state == VendorOrderState.PLACED.value,
                OrderRow.connection_id == merchant_connection_id,
            )
            .order_by(VendorOrderRow.vendor_order_id)
        )
        return self._with_vendor_lines(list(self.session.scalars(query)))

    def vendor_connections_with_orders(self, merchant_connection_id: int) -> list[int]:
        query = (
            select(VendorOrderRow.vendor_connection_id)
            .join(OrderRow, OrderRow.id == VendorOrderRow.order_id)
            .where(
                OrderRow.connection_id == merchant_connection_id,
                VendorOrderRow.state == VendorOrderState.PLACED.value,
            )
            .distinct()
        )
        return sorted(int(value) for value in self.session.scalars(query))

    def merchants_of_vendor(self, vendor_connection_id: int) -> list[int]:
        """Merchant connections with orders placed in this vendor's store."""
        query = (
            select(OrderRow.connection_id)
            .join(VendorOrderRow, VendorOrderRow.order_id == OrderRow.id)
            .where(
                VendorOrderRow.vendor_connection_id == vendor_connection_id,
                VendorOrderRow.state == VendorOrderState.PLACED.value,
            )
            .distinct()
        )
        return sorted(int(value) for value in self.session.scalars(query))

    def vendor_progress(
        self, vendor_order_id: int, *, items_shipped: int, status_id: int | None, line_pairs: dict[int, int]
    ) -> None:
        """What the vendor's store said about its order: items shipped, status, its own line ids."""
        self.session.execute(
            update(VendorOrderRow)
            .where(VendorOrderRow.id == vendor_order_id)
            .values(items_shipped=items_shipped, vendor_status_id=status_id, updated_at=self._now())
        )
        if not line_pairs:
            return
        rows = self.session.scalars(
            select(VendorOrderLineRow).where(VendorOrderLineRow.vendor_order_id == vendor_order_id)
        )
        by_merchant = {merchant: vendor for vendor, merchant in line_pairs.items()}
        for row in rows:
            vendor_line = by_merchant.get(row.merchant_order_product_id)
            if vendor_line is not None and row.vendor_order_product_id != vendor_line:
                row.vendor_order_product_id = vendor_line

    def _with_vendor_lines(self, rows: Sequence[VendorOrderRow]) -> list[VendorOrder]:
        lines: dict[int, list[VendorOrderLine]] = defaultdict(list)
        for part in chunks([row.id for row in rows]):
            query = (
                select(VendorOrderLineRow)
                .where(VendorOrderLineRow.vendor_order_id.in_(part))
                .order_by(VendorOrderLineRow.id)
            )
            for line in self.session.scalars(query):
                lines[line.vendor_order_id].append(
                    VendorOrderLine(
                        order_line_id=line.order_line_id,
                        merchant_order_product_id=line.merchant_order_product_id,
                        vendor_product_id=line.vendor_product_id,
                        vendor_variant_id=line.vendor_variant_id,
                        sku=line.sku,
                        quantity=line.quantity,
                        vendor_order_product_id=line.vendor_order_product_id,
                        id=line.id,
                    )
                )
        return [_vendor_order(row, lines[row.id]) for row in rows]

    # -- shipments ---------------------------------------------------------------------------------
    def add_shipment(self, shipment: Shipment) -> Shipment:
        now = self._now()
        row = ShipmentRow(
            order_id=shipment.order_id,
            source=shipment.source.value,
            vendor_order_id=shipment.vendor_order_id,
            vendor_shipment_id=shipment.vendor_shipment_id,
            order_address_id=shipment.order_address_id,
            items=[{"order_product_id": line.order_product_id, "quantity": line.quantity} for line in shipment.lines],
            fingerprint=_fingerprint(shipment),
            tracking_number=shipment.details.tracking_number,
            tracking_carrier=shipment.details.tracking_carrier,
            shipping_provider=shipment.details.shipping_provider,
            shipping_method=shipment.details.shipping_method,
            tracking_link=shipment.details.tracking_link,
            comments=shipment.details.comments,
            pickup=shipment.pickup,
            state=shipment.state.value,
            merchant_shipment_id=shipment.merchant_shipment_id,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        shipment.id = row.id
        shipment.created_at = now
        return shipment

    def shipment(self, shipment_id: int) -> Shipment:
        row = self.session.get(ShipmentRow, shipment_id)
        if row is None:
            raise NotFoundError(f"no shipment with hub id {shipment_id}")
        return _shipment(row)

    def shipments_of(self, order_ids: Collection[int]) -> dict[int, list[Shipment]]:
        found: dict[int, list[Shipment]] = defaultdict(list)
        for part in chunks(order_ids):
            query = select(ShipmentRow).where(ShipmentRow.order_id.in_(part)).order_by(ShipmentRow.id)
            for row in self.session.scalars(query):
                found[row.order_id].append(_shipment(row))
        return found

    def same_shipment(self, order_id: int, shipment: Shipment) -> Shipment | None:
        """A shipment the hub already has for this order: same tracking number, or untracked with the same items."""
        query = select(ShipmentRow).where(
            ShipmentRow.order_id == order_id, ShipmentRow.order_address_id == shipment.order_address_id
        )
        if shipment.details.tracking_number:
            query = query.where(ShipmentRow.tracking_number == shipment.details.tracking_number)
        else:
            query = query.where(ShipmentRow.tracking_number == "", ShipmentRow.fingerprint == _fingerprint(shipment))
        row = self.session.scalars(query.order_by(ShipmentRow.id)).first()
        return None if row is None else _shipment(row)

    def with_tracking(self, order_id: int, tracking_number: str) -> list[Shipment]:
        """The order's shipments with this tracking number (none for an empty one)."""
        if not tracking_number:
            return []
        query = select(ShipmentRow).where(
            ShipmentRow.order_id == order_id, ShipmentRow.tracking_number == tracking_number
        )
        return [_shipment(row) for row in self.session.scalars(query.order_by(ShipmentRow.id))]

    def known_vendor_shipments(self, vendor_order_ids: Collection[int]) -> set[tuple[int, int]]:
        """(hub vendor order id, vendor shipment id) of every vendor shipment already taken in."""
        found: set[tuple[int, int]] = set()
        for part in chunks(vendor_order_ids):
            rows = self.session.execute(
                select(ShipmentRow.vendor_order_id, ShipmentRow.vendor_shipment_id).where(
                    ShipmentRow.vendor_order_id.in_(part), ShipmentRow.vendor_shipment_id.is_not(None)
                )
            )
            found.update(
                (vendor_order, shipment) for vendor_order, shipment in rows if vendor_order is not None and shipment
            )
        return found

    def writable_shipments(
        self, merchant_connection_id: int, order_ids: Collection[int] | None = None
    ) -> list[Shipment]:
        """Shipments still to write to this merchant's orders (pending, or sent with an unknown outcome)."""
        query = (
            select(ShipmentRow)
            .join(OrderRow, OrderRow.id == ShipmentRow.order_id)
            .where(
                OrderRow.connection_id == merchant_connection_id,
                ShipmentRow.state.in_([ShipmentState.PENDING.value, ShipmentState.SENDING.value]),
            )
            .order_by(ShipmentRow.order_id, ShipmentRow.id)
        )
        if order_ids is not None:
            query = query.where(ShipmentRow.order_id.in_(list(order_ids)))
        return [_shipment(row) for row in self.session.scalars(query)]

    def shipments_sending(self, shipment_ids: Collection[int]) -> None:
        for part in chunks(shipment_ids):
            self.session.execute(
                update(ShipmentRow)
                .where(ShipmentRow.id.in_(part))
                .values(state=ShipmentState.SENDING.value, attempts=ShipmentRow.attempts + 1, updated_at=self._now())
            )

    def shipment_written(self, shipment_id: int, merchant_shipment_id: int) -> None:
        now = self._now()
        self.session.execute(
            update(ShipmentRow)
            .where(ShipmentRow.id == shipment_id)
            .values(
                state=ShipmentState.WRITTEN.value,
                merchant_shipment_id=merchant_shipment_id,
                error=None,
                written_at=now,
                updated_at=now,
            )
        )

    def shipment_failed(self, shipment_id: int, state: ShipmentState, error: str) -> None:
        self.session.execute(
            update(ShipmentRow)
            .where(ShipmentRow.id == shipment_id)
            .values(state=state.value, error=error, updated_at=self._now())
        )

    def retry_failed_shipments(self, merchant_connection_id: int) -> int:
        """Failed shipments go back to pending (the merchant fixed what the store refused)."""
        order_ids = select(OrderRow.id).where(OrderRow.connection_id == merchant_connection_id)
        result = self.session.execute(
            update(ShipmentRow)
            .where(ShipmentRow.state == ShipmentState.FAILED.value, ShipmentRow.order_id.in_(order_ids))
            .values(state=ShipmentState.PENDING.value, updated_at=self._now())
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def unshipped_vendor_orders(self, order_id: int) -> list[VendorOrder]:
        query = select(VendorOrderRow).where(
            VendorOrderRow.order_id == order_id,
            or_(VendorOrderRow.state != VendorOrderState.PLACED.value, VendorOrderRow.items_shipped == 0),
        )
        return self._with_vendor_lines(list(self.session.scalars(query)))


# -- rows ↔ domain --------------------------------------------------------------------------------


def _fingerprint(shipment: Shipment) -> str:
    return shipment_fingerprint(shipment.lines)


def _fill_order(row: OrderRow, order: Order, now: datetime) -> None:
    for name in ORDER_FACTS:
        value = getattr(order, name)
        if name == "import_as":
            value = order.import_as.value
        if getattr(row, name, None) != value:
            setattr(row, name, value)
    row.connection_id = order.connection_id
    row.store_order_id = order.store_order_id
    billing = order.billing.as_dict()
    if row.billing_address != billing:
        row.billing_address = billing
    destinations = _destinations(order)
    if row.shipping_addresses != destinations:
        row.shipping_addresses = destinations
    unmatched = len(order.unmatched_lines)
    if row.unmatched_lines != unmatched:
        row.unmatched_lines = unmatched
    if row.route_state != order.route_state.value:
        row.route_state = order.route_state.value
    row.updated_at = now


def _destinations(order: Order) -> list[dict[str, Any]]:
    return [
        {"order_address_id": item.order_address_id, "shipping_method": item.shipping_method, **item.address.as_dict()}
        for item in order.destinations
    ]


def _new_line(order_id: int, line: OrderLine) -> OrderLineRow:
    row = OrderLineRow(order_id=order_id, order_product_id=line.order_product_id)
    for name in LINE_FACTS:
        setattr(row, name, getattr(line, name))
    return row


def _line(row: OrderLineRow) -> OrderLine:
    return OrderLine(
        order_product_id=row.order_product_id,
        sku=row.sku,
        name=row.name,
        quantity=row.quantity,
        quantity_shipped=row.quantity_shipped,
        product_id=row.product_id,
        variant_id=row.variant_id,
        order_address_id=row.order_address_id,
        price_ex_tax=row.price_ex_tax,
        price_inc_tax=row.price_inc_tax,
        total_inc_tax=row.total_inc_tax,
        item_id=row.item_id,
        vendor_connection_id=row.vendor_connection_id,
        unmatched_reason=row.unmatched_reason,
    )


def _order(row: OrderRow, lines: list[OrderLine]) -> Order:
    return Order(
        id=row.id,
        connection_id=row.connection_id,
        store_order_id=row.store_order_id,
        status_id=row.status_id,
        status=row.status,
        date_created=row.date_created,
        date_modified=row.date_modified,
        customer_id=row.customer_id,
        billing=Address.from_dict(row.billing_address),
        destinations=[
            Destination(int(item["order_address_id"]), Address.from_dict(item), str(item.get("shipping_method") or ""))
            for item in row.shipping_addresses or []
        ],
        lines=lines,
        currency_code=row.currency_code,
        subtotal_ex_tax=row.subtotal_ex_tax,
        subtotal_inc_tax=row.subtotal_inc_tax,
        shipping_cost_inc_tax=row.shipping_cost_inc_tax,
        total_ex_tax=row.total_ex_tax,
        total_inc_tax=row.total_inc_tax,
        items_total=row.items_total,
        items_shipped=row.items_shipped,
        payment_method=row.payment_method,
        customer_message=row.customer_message,
        is_deleted=row.is_deleted,
        import_as=ImportAs(row.import_as),
        route_state=RouteState(row.route_state),
        hold_reason=row.hold_reason,
        acknowledged_at=row.acknowledged_at,
        pii_purged_at=row.pii_purged_at,
        imported_at=row.imported_at,
        updated_at=row.updated_at,
    )


def _vendor_order(row: VendorOrderRow, lines: list[VendorOrderLine]) -> VendorOrder:
    return VendorOrder(
        id=row.id,
        order_id=row.order_id,
        vendor_connection_id=row.vendor_connection_id,
        order_address_id=row.order_address_id,
        external_order_id=row.external_order_id,
        state=VendorOrderState(row.state),
        lines=lines,
        vendor_order_id=row.vendor_order_id,
        vendor_status_id=row.vendor_status_id,
        items_shipped=row.items_shipped,
        attempts=row.attempts,
        error=row.error,
        cancel_reported_at=row.cancel_reported_at,
        created_at=row.created_at,
        placed_at=row.placed_at,
    )


def _shipment(row: ShipmentRow) -> Shipment:
    return Shipment(
        id=row.id,
        order_id=row.order_id,
        source=ShipmentSource(row.source),
        order_address_id=row.order_address_id,
        lines=tuple(ShipmentLine(int(item["order_product_id"]), int(item["quantity"])) for item in row.items or []),
        details=ShipmentDetails(
            tracking_number=row.tracking_number,
            tracking_carrier=row.tracking_carrier,
            shipping_provider=row.shipping_provider,
            shipping_method=row.shipping_method,
            tracking_link=row.tracking_link,
            comments=row.comments,
        ),
        pickup=row.pickup,
        state=ShipmentState(row.state),
        vendor_order_id=row.vendor_order_id,
        vendor_shipment_id=row.vendor_shipment_id,
        merchant_shipment_id=row.merchant_shipment_id,
        attempts=row.attempts,
        error=row.error,
        created_at=row.created_at,
        written_at=row.written_at,
    )

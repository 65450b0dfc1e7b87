"""What the order operations share: their dependencies, progress reporting, streams and small helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.errors import (
    AuthFailed,
    BigCommerceError,
    RateLimited,
    ScopeMissing,
    ServerError,
    TransportError,
)
from bchub.domain.connections import Connection, Role
from bchub.domain.orders import SETTINGS_KEY, ItemMatch, OrderSettings, order_settings
from bchub.domain.runs import VENDOR_REQUESTS, vendor_requests_key
from bchub.errors import ConfigurationError
from bchub.sync.connections.service import ClientFactory, ConnectionService
from bchub.sync.runner import OperationRun

T = TypeVar("T")
R = TypeVar("R")

ORDERS_STREAM = "orders"
WRITE_CONCURRENCY = 4  # creates in flight per store; the limiter still paces them


class ItemCatalog(Protocol):
    """The hub catalog as order matching needs it: SKU → item, supplier and vendor listing."""

    def matches(self, session: Session, skus: Collection[str]) -> dict[str, ItemMatch]: ...


@dataclass(frozen=True)
class OrderDeps:
    sessions: sessionmaker[Session]
    connections: ConnectionService
    clients: ClientFactory
    items: ItemCatalog
    now: Callable[[], datetime]


def settings_of(connection: Connection) -> OrderSettings:
    raw = connection.settings.get(SETTINGS_KEY)
    if raw is not None and not isinstance(raw, dict):
        raise ConfigurationError(
            f"connection {connection.name!r}: the '{SETTINGS_KEY}' setting must be an object; "
            f"reset it with `bchub connections edit {connection.name} --unset {SETTINGS_KEY}`"
        )
    return order_settings(raw)


def orders_stream(settings: OrderSettings) -> str:
    """The cursor stream of an order import: changing the statuses or the age starts a full read again."""
    statuses = ",".join(str(status) for status in sorted(settings.import_statuses))
    days = f":d{settings.created_within_days}" if settings.created_within_days is not None else ""
    return f"{ORDERS_STREAM}:{statuses}{days}"


def vendor_stream(merchant_connection_id: int) -> str:
    """The cursor, on a vendor connection, of the vendor orders routed from one merchant."""
    return f"vendor_orders:m{merchant_connection_id}"


def require_role(connection: Connection, role: Role, what: str) -> None:
    if not connection.role.includes(role):
        raise ConfigurationError(
            f"connection {connection.name!r} is a {connection.role.value} store; {what} needs a {role.value} "
            f"connection (change it with `bchub connections edit {connection.name} --role both`)"
        )


def transient(error: BigCommerceError) -> bool:
    """A failure that may pass by itself (rate limit, outage, network)."""
    return isinstance(error, RateLimited | ServerError | TransportError)


def credential_problem(error: BigCommerceError) -> bool:
    return isinstance(error, AuthFailed | ScopeMissing)


class Halted(Exception):
    """Work not started (or not gone on with) because the run already stopped on a failure of the hub's own."""


class Halt:
    """Shared by the concurrent workers of one run: once one fails on the hub's side, no more work starts.

    A store's error (``BigCommerceError``) is one item's or one store's to handle. Anything else
    escaping a worker, above all the hub's database gone away, means results can no longer be
    recorded: a write sent from then on would reach the store unrecorded, so none is started.
    """

    def __init__(self) -> None:
        self.error: Exception | None = None

    def trip(self, error: Exception) -> None:
        if self.error is None and not isinstance(error, BigCommerceError | Halted):
            self.error = error

    def check(self) -> None:
        """Call before a remote write: raises ``Halted`` once the run has stopped."""
        if self.error is not None:
            raise Halted(f"stopped after: {type(self.error).__name__}") from self.error


async def bounded(
    items: Iterable[T], work: Callable[[T], Awaitable[R]], limit: int = WRITE_CONCURRENCY, *, halt: Halt | None = None
) -> list[R]:
    """``work(item)`` for every item, at most ``limit`` at once, results in the items' order.

    Items already started run to their end even when one fails (no request is left in flight on
    a client about to close); the first failure is raised afterwards. A failure on the hub's side
    (see ``Halt``; share one ``halt`` across nested calls) stops items not started yet.
    """
    gate = asyncio.Semaphore(limit)
    halt = halt if halt is not None else Halt()

    async def one(item: T) -> R:
        async with gate:
            halt.check()
            try:
                return await work(item)
            except Exception as error:
                halt.trip(error)
                raise

    results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    if halt.error is not None:
        raise halt.error
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


def count_vendor_requests(run: OperationRun, vendor: Connection, requests: int) -> None:
    """Add what a vendor store's client sent to the merchant run's counts: in all, and for that vendor.

    The run's own ``requests`` are the merchant store's; a vendor's share is kept apart so the
    dashboard can count it on the vendor's row.
    """
    assert vendor.id is not None
    run.summary[VENDOR_REQUESTS] = run.summary.get(VENDOR_REQUESTS, 0) + requests
    if requests:
        key = vendor_requests_key(vendor.id)
        run.summary[key] = run.summary.get(key, 0) + requests


def order_key(store_order_id: int) -> str:
    """How a run item names a merchant order."""
    return f"#{store_order_id}"

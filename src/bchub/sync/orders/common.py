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
from bchub.errors import ConfigurationError
from bchub.sync.connections.service import ClientFactory, ConnectionService

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


async def bounded(items: Iterable[T], work: Callable[[T], Awaitable[R]], limit: int = WRITE_CONCURRENCY) -> list[R]:
    """``work(item)`` for every item, at most ``limit`` at once, results in the items' order.

    Every item runs to its end even when one fails (no request is left in flight on a client
    about to close); the first failure is raised afterwards.
    """
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if not isinstance(result, BaseException)]


def order_key(store_order_id: int) -> str:
    """How a run item names a merchant order."""
    return f"#{store_order_id}"

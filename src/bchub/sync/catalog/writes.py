"""The one way publishing, sync and visibility write to a store's catalog.

``StoreWrites`` refuses a connection that is only a vendor: the hub reads vendors' catalogs and
never changes them, and every catalog or stock write of this package goes through here.

Batch writes are all or nothing in the API (one invalid variant fails its whole batch of 50),
so a batch refused with 409/422 is split in halves and re-sent until the bad items stand alone:
a 422 on one item fails that item only, for about ``2·log2(batch)`` extra requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.batching import BatchResult
from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import BigCommerceError
from bchub.bigcommerce.models.catalog import Category, OptionValue, Product, Variant
from bchub.bigcommerce.models.inventory import AdjustmentItem
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import Run, Trigger
from bchub.errors import InputError
from bchub.sync.connections.service import ClientFactory, ConnectionService
from bchub.sync.runner import OperationBody, execute

T = TypeVar("T")
SPLITTABLE = frozenset({409, 422})  # the batch was refused for its content, so some items may be fine


class VendorWriteRefused(InputError):
    """A write to a vendor's store was asked for; the hub only reads vendors (the caller chose the wrong
    connection, so the API answers 422 rather than a server error)."""


@dataclass
class WriteResult(Generic[T]):
    """Items written and items refused, each with its error."""

    done: list[T] = field(default_factory=list)
    failed: list[tuple[T, BigCommerceError]] = field(default_factory=list)


def require_merchant(connection: Connection) -> None:
    if not connection.role.includes(Role.MERCHANT):
        raise VendorWriteRefused(
            f"connection {connection.name!r} is a vendor: the hub never writes to a vendor's catalog or stock"
        )


class StoreWrites:
    """Catalog and stock writes to one merchant store."""

    def __init__(self, client: BigCommerceClient, connection: Connection) -> None:
        require_merchant(connection)
        self._client = client

    async def create_product(self, payload: Mapping[str, Any]) -> Product:
        return await self._client.catalog.create_product(payload, include=("variants",))

    async def create_variant(self, product_id: int, payload: Mapping[str, Any]) -> Variant:
        return await self._client.catalog.create_variant(product_id, payload)

    async def create_option_value(self, product_id: int, option_id: int, label: str, sort_order: int) -> OptionValue:
        """A lost response is ``WriteOutcomeUnknown``, never re-sent: the caller lists the options again."""
        value = {"label": label, "sort_order": sort_order}
        return await self._client.catalog.create_option_value(product_id, option_id, value)

    async def create_category(self, name: str) -> Category:
        return await self._client.catalog.create_category({"name": name, "parent_id": 0})

    async def update_products(self, payloads: Sequence[dict[str, Any]]) -> WriteResult[dict[str, Any]]:
        return await _isolating(list(payloads), self._client.catalog.update_products, _by_id)

    async def update_variants(self, payloads: Sequence[dict[str, Any]]) -> WriteResult[dict[str, Any]]:
        return await _isolating(list(payloads), self._client.catalog.update_variants, _by_id)

    async def adjust_absolute(self, items: Sequence[AdjustmentItem]) -> WriteResult[AdjustmentItem]:
        return await _isolating(list(items), self._client.inventory.adjust_absolute, _stock_key)

    async def delete_products(self, product_ids: Iterable[int]) -> int:
        return await self._client.catalog.delete_products(product_ids)


def _by_id(payload: Any) -> Any:
    return payload["id"]


def _stock_key(item: Any) -> Any:
    return (item.location_id, item.sku, item.variant_id, item.product_id)


async def _isolating(
    items: list[T], send: Callable[[list[T]], Awaitable[BatchResult[Any, Any]]], key: Callable[[Any], Any]
) -> WriteResult[T]:
    """Send ``items`` in the client's batches; split refused batches until the bad items are alone.

    The client may hand back copies of the items it was given, so they are matched by ``key``.
    """
    outcome: WriteResult[T] = WriteResult()
    if not items:
        return outcome
    pending: list[list[T]] = [items]
    while pending:
        batch = pending.pop()
        by_key = {key(item): item for item in batch}
        result = await send(batch)
        refused: set[Any] = set()
        for failure in result.failed:
            failed_items = [by_key[key(item)] for item in failure.items]
            refused.update(key(item) for item in failed_items)
            if failure.error.status in SPLITTABLE and len(failed_items) > 1:
                middle = len(failed_items) // 2
                pending += [failed_items[:middle], failed_items[middle:]]
            else:
                outcome.failed.extend((item, failure.error) for item in failed_items)
        outcome.done.extend(item for item in batch if key(item) not in refused)
    return outcome


@dataclass(frozen=True)
class PublishDeps:
    """What publishing, sync and visibility operations need from the hub."""

    sessions: sessionmaker[Session]
    connections: ConnectionService
    clients: ClientFactory

    async def run(
        self,
        operation: str,
        connection: Connection | str | int,
        body: OperationBody,
        params: dict[str, Any] | None = None,
        trigger: Trigger = Trigger.USER,
    ) -> Run:
        return await execute(
            operation,
            connection,
            body,
            sessions=self.sessions,
            connections=self.connections,
            clients=self.clients,
            trigger=trigger,
            params=params,
        )


Progress = Callable[[int], None]  # called with how many more items are done


def no_progress(done: int) -> None:
    """The default progress callback: nothing to show."""

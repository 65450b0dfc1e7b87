"""Shared set-up for the catalog tests: the demo sandbox, its three connections, and helpers.

``shop`` is the merchant store ``mrch001``; ``north`` and ``harbor`` are the vendors ``vnd0001``
and ``vnd0002`` (``seed_demo(products=6)``: 6 products × 3 variants each; the merchant has 4
products of its own and lists 2 products of each vendor under the vendors' SKUs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.catalog import ImportOptions, Item
from bchub.domain.connections import Role
from bchub.domain.runs import ItemOutcome, Run
from bchub.settings import Settings
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.runs import RunRepository
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, Store
from bcsandbox.seed import MERCHANT_HASH, VENDOR_HASHES, seed_demo
from bcsandbox.testing import transport_for

MERCHANT = "shop"
NORTH = "north"
HARBOR = "harbor"
HASHES = {MERCHANT: MERCHANT_HASH, NORTH: VENDOR_HASHES[0], HARBOR: VENDOR_HASHES[1]}


class HookedTransport(httpx.AsyncBaseTransport):
    """The sandbox transport with a hook on each response: lets a test change the store mid-run
    or answer one request with an error, the way the network would."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.before: Callable[[httpx.Request], httpx.Response | None] | None = None
        self.after: Callable[[httpx.Request], None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            answer = self.before(request)
            if answer is not None:
                return answer
        response = await self.inner.handle_async_request(request)
        if self.after is not None:
            self.after(request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Catalog:
    sandbox: Sandbox
    hub: Hub
    transport: HookedTransport

    def store(self, name: str) -> Store:
        return self.sandbox.stores[HASHES[name]]

    def connection_id(self, name: str) -> int:
        connection_id = self.hub.connections.get(name).id
        assert connection_id is not None
        return connection_id

    async def run(self, name: str, **options: Any) -> Run:
        return await self.hub.catalog.import_listings(name, ImportOptions(**options))

    def outcomes(self, run: Run) -> list[ItemOutcome]:
        with self.hub.sessions() as session:
            return RunRepository(session).items(run.id)

    def outcome_of(self, run: Run, key: str) -> ItemOutcome:
        [found] = [item for item in self.outcomes(run) if item.key == key]
        return found

    def items(self) -> dict[str, Item]:
        found, _ = self.hub.catalog.items(limit=1000)
        return {item.sku: item for item in found}

    def vendor_listing(self, sku: str) -> tuple[int, int, int] | None:
        """(vendor connection id, product id, variant id) of the item's supplier listing."""
        with self.hub.sessions() as session:
            repository = CatalogRepository(session)
            item = repository.item_by_sku(sku)
            assert item is not None, sku
            found = repository.vendor_listing_for(item.id)
        return None if found is None else (found.connection_id, found.product_id, found.variant_id)

    def variant_skus(self, name: str) -> list[str]:
        return [variant["sku"] for variant in self.store(name).catalog.list_variants()]

    def listed_vendor_skus(self, vendor: str) -> list[str]:
        """SKUs of ``vendor`` that the merchant lists too."""
        merchant = set(self.variant_skus(MERCHANT))
        return [sku for sku in self.variant_skus(vendor) if sku in merchant]

    def writes_to(self, name: str) -> list[str]:
        return [
            f"{entry.method} {entry.path}"
            for entry in self.sandbox.requests(HASHES[name])
            if entry.method not in ("GET", "HEAD")
        ]


def add_connections(hub: Hub, sandbox: Sandbox) -> None:
    for name, role in ((NORTH, Role.VENDOR), (HARBOR, Role.VENDOR), (MERCHANT, Role.MERCHANT)):
        store = sandbox.stores[HASHES[name]]
        token = next(iter(store.accounts))
        hub.connections.add(NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=name))


@pytest.fixture
def catalog(sandbox: Sandbox, hub_settings: Settings) -> Iterator[Catalog]:
    sandbox.clock.advance(-120)  # the demo catalog was made two minutes ago
    seed_demo(sandbox, products=6, orders=0)
    sandbox.clock.advance(120)
    transport = HookedTransport(transport_for(sandbox))
    with Hub(hub_settings, transport=transport) as hub:
        add_connections(hub, sandbox)
        yield Catalog(sandbox, hub, transport)


def problem(status: int, title: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"status": status, "title": title, "type": "https://developer.bigcommerce.com/api-docs", "errors": {}},
        headers={"Content-Type": "application/problem+json"},
    )

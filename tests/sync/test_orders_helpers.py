"""Shared set-up for the order tests: the demo sandbox (a merchant, two vendors), connections and items.

``world`` seeds ``bcsandbox.seed.seed_demo`` (merchant ``mrch001``, vendors ``vnd0001`` and
``vnd0002``), adds the three connections and fills the hub catalog with the catalog import of
each store (vendors first), as a user would: items with their supplier, a listing per store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import ItemOutcome, Run, RunStatus
from bchub.settings import Settings
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, Store
from bcsandbox.seed import MERCHANT_HASH, VENDOR_HASHES, seed_demo
from bcsandbox.testing import transport_for

MERCHANT = "shop"
VENDORS = ("north", "harbor")
BUSINESS = {
    "business_address.first_name": "Corner",
    "business_address.last_name": "Store",
    "business_address.company": "Corner Store LLC",
    "business_address.street_1": "1 Main St",
    "business_address.city": "Austin",
    "business_address.state": "Texas",
    "business_address.zip": "78701",
    "business_address.country": "United States",
    "business_address.country_iso2": "US",
    "business_address.email": "orders@corner.example",
}
ORDERS_IN_DEMO = 0  # the tests place the orders they need


@dataclass
class World:
    sandbox: Sandbox
    hub: Hub

    @property
    def merchant(self) -> Store:
        return self.sandbox.stores[MERCHANT_HASH]

    def vendor(self, number: int) -> Store:
        return self.sandbox.stores[VENDOR_HASHES[number]]

    def vendor_skus(self, number: int, *, in_stock: bool = True) -> list[str]:
        """SKUs of vendor ``number`` that the merchant also lists (so orders can carry them)."""
        listed = {variant["sku"] for variant in self.merchant.catalog.list_variants()}
        catalog = self.vendor(number).catalog
        return [
            variant["sku"]
            for variant in map(catalog.render_variant, catalog.list_variants())
            if variant["sku"] in listed
            and variant.get("option_values")
            and (not in_stock or variant["inventory_level"] >= 5)
        ]

    def own_skus(self) -> list[str]:
        return sorted(
            variant["sku"] for variant in self.merchant.catalog.list_variants() if variant["sku"].startswith("MRC-")
        )

    def place(self, *lines: tuple[str, int], status_id: int = 11, **extra: Any) -> int:
        """A shopper order on the merchant store; returns its id."""
        body = {
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            "status_id": status_id,
            **extra,
        }
        return int(self.merchant.orders.place_shopper_order(body)["id"])

    def place_old(self, sku: str, *, days: int, status_id: int = 11) -> int:
        """An order created ``days`` ago (a historic import into the store)."""
        product, variant = self.merchant.catalog.find_sku(sku)
        line: dict[str, Any] = {"product_id": product["id"], "quantity": 1}
        if variant is not None and variant.get("option_values"):
            line["variant_id"] = variant["id"]
        created = datetime.now().astimezone() - timedelta(days=days)
        order = self.merchant.orders.create(
            {
                "billing_address": {
                    "first_name": "Old",
                    "last_name": "Buyer",
                    "zip": "97205",
                    "country_iso2": "US",
                    "email": "old@example.com",
                },
                "products": [line],
                "status_id": status_id,
                "date_created": created.strftime("%a, %d %b %Y %H:%M:%S %z"),
            }
        )
        return order.id

    def requests(self, store: Store, method: str | None = None, path_prefix: str = "/") -> int:
        return len(self.sandbox.requests(store.hash, method=method, path_prefix=path_prefix))

    def items(self, run: Run) -> list[ItemOutcome]:
        with self.hub.sessions() as session:
            return RunRepository(session).items(run.id)


def _connect(hub: Hub, store: Store, role: Role, name: str) -> int:
    token = next(iter(store.accounts))
    connection = hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=name)
    )
    assert connection.id is not None
    return connection.id


@pytest.fixture
def world(sandbox: Sandbox, hub_settings: Settings) -> Iterator[World]:
    seed_demo(sandbox, products=6, orders=ORDERS_IN_DEMO)
    with Hub(hub_settings, transport=transport_for(sandbox)) as hub:
        _connect(hub, sandbox.stores[MERCHANT_HASH], Role.MERCHANT, MERCHANT)
        for name, store_hash in zip(VENDORS, VENDOR_HASHES, strict=True):
            _connect(hub, sandbox.stores[store_hash], Role.VENDOR, name)
        # the hub catalog as a user fills it: the vendors' listings, then the merchant's
        catalog = CatalogDeps(hub.sessions, hub.connections, hub.clients)
        for name in (*VENDORS, MERCHANT):
            imported = asyncio.run(import_listings(catalog, name))
            assert imported.status is RunStatus.SUCCEEDED, imported.error
        sandbox.clear_requests()
        yield World(sandbox, hub)

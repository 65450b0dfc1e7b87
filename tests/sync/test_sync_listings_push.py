"""sync_listings against the sandbox: nothing changed costs nothing, changed stock and prices, paused, partial failure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bchub.app import Hub
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.importer import CatalogDeps, import_listings
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import set_paused
from bcsandbox import Sandbox, Store
from tests.sync.publishing_helpers import add_items, connect, deps, item, options_of, set_stock, variant, writes

pytestmark = pytest.mark.anyio


async def _published(hub: Hub, store: Store) -> tuple[int, dict[str, int]]:
    shop = connect(hub, store)
    ids = add_items(
        hub,
        [
            item("CAP"),
            item("SOCK-S", parent_sku="SOCK", name="Sock", options=options_of(("Size", "S"))),
            item("SOCK-L", parent_sku="SOCK", name="Sock", options=options_of(("Size", "L"))),
        ],
        stock={"CAP": 5, "SOCK-S": 6, "SOCK-L": 7},
    )
    run, _ = await publish_listings(deps(hub), shop, Selection(everything=True))
    assert run is not None and run.status is RunStatus.SUCCEEDED
    return shop, ids


def _set_price(hub: Hub, item_id: int, price: str, sale: str | None = None) -> None:
    with hub.sessions.begin() as session:
        CatalogRepository(session).update_items(
            [{"id": item_id, "price": Decimal(price), "sale_price": Decimal(sale) if sale else None}]
        )


async def test_nothing_changed_sends_no_request(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, _ = await _published(hub, store)
    sandbox.clear_requests()
    run, _ = await sync_listings(deps(hub), shop)
    assert run is not None and run.status is RunStatus.SUCCEEDED
    assert run.requests == 0 and sandbox.requests(store.hash) == []
    assert run.counts.get("unchanged") == 3


async def test_changed_stock_goes_out_in_one_adjustment_product_and_variant_level(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, ids = await _published(hub, store)
    set_stock(hub, ids["CAP"], "csv", 50)
    set_stock(hub, ids["SOCK-L"], "csv", 70)
    sandbox.clear_requests()
    run, _ = await sync_listings(deps(hub), shop)
    assert run is not None and run.status is RunStatus.SUCCEEDED
    sent = writes(sandbox, store)
    assert [(r.method, r.path) for r in sent] == [("PUT", "/v3/inventory/adjustments/absolute")]
    assert variant(store, "CAP")["inventory_level"] == 50  # product-level tracking
    assert variant(store, "SOCK-L")["inventory_level"] == 70
    assert variant(store, "SOCK-S")["inventory_level"] == 6
    sandbox.clear_requests()
    again, _ = await sync_listings(deps(hub), shop)
    assert again is not None and again.requests == 0


async def test_changed_prices_go_out_as_a_variant_batch(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published(hub, store)
    _set_price(hub, ids["SOCK-S"], "3.50", "2.99")
    sandbox.clear_requests()
    run, dry = await sync_listings(deps(hub), shop, dry_run=True)
    assert run is None and sandbox.requests(store.hash) == []
    assert dry == [
        {
            "sku": "SOCK-S",
            "changes": {"price": (Decimal("10.00"), Decimal("3.50")), "sale_price": (None, Decimal("2.99"))},
        }
    ]
    run, _ = await sync_listings(deps(hub), shop)
    assert run is not None
    assert [(r.method, r.path) for r in writes(sandbox, store)] == [("PUT", "/v3/catalog/variants")]
    assert (variant(store, "SOCK-S")["price"], variant(store, "SOCK-S")["sale_price"]) == (3.5, 2.99)


async def test_paused_listings_are_left_alone(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published(hub, store)
    assert set_paused(deps(hub), shop, Selection(skus=("CAP",)), True) == 1
    set_stock(hub, ids["CAP"], "csv", 99)
    sandbox.clear_requests()
    run, _ = await sync_listings(deps(hub), shop)
    assert run is not None and run.requests == 0
    assert variant(store, "CAP")["inventory_level"] == 5
    assert set_paused(deps(hub), shop, Selection(skus=("CAP",)), False) == 1
    await sync_listings(deps(hub), shop)
    assert variant(store, "CAP")["inventory_level"] == 99


async def test_an_item_the_store_refuses_fails_alone(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published(hub, store)
    gone = variant(store, "SOCK-S")
    store.catalog.delete_variant(gone["product_id"], gone["id"])  # removed in the store behind the hub's back
    for sku in ("CAP", "SOCK-S", "SOCK-L"):
        set_stock(hub, ids[sku], "csv", 40)
        _set_price(hub, ids[sku], "20")
    run, _ = await sync_listings(deps(hub), shop)
    assert run is not None and run.status is RunStatus.PARTIAL
    with hub.sessions() as session:
        outcomes = {i.key: (i.outcome, i.reason) for i in RunRepository(session).items(run.id)}
    assert outcomes["CAP"] == (Outcome.UPDATED, None) and outcomes["SOCK-L"] == (Outcome.UPDATED, None)
    assert outcomes["SOCK-S"][0] is Outcome.FAILED and "not pushed" in (outcomes["SOCK-S"][1] or "")
    assert variant(store, "CAP")["inventory_level"] == 40 and variant(store, "SOCK-L")["price"] == 20
    # the failed listing is retried next time; the others are not resent
    sandbox.clear_requests()
    retry, _ = await sync_listings(deps(hub), shop)
    assert retry is not None and retry.counts.get("failed") == 1 and retry.counts.get("unchanged") == 2


async def test_product_level_tracking_of_an_imported_product_is_learned_and_respected(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    created = store.catalog.create_product(
        {
            "name": "Scarf",
            "type": "physical",
            "sku": "SCARF",
            "price": 9,
            "weight": 1,
            "inventory_tracking": "product",
            "inventory_level": 4,
            "variants": [
                {"sku": f"SCARF-{c}", "option_values": [{"option_display_name": "Color", "label": c}]}
                for c in ("Red", "Blue")
            ],
        }
    )
    shop = connect(hub, store)
    imported = await import_listings(CatalogDeps(hub.sessions, hub.connections, hub.clients), shop)
    assert imported.status is RunStatus.SUCCEEDED, imported
    with hub.sessions() as session:
        items = CatalogRepository(session).items_by_sku(["SCARF-Red", "SCARF-Blue"])
    set_stock(hub, items["SCARF-Red"].id, "csv", 8)
    set_stock(hub, items["SCARF-Blue"].id, "csv", 6)
    first, _ = await sync_listings(deps(hub), shop)
    assert first is not None and first.status is RunStatus.SUCCEEDED, first
    assert store.inventory.level(("product", created["id"])) == 6  # shared stock: the lower level
    set_stock(hub, items["SCARF-Blue"].id, "csv", 3)
    set_stock(hub, items["SCARF-Red"].id, "csv", 3)
    sandbox.clear_requests()
    second, _ = await sync_listings(deps(hub), shop)
    assert second is not None and second.status is RunStatus.SUCCEEDED
    sent = [(r.path, r.query) for r in writes(sandbox, store)]
    assert sent == [("/v3/inventory/adjustments/absolute", "")]  # straight to the product this time
    assert store.inventory.level(("product", created["id"])) == 3

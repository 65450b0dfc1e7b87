"""publish_listings against the sandbox: create, republish, name override, attribute policies, 409s, dry-run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bchub.app import Hub
from bchub.domain.catalog import Attribute
from bchub.domain.runs import RunStatus
from bchub.storage.catalog_repository import CatalogRepository
from bchub.sync.catalog.publish import Selection, publish_listings
from bcsandbox import Sandbox, Store
from tests.sync.publishing_helpers import add_items, connect, deps, item, options_of, variant, writes

pytestmark = pytest.mark.anyio


async def test_publishes_a_product_with_variants_inline_and_binds_the_ids(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(hub, store)
    ids = add_items(
        hub,
        [
            item(
                "TEE-S",
                parent_sku="TEE",
                name="Tee",
                options=options_of(("Size", "S")),
                brand="Acme",
                categories=("Shirts",),
                images=("https://img.test/tee.png",),
                custom_fields=(Attribute("fabric", "cotton"),),
            ),
            item("TEE-M", parent_sku="TEE", name="Tee", options=options_of(("Size", "M")), price=Decimal("12.5")),
        ],
        stock={"TEE-S": 4, "TEE-M": 7},
    )
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("TEE-S", "TEE-M")))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    posts = [r for r in writes(sandbox, store) if r.path == "/v3/catalog/products"]
    assert len(posts) == 1
    product = next(iter(store.catalog.products.values())).fields
    assert product["sku"] == "TEE" and product["inventory_tracking"] == "variant"
    assert store.catalog.brands[product["brand_id"]]["name"] == "Acme"
    assert [store.catalog.categories[c]["name"] for c in product["categories"]] == ["Shirts"]
    with hub.sessions() as session:
        listings = CatalogRepository(session).listing_rows_by_item(shop, ids.values())
    variants = {v["sku"]: v for v in store.catalog.variants.values()}
    assert int(listings[ids["TEE-M"]].variant_id) == variants["TEE-M"]["id"]
    assert variant(store, "TEE-M")["price"] == 12.5
    assert variant(store, "TEE-M")["inventory_level"] == 7
    assert variant(store, "TEE-S")["inventory_level"] == 4

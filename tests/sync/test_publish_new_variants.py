"""Publishing adds variants to a product already in the store: options extended, exactly once, bound, synced.

Also what it does not add (a product published without variants, options the product lacks, a
variant removed at the vendor) and what it keeps (a published variant removed at the vendor).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.publishing import NEW_VARIANT_REMOVED_AT_VENDOR, PublishOptions, VendorStockRule
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.publish_repository import PublishRepository
from bchub.storage.repositories import utc_now
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from tests.sync.publishing_helpers import (
    add_items,
    connect,
    deps,
    item,
    options_of,
    product,
    set_stock,
    variant,
    vendor_store,
    writes,
)

pytestmark = pytest.mark.anyio


def _shirt(sku: str, size: str, color: str, **fields: Any) -> Any:
    return item(sku, parent_sku="SHIRT", name="Shirt", options=options_of(("Size", size), ("Color", color)), **fields)


def _outcomes(hub: Hub, run_id: int) -> dict[tuple[str, str], tuple[Outcome, str | None]]:
    with hub.sessions() as session:
        return {(i.kind, i.key): (i.outcome, i.reason) for i in RunRepository(session).items(run_id)}


def _variants(store: Store, sku: str) -> list[dict[str, Any]]:
    return [v for v in store.catalog.variants.values() if (v.get("sku") or "") == sku]


def _labels(store: Store) -> dict[str, list[str]]:
    return {o["display_name"]: [v["label"] for v in o["option_values"]] for o in store.catalog.options.values()}


async def _published_shirt(hub: Hub, store: Store) -> tuple[int, dict[str, int]]:
    shop = connect(hub, store)
    ids = add_items(hub, [_shirt("SHIRT-S-RED", "S", "Red")], stock={"SHIRT-S-RED": 5})
    first, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert first is not None and first.status is RunStatus.SUCCEEDED
    return shop, ids


async def test_new_variants_extend_the_options_once_and_are_bound_and_synced(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, ids = await _published_shirt(hub, store)
    ids |= add_items(
        hub,
        [_shirt("SHIRT-L-RED", "L", "Red", price=Decimal("12")), _shirt("SHIRT-L-BLUE", "L", "Blue")],
        stock={"SHIRT-L-RED": 3, "SHIRT-L-BLUE": 0},
    )
    sandbox.clear_requests()
    run, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    outcomes = _outcomes(hub, run.id)
    assert outcomes[("variant", "SHIRT-L-RED")] == (Outcome.CREATED, None)
    assert outcomes[("variant", "SHIRT-L-BLUE")] == (Outcome.CREATED, None)
    # "L" is created once and reused by the second variant; "Red" already existed
    assert _labels(store) == {"Size": ["S", "L"], "Color": ["Red", "Blue"]}
    shirt = f"/v3/catalog/products/{product(store, 'SHIRT')['id']}"
    posts = [r.path.removeprefix(shirt) for r in writes(sandbox, store) if r.method == "POST"]
    assert sorted(posts) == sorted([f"/options/{o}/values" for o in store.catalog.options] + ["/variants", "/variants"])
    added = variant(store, "SHIRT-L-RED")
    assert added["price"] == 12 and added["inventory_level"] == 3  # the catch-up push sent the stock
    assert sorted(v["label"] for v in added["option_values"]) == ["L", "Red"]
    with hub.sessions() as session:
        rows = CatalogRepository(session).listing_rows_by_item(shop, ids.values())
    assert int(rows[ids["SHIRT-L-RED"]].variant_id) == added["id"] and not rows[ids["SHIRT-L-RED"]].base_variant
    assert rows[ids["SHIRT-L-RED"]].product_id == rows[ids["SHIRT-S-RED"]].product_id

    # publishing again sends nothing; a stock change reaches the new variant through sync
    sandbox.clear_requests()
    again, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert again is not None and writes(sandbox, store) == []
    set_stock(hub, ids["SHIRT-L-BLUE"], "csv", 8)
    synced, _ = await sync_listings(deps(hub), shop)
    assert synced is not None and synced.status is RunStatus.SUCCEEDED
    assert variant(store, "SHIRT-L-BLUE")["inventory_level"] == 8


async def test_the_dry_run_lists_the_variants_it_would_add_and_sends_nothing(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, _ = await _published_shirt(hub, store)
    # sorts after SHIRT-S-RED, so the product's lead item (its price and name) stays the same
    add_items(hub, [_shirt("SHIRT-XS-RED", "XS", "Red", sale_price=Decimal("9"))])
    sandbox.clear_requests()
    _, changes = await publish_listings(deps(hub), shop, Selection(text="shirt"), PublishOptions(dry_run=True))
    assert changes[0]["sku"] == "SHIRT" and changes[0]["action"] == "unchanged"
    assert changes[1] == {
        "sku": "SHIRT-XS-RED",
        "action": "add variant",
        "changes": {
            "options": (None, "Size: XS, Color: Red"),
            "price": (None, 10.0),
            "sale_price": (None, 9.0),
            "weight": (None, 1.0),
        },
    }
    assert sandbox.requests(store.hash) == [] and _variants(store, "SHIRT-XS-RED") == []


async def test_a_lost_variant_response_is_found_by_sku_in_the_same_run(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, _ = await _published_shirt(hub, store)
    add_items(hub, [_shirt("SHIRT-M-RED", "M", "Red")])
    store.faults.add(FaultRule(method="POST", path="*/variants", commit_then_drop_rate=1.0, remaining=1))
    run, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    assert _outcomes(hub, run.id)[("variant", "SHIRT-M-RED")] == (Outcome.CREATED, None)
    assert len(_variants(store, "SHIRT-M-RED")) == 1


async def test_a_rerun_after_a_lost_response_links_the_variant_instead_of_creating_it_twice(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, ids = await _published_shirt(hub, store)
    ids |= add_items(hub, [_shirt("SHIRT-M-RED", "M", "Red")], stock={"SHIRT-M-RED": 6})
    # the variant is created but its answer is lost, and the look-up by SKU fails too
    store.faults.add(FaultRule(method="POST", path="*/variants", commit_then_drop_rate=1.0, remaining=1))
    store.faults.add(
        FaultRule(method="GET", path="/v3/catalog/variants", error_rate=1.0, error_statuses=(400,), remaining=1)
    )
    lost, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert lost is not None and lost.status is RunStatus.PARTIAL
    outcome, reason = _outcomes(hub, lost.id)[("variant", "SHIRT-M-RED")]
    assert outcome is Outcome.FAILED and "looks it up again" in (reason or "")
    assert len(_variants(store, "SHIRT-M-RED")) == 1
    sandbox.clear_requests()
    again, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert again is not None and again.status is RunStatus.SUCCEEDED
    outcome, reason = _outcomes(hub, again.id)[("variant", "SHIRT-M-RED")]
    assert outcome is Outcome.LINKED and "already had variant SHIRT-M-RED" in (reason or "")
    assert len(_variants(store, "SHIRT-M-RED")) == 1
    assert not [r for r in writes(sandbox, store) if r.method == "POST"]
    assert variant(store, "SHIRT-M-RED")["inventory_level"] == 6  # linked, then its stock pushed
    with hub.sessions() as session:
        listing = CatalogRepository(session).listing(shop, ids["SHIRT-M-RED"])
    assert listing is not None and listing.variant_id == _variants(store, "SHIRT-M-RED")[0]["id"]


async def test_a_lost_option_value_response_is_read_back_not_posted_twice(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, _ = await _published_shirt(hub, store)
    add_items(hub, [_shirt("SHIRT-XL-RED", "XL", "Red")])
    store.faults.add(FaultRule(method="POST", path="*/values", commit_then_drop_rate=1.0, remaining=1))
    run, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    assert _labels(store)["Size"] == ["S", "XL"] and len(_variants(store, "SHIRT-XL-RED")) == 1


async def test_variants_that_cannot_be_added_are_skipped_with_why(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, _ = await _published_shirt(hub, store)
    add_items(
        hub,
        [
            item("SHIRT-M", parent_sku="SHIRT", name="Shirt", options=options_of(("Size", "M"))),  # no Color
            item("MUG"),
        ],
    )
    await publish_listings(deps(hub), shop, Selection(skus=("MUG",)))
    # a sibling for a product published without variants
    add_items(hub, [item("MUG-BIG", parent_sku="MUG", name="Mug", options=options_of(("Size", "Big")))])
    sandbox.clear_requests()
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("SHIRT-S-RED", "SHIRT-M", "MUG", "MUG-BIG")))
    assert run is not None
    outcomes = _outcomes(hub, run.id)
    outcome, reason = outcomes[("variant", "SHIRT-M")]
    assert outcome is Outcome.SKIPPED and "its options (Size) are not the options product SHIRT has" in (reason or "")
    outcome, reason = outcomes[("variant", "MUG-BIG")]
    assert outcome is Outcome.SKIPPED and "product MUG is in the store without variants" in (reason or "")
    assert not [r for r in writes(sandbox, store) if r.method == "POST"]


async def test_vendor_removed_variants_are_kept_and_not_added(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    vendor_shop = vendor_store(sandbox)
    vendor = connect(hub, vendor_shop, Role.VENDOR, name="acme")
    shop = connect(hub, store)
    supplied = [
        _shirt("SHIRT-S-RED", "S", "Red"),
        _shirt("SHIRT-M-RED", "M", "Red"),
    ]
    ids = add_items(hub, supplied, supplier=vendor, stock={"SHIRT-S-RED": 4, "SHIRT-M-RED": 2})
    await publish_listings(deps(hub), shop, Selection(skus=("SHIRT-S-RED",)))
    _vendor_listings(hub, vendor, ids, removed={"SHIRT-S-RED", "SHIRT-M-RED"})
    with hub.sessions.begin() as session:
        PublishRepository(session).set_vendor_rule(vendor, VendorStockRule(zero_when_discontinued=True))
    sandbox.clear_requests()
    run, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert run is not None and run.counts.get("removed_at_vendor") == 1
    outcomes = _outcomes(hub, run.id)
    assert outcomes[("variant", "SHIRT-M-RED")] == (Outcome.SKIPPED, NEW_VARIANT_REMOVED_AT_VENDOR)
    kept, note = outcomes[("variant", "SHIRT-S-RED")]
    assert kept is Outcome.UNCHANGED and "kept in this store" in (note or "") and "published as 0" in (note or "")
    assert _variants(store, "SHIRT-M-RED") == [] and variant(store, "SHIRT-S-RED")["inventory_level"] == 0
    assert not [r for r in writes(sandbox, store) if r.method in ("POST", "DELETE")]


def _vendor_listings(hub: Hub, vendor: int, ids: dict[str, int], removed: set[str]) -> None:
    """The vendor's listings of the items, the ``removed`` ones gone from its store."""
    now = utc_now()
    rows = [
        {
            "connection_id": vendor,
            "item_id": item_id,
            "product_id": "900",
            "variant_id": str(900 + n),
            "sku": sku,
            "deleted_at": now if sku in removed else None,
            "created_at": now,
            "updated_at": now,
        }
        for n, (sku, item_id) in enumerate(sorted(ids.items()))
    ]
    with hub.sessions.begin() as session:
        CatalogRepository(session).insert_listings(rows)


async def test_a_variant_added_to_a_paused_product_is_paused_too(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published_shirt(hub, store)
    with hub.sessions.begin() as session:
        CatalogRepository(session).set_paused(shop, [ids["SHIRT-S-RED"]], True)
    ids |= add_items(hub, [_shirt("SHIRT-M-RED", "M", "Red")], stock={"SHIRT-M-RED": 9})
    run, _ = await publish_listings(deps(hub), shop, Selection(text="shirt"))
    assert run is not None and _outcomes(hub, run.id)[("variant", "SHIRT-M-RED")] == (Outcome.CREATED, None)
    with hub.sessions() as session:
        listing = CatalogRepository(session).listing(shop, ids["SHIRT-M-RED"])
    assert listing is not None and listing.paused
    assert variant(store, "SHIRT-M-RED")["inventory_level"] == 0  # paused: no stock pushed


async def test_a_new_variant_published_alone_joins_its_product_in_the_store(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, _ = await _published_shirt(hub, store)
    add_items(hub, [_shirt("SHIRT-M-RED", "M", "Red"), _shirt("SHIRT-L-RED", "L", "Red")])
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("SHIRT-M-RED",)))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    assert _outcomes(hub, run.id)[("variant", "SHIRT-M-RED")] == (Outcome.CREATED, None)
    assert len(store.catalog.products) == 1 and len(_variants(store, "SHIRT-M-RED")) == 1
    assert _variants(store, "SHIRT-L-RED") == []  # not selected: not added

"""hide / unhide / delist against the sandbox, and publishing a delisted listing again."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.runs import Outcome, RunStatus
from bchub.errors import InputError
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import change_visibility, describe_visibility
from bchub.sync.catalog.writes import VendorWriteRefused
from bcsandbox import Sandbox, Store
from tests.sync.publishing_helpers import (
    add_items,
    connect,
    deps,
    item,
    options_of,
    product,
    set_stock,
    vendor_store,
    writes,
)

pytestmark = pytest.mark.anyio


async def _published(hub: Hub, store: Store) -> tuple[int, dict[str, int]]:
    shop = connect(hub, store)
    ids = add_items(
        hub,
        [
            item("HAT"),
            item("GLOVE-S", parent_sku="GLOVE", name="Glove", options=options_of(("Size", "S"))),
            item("GLOVE-L", parent_sku="GLOVE", name="Glove", options=options_of(("Size", "L"))),
        ],
        stock={"HAT": 2, "GLOVE-S": 3, "GLOVE-L": 4},
    )
    await publish_listings(deps(hub), shop, Selection(everything=True))
    return shop, ids


def _outcomes(hub: Hub, run_id: int) -> dict[str, Outcome]:
    with hub.sessions() as session:
        return {i.key: i.outcome for i in RunRepository(session).items(run_id)}


async def test_hide_disables_the_parent_and_unhide_only_touches_hidden(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, ids = await _published(hub, store)
    # one variant selected hides the whole product: every variant goes
    hidden = await change_visibility(deps(hub), shop, Selection(skus=("GLOVE-S",)), "hide")
    assert hidden.status is RunStatus.SUCCEEDED
    assert product(store, "GLOVE")["availability"] == "disabled"
    assert product(store, "HAT")["availability"] == "available"
    with hub.sessions() as session:
        listings = CatalogRepository(session).listing_rows_by_item(shop, ids.values())
    assert listings[ids["GLOVE-L"]].hidden and not listings[ids["HAT"]].hidden
    sandbox.clear_requests()
    shown = await change_visibility(deps(hub), shop, Selection(skus=("GLOVE-L", "HAT")), "unhide")
    assert _outcomes(hub, shown.id) == {"GLOVE-L": Outcome.UPDATED, "HAT": Outcome.SKIPPED}
    assert [(r.method, r.path) for r in writes(sandbox, store)] == [("PUT", "/v3/catalog/products")]
    assert product(store, "GLOVE")["availability"] == "available"


async def test_delist_deletes_the_product_and_publish_brings_it_back(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published(hub, store)
    delisted = await change_visibility(deps(hub), shop, Selection(skus=("GLOVE-L",)), "delist")
    assert _outcomes(hub, delisted.id) == {"GLOVE-L": Outcome.DELETED}
    assert [r.fields["sku"] for r in store.catalog.products.values()] == ["HAT"]
    # a delisted listing gets no pushes
    set_stock(hub, ids["GLOVE-S"], "csv", 9)
    sandbox.clear_requests()
    synced, _ = await sync_listings(deps(hub), shop)
    assert synced is not None and synced.requests == 0
    republished, _ = await publish_listings(deps(hub), shop, Selection(skus=("GLOVE-S", "GLOVE-L")))
    assert republished is not None and _outcomes(hub, republished.id) == {"GLOVE": Outcome.CREATED}
    assert product(store, "GLOVE")["availability"] == "available"
    with hub.sessions() as session:
        listing = CatalogRepository(session).listing(shop, ids["GLOVE-S"])
    assert listing is not None and not listing.delisted and listing.product_id == product(store, "GLOVE")["id"]


async def test_sync_with_relist_brings_delisted_listings_back(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, ids = await _published(hub, store)
    await change_visibility(deps(hub), shop, Selection(skus=("HAT",)), "delist")
    plain, _ = await sync_listings(deps(hub), shop)
    assert (
        plain is not None
        and plain.requests == 0
        and "HAT" not in {p.fields["sku"] for p in store.catalog.products.values()}
    )
    sandbox.clear_requests()
    _, preview = await sync_listings(deps(hub), shop, relist=True, dry_run=True)
    assert preview == [{"sku": "HAT", "action": "relist", "changes": {}}] and sandbox.requests(store.hash) == []
    relisted, _ = await sync_listings(deps(hub), shop, relist=True)
    assert relisted is not None and _outcomes(hub, relisted.id) == {"HAT": Outcome.CREATED}
    assert product(store, "HAT")["availability"] == "available"
    with hub.sessions() as session:
        listing = CatalogRepository(session).listing(shop, ids["HAT"])
    assert listing is not None and not listing.delisted


async def test_the_dry_run_of_each_action_shows_what_the_action_does_and_sends_nothing(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop, _ = await _published(hub, store)
    add_items(hub, [item("SCARF")])  # in the hub, never published
    sandbox.clear_requests()
    hide = describe_visibility(deps(hub), shop, Selection(skus=("GLOVE-S", "SCARF")), "hide")
    sibling = "another variant of the same product: the store acts on whole products"
    assert hide == [
        {"sku": "SCARF", "action": "skip", "changes": {}, "reason": "not listed in this store"},
        {"sku": "GLOVE-L", "action": "hide", "changes": {"hidden": (False, True)}, "reason": sibling},
        {"sku": "GLOVE-S", "action": "hide", "changes": {"hidden": (False, True)}},
    ]
    unhide = describe_visibility(deps(hub), shop, Selection(skus=("HAT",)), "unhide")
    assert unhide == [
        {"sku": "HAT", "action": "skip", "changes": {}, "reason": "not hidden: only hidden listings can be unhidden"}
    ]
    pause = describe_visibility(deps(hub), shop, Selection(skus=("GLOVE-S", "HAT")), "pause")
    assert [(c["sku"], c["changes"]) for c in pause] == [
        ("GLOVE-S", {"paused": (False, True)}),
        ("HAT", {"paused": (False, True)}),
    ]
    assert describe_visibility(deps(hub), shop, Selection(skus=("HAT",)), "unpause") == []
    assert sandbox.requests(store.hash) == []

    # the dry run agrees with what the action then does
    hidden = await change_visibility(deps(hub), shop, Selection(skus=("GLOVE-S",)), "hide")
    assert hidden.status is RunStatus.SUCCEEDED
    again = describe_visibility(deps(hub), shop, Selection(skus=("GLOVE-S",)), "hide")
    assert again == [{"sku": "GLOVE-L", "action": "skip", "changes": {}, "reason": "already hidden"}]
    delist = describe_visibility(deps(hub), shop, Selection(everything=True), "delist")
    assert sorted((c["sku"], c["changes"]["delisted"]) for c in delist if c["action"] == "delist") == [
        ("GLOVE-L", (False, True)),
        ("GLOVE-S", (False, True)),
        ("HAT", (False, True)),
    ]
    await change_visibility(deps(hub), shop, Selection(skus=("HAT",)), "delist")
    after = describe_visibility(deps(hub), shop, Selection(skus=("HAT",)), "hide")
    assert after == [{"sku": "HAT", "action": "skip", "changes": {}, "reason": "delisted: publish it again first"}]


async def test_the_dry_run_refuses_a_vendor_and_an_unknown_action(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop, _ = await _published(hub, store)
    vendor = connect(hub, vendor_store(sandbox), Role.VENDOR, name="acme")
    with pytest.raises(VendorWriteRefused):
        describe_visibility(deps(hub), vendor, Selection(skus=("HAT",)), "hide")
    with pytest.raises(InputError, match="unknown listing action 'archive'"):
        describe_visibility(deps(hub), shop, Selection(skus=("HAT",)), "archive")

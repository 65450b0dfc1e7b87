"""publish_listings against the sandbox: create, republish, name override, attribute policies, 409s, dry-run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bchub.app import Hub
from bchub.domain.catalog import Attribute
from bchub.domain.connections import Role
from bchub.domain.publishing import AttributePolicy, PublishOptions
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import change_visibility
from bchub.sync.catalog.writes import StoreWrites, VendorWriteRefused
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from tests.sync.publishing_helpers import add_items, connect, deps, item, options_of, product, variant, writes

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


def _rename(hub: Hub, item_id: int, name: str) -> None:
    with hub.sessions.begin() as session:
        CatalogRepository(session).update_items([{"id": item_id, "name": name}])


def _outcomes(hub: Hub, run_id: int) -> list[tuple[str, Outcome, str | None]]:
    with hub.sessions() as session:
        return [(i.key, i.outcome, i.reason) for i in RunRepository(session).items(run_id)]


async def test_republishing_is_idempotent_and_sends_nothing(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop = connect(hub, store)
    add_items(hub, [item("MUG")], stock={"MUG": 3})
    await publish_listings(deps(hub), shop, Selection(skus=("MUG",)))
    sandbox.clear_requests()
    again, _ = await publish_listings(deps(hub), shop, Selection(skus=("MUG",)))
    assert again is not None
    assert writes(sandbox, store) == []
    assert _outcomes(hub, again.id) == [("MUG", Outcome.UNCHANGED, None)]
    assert len(store.catalog.products) == 1


async def test_name_override_yes_replaces_the_store_name_and_no_keeps_it(hub: Hub, store: Store) -> None:
    shop = connect(hub, store)
    ids = add_items(hub, [item("LAMP", name="Lamp")])
    await publish_listings(deps(hub), shop, Selection(skus=("LAMP",)))
    _rename(hub, ids["LAMP"], "Desk lamp")
    keep = PublishOptions(override_names=False)
    kept, _ = await publish_listings(deps(hub), shop, Selection(skus=("LAMP",)), keep)
    assert kept is not None and kept.status is RunStatus.SUCCEEDED
    assert product(store, "LAMP")["name"] == "Lamp"
    replaced, _ = await publish_listings(deps(hub), shop, Selection(skus=("LAMP",)), PublishOptions())
    assert replaced is not None and _outcomes(hub, replaced.id) == [("LAMP", Outcome.UPDATED, None)]
    assert product(store, "LAMP")["name"] == "Desk lamp"


@pytest.mark.parametrize("policy", list(AttributePolicy))
async def test_attribute_length_policies(hub: Hub, sandbox: Sandbox, store: Store, policy: AttributePolicy) -> None:
    shop = connect(hub, store)
    long_value = "x" * 300
    fields = (Attribute("material", "oak"), Attribute("story", long_value))
    add_items(hub, [item("CHAIR", custom_fields=fields)])
    run, _ = await publish_listings(
        deps(hub), shop, Selection(skus=("CHAIR",)), PublishOptions(attribute_policy=policy)
    )
    assert run is not None
    if policy is AttributePolicy.FAIL:
        assert run.status is RunStatus.FAILED or run.status is RunStatus.PARTIAL
        [(key, outcome, reason)] = _outcomes(hub, run.id)
        assert (key, outcome) == ("CHAIR", Outcome.FAILED) and "300 characters" in (reason or "")
        assert writes(sandbox, store) == [] and not store.catalog.products
        return
    record = next(iter(store.catalog.products.values()))
    stored = {f["name"]: f["value"] for f in record.custom_fields}
    if policy is AttributePolicy.TRUNCATE:
        assert stored == {"material": "oak", "story": "x" * 250}
    else:
        assert stored == {"material": "oak"}


async def test_a_409_on_sku_links_to_the_store_product(hub: Hub, store: Store) -> None:
    shop = connect(hub, store)
    existing = store.catalog.create_product(
        {"name": "Their kettle", "type": "physical", "sku": "KETTLE", "weight": 1, "price": 5}
    )
    ids = add_items(hub, [item("KETTLE", name="Kettle")])
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("KETTLE",)))
    assert run is not None
    # linked, then the hub's price pushed to the linked listing
    assert [(key, outcome) for key, outcome, _ in _outcomes(hub, run.id)] == [
        ("KETTLE", Outcome.LINKED),
        ("KETTLE", Outcome.UPDATED),
    ]
    assert len(store.catalog.products) == 1
    with hub.sessions() as session:
        listing = CatalogRepository(session).listing(shop, ids["KETTLE"])
    assert listing is not None and listing.product_id == existing["id"]
    assert product(store, "KETTLE")["price"] == 10  # the hub's price went out right after linking
    # linked, not published: the next publish brings the store's product in line
    await publish_listings(deps(hub), shop, Selection(skus=("KETTLE",)))
    assert product(store, "KETTLE")["name"] == "Kettle"


async def test_a_409_on_name_with_another_sku_is_a_conflict(hub: Hub, store: Store) -> None:
    shop = connect(hub, store)
    store.catalog.create_product({"name": "Kettle", "type": "physical", "sku": "OTHER", "weight": 1, "price": 5})
    add_items(hub, [item("KETTLE", name="Kettle")])
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("KETTLE",)))
    assert run is not None and run.status is not RunStatus.SUCCEEDED
    [(_, outcome, reason)] = _outcomes(hub, run.id)
    assert outcome is Outcome.FAILED and "conflict" in (reason or "") and "Kettle" in (reason or "")


async def test_dry_run_describes_and_sends_nothing(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop = connect(hub, store)
    ids = add_items(hub, [item("DESK", name="Desk", price=Decimal("99"))])
    run, changes = await publish_listings(deps(hub), shop, Selection(skus=("DESK",)), PublishOptions(dry_run=True))
    assert run is None
    assert changes[0]["action"] == "create" and changes[0]["changes"]["name"] == (None, "Desk")
    assert sandbox.requests(store.hash) == []
    await publish_listings(deps(hub), shop, Selection(skus=("DESK",)))
    _rename(hub, ids["DESK"], "Standing desk")
    sandbox.clear_requests()
    _, changes = await publish_listings(deps(hub), shop, Selection(skus=("DESK",)), PublishOptions(dry_run=True))
    assert changes == [{"sku": "DESK", "action": "update", "changes": {"name": ("Desk", "Standing desk")}}]
    assert sandbox.requests(store.hash) == []


async def test_vendor_stores_are_never_written(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    vendor = connect(hub, store, Role.VENDOR, name="vendor")
    add_items(hub, [item("BOLT")])
    with pytest.raises(VendorWriteRefused, match="vendor"):
        await publish_listings(deps(hub), vendor, Selection(skus=("BOLT",)))
    with pytest.raises(VendorWriteRefused):
        await sync_listings(deps(hub), vendor)
    with pytest.raises(VendorWriteRefused):
        await change_visibility(deps(hub), vendor, Selection(skus=("BOLT",)), "delist")
    # the choke point itself: every catalog and stock write goes through StoreWrites
    async with hub.clients(store.hash, next(iter(store.accounts))) as client:
        with pytest.raises(VendorWriteRefused):
            StoreWrites(client, hub.connections.get(vendor))
    assert sandbox.requests(store.hash) == []


async def test_republishing_pushes_changed_prices_and_adds_the_new_variant(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(hub, store)
    ids = add_items(hub, [item("BAG-S", parent_sku="BAG", name="Bag", options=options_of(("Size", "S")))])
    await publish_listings(deps(hub), shop, Selection(skus=("BAG-S",)))
    with hub.sessions.begin() as session:
        CatalogRepository(session).update_items([{"id": ids["BAG-S"], "price": Decimal("15")}])
    add_items(hub, [item("BAG-L", parent_sku="BAG", name="Bag", options=options_of(("Size", "L")))])
    sandbox.clear_requests()
    run, _ = await publish_listings(deps(hub), shop, Selection(skus=("BAG-S", "BAG-L")))
    assert run is not None and run.status is RunStatus.SUCCEEDED, run
    outcomes = {key: (outcome, reason) for key, outcome, reason in _outcomes(hub, run.id)}
    assert outcomes["BAG-L"] == (Outcome.CREATED, None)
    assert outcomes["BAG-S"] == (Outcome.UPDATED, None)
    assert variant(store, "BAG-S")["price"] == 15
    bag = f"/v3/catalog/products/{product(store, 'BAG')['id']}"
    assert [(r.method, r.path.removeprefix(bag)) for r in writes(sandbox, store)] == [
        ("PUT", "/v3/catalog/products"),
        ("POST", f"/options/{next(iter(store.catalog.options))}/values"),  # the new size, L
        ("POST", "/variants"),
        ("PUT", "/v3/catalog/variants"),  # BAG-S's new price
    ]


async def test_categories_are_created_once_by_name_and_reused(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    shop = connect(hub, store)
    store.catalog.add_category({"name": "Garden", "parent_id": 0})
    add_items(hub, [item(f"POT-{n}", categories=("Garden", "Pots" if n % 2 else "Tools")) for n in range(6)])
    run, _ = await publish_listings(deps(hub), shop, Selection(text="pot-"))
    assert run is not None and run.status is RunStatus.SUCCEEDED and run.counts["created"] == 6
    posts = [r.path for r in writes(sandbox, store) if r.method == "POST"]
    assert posts.count("/v3/catalog/categories") == 2 and posts.count("/v3/catalog/products") == 6
    names = {c["id"]: c["name"] for c in store.catalog.categories.values()}
    assert sorted(names[c] for c in product(store, "POT-1")["categories"]) == ["Garden", "Pots"]


async def test_the_length_policy_only_matters_when_custom_fields_are_sent(hub: Hub, store: Store) -> None:
    shop = connect(hub, store)
    add_items(hub, [item("STOOL", custom_fields=(Attribute("story", "z" * 400),))])
    truncate = PublishOptions(attribute_policy=AttributePolicy.TRUNCATE)
    await publish_listings(deps(hub), shop, Selection(skus=("STOOL",)), truncate)
    # custom fields go out only on creation, so a republish under "fail" has nothing to refuse
    strict = PublishOptions(attribute_policy=AttributePolicy.FAIL)
    again, _ = await publish_listings(deps(hub), shop, Selection(skus=("STOOL",)), strict)
    assert again is not None and _outcomes(hub, again.id) == [("STOOL", Outcome.UNCHANGED, None)]


async def test_a_lost_create_response_is_reported_and_the_next_publish_links(
    hub: Hub, sandbox: Sandbox, store: Store
) -> None:
    shop = connect(hub, store)
    add_items(hub, [item("RUG")])
    # the store creates the product, then the connection drops: the POST is not retried blindly
    store.faults.add(FaultRule(method="POST", path="/v3/catalog/products", commit_then_drop_rate=1.0, remaining=1))
    lost, _ = await publish_listings(deps(hub), shop, Selection(skus=("RUG",)))
    assert lost is not None
    [(_, outcome, reason)] = _outcomes(hub, lost.id)
    assert outcome is Outcome.FAILED and reason
    assert len(store.catalog.products) == 1
    again, _ = await publish_listings(deps(hub), shop, Selection(skus=("RUG",)))
    assert again is not None
    first_key, first_outcome, _ = _outcomes(hub, again.id)[0]
    assert (first_key, first_outcome) == ("RUG", Outcome.LINKED)
    assert len(store.catalog.products) == 1

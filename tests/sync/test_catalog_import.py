"""import_listings against the demo sandbox: every option, matching, deletions, moved SKUs, bad pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from bchub.domain.catalog import ImportMode, MasterSkuSource, MatchStatus, Overwrite
from bchub.domain.runs import Outcome, RunStatus
from bchub.storage.cursors import CursorStore
from bchub.sync.catalog.importer import STREAM
from bcsandbox.faults import FaultRule
from tests.sync.test_catalog_helpers import HARBOR, MERCHANT, NORTH, Catalog, catalog, problem

pytestmark = pytest.mark.anyio
__all__ = ["catalog"]


async def test_a_vendor_import_creates_an_item_per_variant_with_everything_inline(catalog: Catalog) -> None:
    run = await catalog.run(NORTH)
    assert run.status is RunStatus.SUCCEEDED, run.error
    assert run.counts["created"] == 18 and run.counts["products_read"] == 6
    assert run.requests == 2  # one page of products (variants, custom fields, images inline) + the brand list
    product = catalog.store(NORTH).catalog.list_products()[0].fields
    variant = catalog.store(NORTH).catalog.render_variant(catalog.store(NORTH).catalog.list_variants()[0])
    item = catalog.items()[variant["sku"]]
    north = catalog.connection_id(NORTH)
    assert item.name == product["name"] and item.data.parent_sku == product["sku"]
    assert item.data.price == Decimal(str(variant["price"])) and item.data.cost_price == Decimal(
        str(variant["cost_price"])
    )
    assert item.data.weight == Decimal(str(product["weight"])) and item.data.width == Decimal(str(product["width"]))
    assert item.data.upc == variant["upc"] and item.data.mpn == variant["mpn"]
    assert {option.name for option in item.data.options} == {"Size", "Color"}
    assert item.data.hs_code == "6109.10" and item.data.brand in ("Northwind", "Trailhead")
    assert item.data.images == (f"https://cdn.example.com/nwa/{product['sku'].lower()}.jpg",)
    assert [field.name for field in item.data.custom_fields] == ["Material", "HS Code"]
    assert item.accounting.unit_of_measure == "Each" and item.accounting.income_account == "Sales"
    assert item.accounting.cogs_account == "Cost of Goods Sold" and item.accounting.asset_account == "Stock Asset"
    assert item.supplier_connection_id == north
    assert item.stock == {f"connection:{north}": variant["inventory_level"]}
    assert catalog.vendor_listing(variant["sku"]) == (north, variant["product_id"], variant["id"])
    assert catalog.writes_to(NORTH) == []  # a vendor's catalog is only read

    again = await catalog.run(NORTH)
    assert again.counts["unchanged"] == 18 and "created" not in again.counts


async def test_merchant_listings_link_to_vendor_items_and_match_by_sku(catalog: Catalog) -> None:
    await catalog.run(NORTH)
    await catalog.run(HARBOR)
    run = await catalog.run(MERCHANT)
    assert run.status is RunStatus.SUCCEEDED
    assert run.counts["created"] == 4 and run.counts["linked"] == 12
    assert (run.counts["matched"], run.counts["unmatched"], run.counts["conflicts"]) == (12, 4, 0)
    listed = catalog.listed_vendor_skus(NORTH)[0]
    assert catalog.outcome_of(run, listed).outcome is Outcome.LINKED
    detail = catalog.hub.catalog.item(listed)
    merchant = next(view.listing for view in detail.listings if view.connection == MERCHANT)
    vendor = next(view.listing for view in detail.listings if view.connection == NORTH)
    assert merchant.match_status is MatchStatus.MATCHED and merchant.vendor_listing_id == vendor.id
    assert (
        detail.supplier == NORTH and detail.item.name != catalog.store(MERCHANT).name
    )  # create_only kept the vendor's data
    unmatched = catalog.hub.catalog.matches(status=MatchStatus.UNMATCHED)
    assert {row.sku for row in unmatched} == {f"MRC-000{number}" for number in range(1, 5)}
    assert all(row.note == "no vendor lists this SKU" for row in unmatched)
    assert catalog.writes_to(NORTH) == catalog.writes_to(HARBOR) == catalog.writes_to(MERCHANT) == []


async def test_one_sku_in_two_vendors_is_a_reported_conflict_and_the_first_supplier_stays(catalog: Catalog) -> None:
    shared = catalog.listed_vendor_skus(NORTH)[0]
    catalog.store(HARBOR).catalog.create_product(
        {"name": "Same thing elsewhere", "type": "physical", "sku": shared, "price": 9, "weight": 1}
    )
    await catalog.run(NORTH)
    harbor = await catalog.run(HARBOR)
    assert harbor.counts["linked"] == 1 and harbor.counts["supplier_conflicts"] == 1
    merchant = await catalog.run(MERCHANT)
    assert merchant.counts["conflicts"] == 1 and merchant.counts["conflict_skus"] == [shared]  # type: ignore[comparison-overlap]
    [row] = catalog.hub.catalog.matches(status=MatchStatus.CONFLICT)
    assert row.sku == shared and row.vendor == NORTH
    assert row.note == f"listed by 2 vendors ({HARBOR}, {NORTH}); supplier kept: {NORTH}"
    assert catalog.vendor_listing(shared) is not None
    assert catalog.vendor_listing(shared)[0] == catalog.connection_id(NORTH)  # type: ignore[index]


async def test_two_variants_with_one_master_sku_in_a_store_are_reported_not_merged(catalog: Catalog) -> None:
    # BigCommerce keeps SKUs unique in a store, but not UPCs: two products with one UPC
    store = catalog.store(MERCHANT).catalog
    first = store.create_product(
        {"name": "Beans", "type": "physical", "sku": "B-1", "upc": "0123", "price": 1, "weight": 1}
    )
    second = store.create_product(
        {"name": "Beans again", "type": "physical", "sku": "B-2", "upc": "0123", "price": 1, "weight": 1}
    )
    run = await catalog.run(MERCHANT, master_sku=MasterSkuSource.UPC)
    assert run.status is RunStatus.SUCCEEDED
    [duplicate] = [item for item in catalog.outcomes(run) if item.key == "0123" and item.outcome is Outcome.SKIPPED]
    assert duplicate.reason == (
        f"duplicate master SKU '0123' in this store: product {first['id']} variant {first['base_variant_id']} "
        f"has it already, so product {second['id']} variant {second['base_variant_id']} is not imported"
    )
    assert catalog.items()["0123"].name == "Beans"
    again = await catalog.run(MERCHANT, master_sku=MasterSkuSource.UPC, incremental=True, lookback=timedelta(hours=1))
    # the next run says the same: the first keeps the SKU, the second is still reported
    assert [item.outcome for item in catalog.outcomes(again) if item.key == "0123"] == [
        Outcome.UNCHANGED,
        Outcome.SKIPPED,
    ]


async def test_master_sku_from_upc_or_mpn_and_items_without_one_are_reported(catalog: Catalog) -> None:
    run = await catalog.run(NORTH, master_sku=MasterSkuSource.UPC)
    assert run.counts["created"] == 18
    variant = catalog.store(NORTH).catalog.render_variant(catalog.store(NORTH).catalog.list_variants()[0])
    item = catalog.items()[variant["upc"]]
    assert item.data.upc == variant["upc"] and variant["sku"] not in catalog.items()

    merchant = await catalog.run(MERCHANT, master_sku=MasterSkuSource.MPN)
    skipped = {item.key: item.reason for item in catalog.outcomes(merchant) if item.outcome is Outcome.SKIPPED}
    assert skipped["MRC-0001"] == "no MPN to use as the master SKU"
    assert sorted(skipped) == ["HHGM0001S", "HHGM0002S", "MRC-0001", "MRC-0002", "MRC-0003", "MRC-0004"]
    # Harbor's Sand and Slate variants share an MPN: the second of each pair is reported, not merged
    assert "duplicate master SKU 'HHGM0001S' in this store" in (skipped["HHGM0001S"] or "")
    assert merchant.counts["created"] == 10
    assert merchant.status is RunStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("mode", "overwrite", "name_from_merchant", "price_from_merchant"),
    [
        (ImportMode.CREATE_ONLY, Overwrite.PRODUCT_DATA, False, False),
        (ImportMode.CREATE_AND_OVERWRITE, Overwrite.PRODUCT_DATA, True, True),
        (ImportMode.CREATE_AND_OVERWRITE, Overwrite.PRICE_STOCK, False, True),
    ],
)
async def test_modes_decide_what_a_matched_item_takes_from_the_store(
    catalog: Catalog, mode: ImportMode, overwrite: Overwrite, name_from_merchant: bool, price_from_merchant: bool
) -> None:
    await catalog.run(NORTH)
    sku = catalog.listed_vendor_skus(NORTH)[0]
    vendor_item = catalog.items()[sku]
    run = await catalog.run(MERCHANT, mode=mode, overwrite=overwrite)
    merchant_variant = next(v for v in catalog.store(MERCHANT).catalog.list_variants() if v["sku"] == sku)
    merchant_product = catalog.store(MERCHANT).catalog.record(merchant_variant["product_id"]).fields
    item = catalog.items()[sku]
    assert (item.name == merchant_product["name"]) is name_from_merchant
    assert (item.name == vendor_item.name) is not name_from_merchant
    assert (item.data.price != vendor_item.data.price) is price_from_merchant
    assert item.stock[f"connection:{catalog.connection_id(MERCHANT)}"] == 0  # a reading of the store, in every mode
    reason = catalog.outcome_of(run, sku).reason
    assert (reason == "hub data overwritten") is price_from_merchant


async def test_new_listings_can_start_paused_and_existing_ones_keep_their_flag(catalog: Catalog) -> None:
    await catalog.run(MERCHANT)
    first = await catalog.run(NORTH, paused=True)
    assert (first.counts["created"], first.counts["linked"]) == (12, 6)
    north, shop = catalog.connection_id(NORTH), catalog.connection_id(MERCHANT)
    detail = catalog.hub.catalog.item(catalog.listed_vendor_skus(NORTH)[0])
    paused = {view.listing.connection_id: view.listing.paused for view in detail.listings}
    assert paused == {shop: False, north: True}
    assert catalog.hub.catalog.set_paused(NORTH, None, False) == 18
    await catalog.run(NORTH, paused=True)  # an import never pauses listings it already has
    detail = catalog.hub.catalog.item(catalog.listed_vendor_skus(NORTH)[0])
    assert not any(view.listing.paused for view in detail.listings)


async def test_incremental_reads_only_what_changed_and_the_cursor_stops_at_the_run_start(catalog: Catalog) -> None:
    full = await catalog.run(NORTH)
    with catalog.hub.sessions() as session:
        cursor = CursorStore(session).get(catalog.connection_id(NORTH), STREAM)
    assert cursor is not None and full.started_at <= cursor + timedelta(seconds=1) and cursor <= full.finished_at  # type: ignore[operator]

    quiet = await catalog.run(NORTH, incremental=True, lookback=timedelta(0))
    assert quiet.requests == 1 and quiet.counts.get("unchanged", 0) == 0 and quiet.counts["products_read"] == 0

    catalog.sandbox.clock.advance(5)
    record = catalog.store(NORTH).catalog.list_products()[2]
    catalog.store(NORTH).catalog.update_product(record.id, {"name": "Renamed tee"})
    changed = await catalog.run(
        NORTH, incremental=True, lookback=timedelta(seconds=30), mode=ImportMode.CREATE_AND_OVERWRITE
    )
    assert changed.counts["products_read"] == 1 and changed.counts["updated"] == 3
    assert changed.requests == 2  # the page of changes + the brand list
    assert {item.name for item in catalog.items().values() if item.data.parent_sku == record.fields["sku"]} == {
        "Renamed tee"
    }


async def test_a_product_modified_during_the_run_is_read_again_next_time(catalog: Catalog) -> None:
    product = catalog.store(NORTH).catalog.list_products()[0]

    def modify_after_the_read(request: httpx.Request) -> None:
        if request.url.path.endswith("/v3/catalog/products") and catalog.transport.after is not None:
            catalog.transport.after = None
            catalog.store(NORTH).catalog.update_product(product.id, {"name": "Changed mid-run"})

    catalog.transport.after = modify_after_the_read
    first = await catalog.run(NORTH)
    assert first.counts["created"] == 18
    names = {item.name for item in catalog.items().values() if item.data.parent_sku == product.fields["sku"]}
    assert names == {"Merino Tee"}  # read before the change
    second = await catalog.run(NORTH, incremental=True, mode=ImportMode.CREATE_AND_OVERWRITE)
    assert second.counts["updated"] == 3 and second.counts["unchanged"] == 15
    names = {item.name for item in catalog.items().values() if item.data.parent_sku == product.fields["sku"]}
    assert names == {"Changed mid-run"}


async def test_a_full_import_marks_products_gone_from_the_store_and_keeps_the_items(catalog: Catalog) -> None:
    await catalog.run(NORTH)
    gone = catalog.store(NORTH).catalog.list_products()[1]
    skus = [
        catalog.store(NORTH).catalog.render_variant(v)["sku"]
        for v in catalog.store(NORTH).catalog.list_variants()
        if v["product_id"] == gone.id
    ]
    catalog.store(NORTH).catalog.delete_product(gone.id)
    incremental = await catalog.run(NORTH, incremental=True)
    assert "deleted" not in incremental.counts  # only a full read can tell what is gone
    run = await catalog.run(NORTH)
    assert run.counts["deleted"] == 3 and run.counts["unchanged"] == 15
    assert {item.key for item in catalog.outcomes(run) if item.outcome is Outcome.DELETED} == set(skus)
    detail = catalog.hub.catalog.item(skus[0])
    assert detail.listings[0].listing.deleted and catalog.vendor_listing(skus[0]) is None
    assert len(catalog.items()) == 18


async def test_a_re_created_product_takes_over_the_listing_of_its_sku(catalog: Catalog) -> None:
    await catalog.run(MERCHANT)
    old = catalog.store(MERCHANT).catalog.list_products()[0]
    body = {"name": old.fields["name"], "type": "physical", "sku": old.fields["sku"], "price": 3, "weight": 1}
    catalog.store(MERCHANT).catalog.delete_product(old.id)
    new = catalog.store(MERCHANT).catalog.create_product(body)
    run = await catalog.run(MERCHANT, incremental=True)
    outcome = catalog.outcome_of(run, old.fields["sku"])
    assert outcome.outcome is Outcome.LINKED and "no longer has this SKU" in (outcome.reason or "")
    [view] = catalog.hub.catalog.item(old.fields["sku"]).listings
    assert (view.listing.product_id, view.listing.deleted) == (new["id"], False)


async def test_a_server_error_on_a_page_is_retried(catalog: Catalog) -> None:
    catalog.store(NORTH).faults.add(
        FaultRule(path="/v3/catalog/products", error_rate=1.0, error_statuses=(500,), remaining=1)
    )
    run = await catalog.run(NORTH)
    assert run.status is RunStatus.SUCCEEDED and run.counts["created"] == 18
    assert run.requests == 3
    assert [
        entry.status
        for entry in catalog.sandbox.requests(catalog.store(NORTH).hash, path_prefix="/v3/catalog/products")
    ] == [500, 200]


async def test_a_422_on_one_page_is_reported_and_the_other_pages_are_kept(catalog: Catalog) -> None:
    store = catalog.store(HARBOR)
    for number in range(300):
        store.catalog.create_product(
            {"name": f"Extra {number}", "type": "physical", "sku": f"EX-{number}", "price": 1, "weight": 1}
        )

    def refuse_page_2(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/v3/catalog/products") and request.url.params.get("page") == "2":
            return problem(422, "The filter is invalid")
        return None

    catalog.transport.before = refuse_page_2
    run = await catalog.run(HARBOR)
    assert run.status is RunStatus.PARTIAL
    [failed] = [item for item in catalog.outcomes(run) if item.outcome is Outcome.FAILED]
    assert failed.key == "page 2" and "422" in (failed.reason or "")
    assert run.counts["created"] == 6 * 3 + 244 and run.counts["pages_failed"] == 1  # page 1: 250 products
    with catalog.hub.sessions() as session:
        assert CursorStore(session).get(catalog.connection_id(HARBOR), STREAM) is None  # not past a failed page

    catalog.transport.before = None
    again = await catalog.run(HARBOR, incremental=True)
    assert again.status is RunStatus.SUCCEEDED
    assert (
        len([item for item in catalog.items().values() if item.supplier_connection_id == catalog.connection_id(HARBOR)])
        == 318
    )


async def test_chosen_products_and_skus_only(catalog: Catalog) -> None:
    products = catalog.store(NORTH).catalog.list_products()
    by_id = await catalog.run(NORTH, product_ids=(products[0].id,))
    assert by_id.counts["created"] == 3 and by_id.requests == 2
    wanted = [
        catalog.store(NORTH).catalog.render_variant(v)["sku"]
        for v in catalog.store(NORTH).catalog.list_variants()
        if v["product_id"] == products[3].id
    ][:1]
    by_sku = await catalog.run(NORTH, skus=(*wanted, "NO-SUCH-SKU"))
    assert by_sku.counts["created"] == 1 and by_sku.counts["skipped"] == 1
    assert catalog.outcome_of(by_sku, "NO-SUCH-SKU").reason == "no such SKU in the store"
    assert len(catalog.items()) == 4
    with catalog.hub.sessions() as session:
        assert CursorStore(session).get(catalog.connection_id(NORTH), STREAM) is None
    full = await catalog.run(NORTH)
    assert "deleted" not in full.counts and full.counts["created"] == 14


async def test_list_remote_marks_what_is_imported(catalog: Catalog) -> None:
    await catalog.run(NORTH, product_ids=(catalog.store(NORTH).catalog.list_products()[0].id,))
    page = await catalog.hub.catalog.list_remote(NORTH, limit=4)
    assert page.total == 6 and page.total_pages == 2 and len(page.products) == 4
    assert [product.imported for product in page.products] == [True, False, False, False]
    found = await catalog.hub.catalog.list_remote(NORTH, search="Hoodie")
    assert [product.name for product in found.products] == ["Fleece Hoodie"]

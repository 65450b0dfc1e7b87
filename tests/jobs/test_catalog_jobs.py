"""Catalog operations as jobs: import a vendor, publish to the merchant, vendor stock → merchant, visibility."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.errors import InputError
from bchub.jobs.catalog_operations import import_options, selection
from bchub.jobs.model import Job, JobStatus
from bcsandbox import Sandbox, Store
from tests.jobs.helpers import add_connection

pytestmark = pytest.mark.anyio


async def run_job(hub: Hub, operation: str, connection: str, **params: object) -> Job:
    job = hub.jobs.run(operation, connection, dict(params)).job
    assert await hub.jobs.runner("w1").run(job.id) is None
    done = hub.jobs.get(job.id)
    assert done.status is JobStatus.SUCCEEDED, (done.operation, done.error)
    return done


def vendor_level(store: Store, sku: str) -> int:
    product = next(row for row in store.catalog.products.values() if row.fields["sku"] == sku)
    return int(store.catalog.get_product(product.id)["inventory_level"])


async def test_vendor_to_merchant_through_jobs(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    supplier = sandbox.create_store("vendor9", plan="enterprise")
    for sku, level in (("BOLT", 30), ("NUT", 8)):
        supplier.catalog.create_product(
            {
                "name": f"Vendor {sku}",
                "type": "physical",
                "sku": sku,
                "price": 4,
                "weight": 1,
                "inventory_tracking": "product",
                "inventory_level": level,
            }
        )
    vendor = add_connection(hub, supplier, name="bolts", role=Role.VENDOR)
    add_connection(hub, store)

    await run_job(hub, "import_listings", "bolts")
    published = await run_job(hub, "publish_listings", "shop", supplier_id=vendor.id)
    assert hub.jobs.runs(published)[0].counts.get("created") == 2
    merchant_skus = {row.fields["sku"] for row in store.catalog.products.values()}
    assert merchant_skus == {"BOLT", "NUT"}

    # the vendor's stock moves; the read is followed by a sync of the merchant listing its items
    product_id = next(row.id for row in supplier.catalog.products.values() if row.fields["sku"] == "NUT")
    supplier.inventory.adjust({"items": [{"product_id": product_id, "location_id": 1, "quantity": 3}]}, relative=False)
    read = await run_job(hub, "sync_inventory", "bolts")
    (follow,) = [job for job in hub.jobs.recent(operation="sync_listings")]
    assert follow.connection_id == hub.connections.get("shop").id and follow.source == f"after job {read.id}"
    await hub.jobs.runner("w1").run(follow.id)
    assert hub.jobs.get(follow.id).status is JobStatus.SUCCEEDED
    assert vendor_level(store, "NUT") == 3

    hidden = await run_job(hub, "hide_listings", "shop", skus=["BOLT"])
    assert hub.jobs.runs(hidden)[0].operation == "hide_listings"
    await run_job(hub, "unhide_listings", "shop", skus=["BOLT"])
    await run_job(hub, "delist_listings", "shop", skus=["NUT"])
    assert {row.fields["sku"] for row in store.catalog.products.values()} == {"BOLT"}


def test_params_are_checked() -> None:
    assert import_options({"product_ids": [3, 1, 3]}).product_ids == (1, 3)
    with pytest.raises(InputError, match="either incremental or of chosen products"):
        import_options({"incremental": True, "product_ids": [1]})
    with pytest.raises(InputError, match="'mode' must be one of create_only, create_and_overwrite"):
        import_options({"mode": "sometimes"})
    with pytest.raises(InputError, match="choose what to publish"):
        selection({})
    assert selection({"all": True}).everything

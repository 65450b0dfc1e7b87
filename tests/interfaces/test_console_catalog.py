"""Console catalog page through httpx: filters, CSRF, the dry-run diff, bulk actions and imports as jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.catalog import Attribute
from bchub.domain.connections import Role
from bchub.jobs.model import JobStatus
from bchub.storage.catalog_repository import CatalogRepository
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.browser.support import cheap_passwords, csrf_of, logged_in
from tests.support.hub import make_settings
from tests.sync.publishing_helpers import add_items, connect, item, product, vendor_store, writes

pytestmark = pytest.mark.anyio
HTMX = {"HX-Request": "true"}


@dataclass
class Shop:
    hub: Hub
    sandbox: Sandbox
    store: Store
    merchant: int
    vendor: int


@pytest.fixture
def shop(sandbox: Sandbox, store: Store, tmp_path: Path) -> Iterator[Shop]:
    with Hub(make_settings(tmp_path), transport=transport_for(sandbox)) as hub:
        cheap_passwords(hub)
        merchant = connect(hub, store, name="shop")
        vendor = connect(hub, vendor_store(sandbox), Role.VENDOR, name="acme")
        add_items(hub, [item("CUP", name="Blue cup"), item("MUG", name="Big mug")], supplier=vendor)
        add_items(hub, [item("PEN", name="Pen")])
        yield Shop(hub, sandbox, store, merchant, vendor)


async def _publish(client: httpx.AsyncClient, shop: Shop, *skus: str) -> int:
    page = await client.get("/console/catalog")
    form = {"csrf_token": csrf_of(page.text), "action": "publish", "target": str(shop.merchant), "sku": list(skus)}
    queued = await client.post("/console/catalog/actions", data=form)
    assert queued.status_code == 303, queued.text
    job_id = int(queued.headers["location"].rsplit("/", 1)[1])
    assert (await shop.hub.jobs.wait(job_id, run_here=True)).status is JobStatus.SUCCEEDED
    return job_id


async def test_items_are_listed_and_filtered(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        everything = await client.get("/console/catalog")
        assert everything.status_code == 200
        assert all(sku in everything.text for sku in ("CUP", "MUG", "PEN")) and "3 items" in everything.text
        searched = await client.get("/console/catalog?search=cup")
        assert "Blue cup" in searched.text and "Big mug" not in searched.text
        from_vendor = await client.get(f"/console/catalog?vendor={shop.vendor}")
        assert "Big mug" in from_vendor.text and ">Pen<" not in from_vendor.text

        await _publish(client, shop, "CUP", "MUG")
        listed = await client.get(f"/console/catalog?store={shop.merchant}")
        assert "2 items" in listed.text and ">Pen<" not in listed.text
        assert '<span class="badge ok">listed</span>' in listed.text
        assert "No items match these filters" in (await client.get("/console/catalog?state=paused")).text

        page = await client.get("/console/catalog")
        form = {"csrf_token": csrf_of(page.text), "action": "pause", "target": str(shop.merchant), "sku": ["MUG"]}
        paused = await client.post("/console/catalog/actions", data=form)
        assert paused.status_code == 303
        after = await client.get(paused.headers["location"])
        assert "Paused 1 listing in shop." in after.text
        only_paused = await client.get(f"/console/catalog?store={shop.merchant}&state=paused")
        assert "Big mug" in only_paused.text and "Blue cup" not in only_paused.text and "1 item<" in only_paused.text
        assert '<span class="badge unknown">paused</span>' in only_paused.text

        bad = await client.get("/console/catalog?state=lost")
        assert bad.status_code == 422 and "no listing state &#39;lost&#39;" in bad.text


async def test_every_post_needs_the_csrf_token(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        form = {"action": "publish", "target": str(shop.merchant), "sku": "CUP"}
        for path in ("/console/catalog/actions", "/console/catalog/dry-run", f"/console/catalog/import/{shop.vendor}"):
            refused = await client.post(path, data={**form, "csrf_token": "forged"})
            assert refused.status_code == 403 and "CSRF token" in refused.text, path
            assert (await client.post(path, data=form)).status_code == 403, path
    assert writes(shop.sandbox, shop.store) == [] and shop.hub.jobs.recent() == []


async def test_dry_run_shows_the_diff_and_sends_nothing(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        page = await client.get("/console/catalog?search=cup")
        form = {
            "csrf_token": csrf_of(page.text),
            "action": "publish",
            "target": str(shop.merchant),
            "scope": "filter",
            "search": "cup",
        }
        diff = await client.post("/console/catalog/dry-run", data=form, headers=HTMX)
        assert diff.status_code == 200 and "<html" not in diff.text
        assert "Dry run: publish in shop" in diff.text and ">CUP<" in diff.text and "Blue cup" in diff.text
        assert "MUG" not in diff.text and "Nothing was sent." in diff.text
        whole_page = await client.post("/console/catalog/dry-run", data={**form, "scope": "ticked", "sku": "PEN"})
        assert "<html" in whole_page.text and ">PEN<" in whole_page.text and "Blue cup" not in whole_page.text

        await _publish(client, shop, "CUP")
        hide = {**form, "action": "hide", "scope": "ticked", "sku": ["CUP", "PEN"]}
        hidden = await client.post("/console/catalog/dry-run", data=hide, headers=HTMX)
        assert ">hidden<" in hidden.text and "True" in hidden.text and "not listed in this store" in hidden.text
        assert product(shop.store, "CUP")["availability"] == "available"  # a dry run changes nothing
        nothing_ticked = await client.post("/console/catalog/dry-run", data={**form, "scope": "ticked"}, headers=HTMX)
        assert nothing_ticked.status_code == 422 and "tick at least one item" in nothing_ticked.text
        to_vendor = await client.post(
            "/console/catalog/dry-run", data={**form, "target": str(shop.vendor)}, headers=HTMX
        )
        assert to_vendor.status_code == 422 and "acme is a vendor connection" in to_vendor.text
    assert [entry.method for entry in writes(shop.sandbox, shop.store)] == ["POST"]  # only the real publish


async def test_actions_and_imports_queue_jobs(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        job_id = await _publish(client, shop, "CUP")
        assert product(shop.store, "CUP")["name"] == "Blue cup"
        job_page = await client.get(f"/console/jobs/{job_id}")
        assert "Queued job" in job_page.text and "publish 1 item in shop" in job_page.text

        page = await client.get("/console/catalog")
        form = {"csrf_token": csrf_of(page.text), "action": "hide", "target": str(shop.merchant), "sku": "CUP"}
        queued = await client.post("/console/catalog/actions", data=form, headers=HTMX)
        assert queued.status_code == 200 and "/console/jobs/" in queued.headers["HX-Redirect"]
        hide_job = int(queued.headers["HX-Redirect"].rsplit("/", 1)[1])
        assert (await shop.hub.jobs.wait(hide_job, run_here=True)).status is JobStatus.SUCCEEDED
        assert product(shop.store, "CUP")["availability"] == "disabled"

        everything = {**form, "action": "sync", "scope": "filter", "sku": ""}
        synced = await client.post("/console/catalog/actions", data=everything)
        sync_job = shop.hub.jobs.get(int(synced.headers["location"].rsplit("/", 1)[1]))
        assert sync_job.operation == "sync_listings" and sync_job.params == {}

        imported = await client.post(f"/console/catalog/import/{shop.vendor}", data={"csrf_token": form["csrf_token"]})
        import_job = shop.hub.jobs.get(int(imported.headers["location"].rsplit("/", 1)[1]))
        assert import_job.operation == "import_listings" and import_job.connection_id == shop.vendor


async def test_unmatched_filter_finds_merchant_listings_no_vendor_supplies(shop: Shop) -> None:
    shop.store.catalog.create_product({"name": "Own lamp", "type": "physical", "sku": "LAMP", "price": 5, "weight": 1})
    await shop.hub.catalog.import_listings(shop.merchant)
    async with logged_in(shop.hub) as client:
        unmatched = await client.get("/console/catalog?state=unmatched")
        assert "Own lamp" in unmatched.text and "Blue cup" not in unmatched.text and "1 item<" in unmatched.text
        assert '<span class="tag">shop</span> <span class="badge unknown">unmatched</span>' in unmatched.text
        in_vendor = await client.get(f"/console/catalog?state=unmatched&store={shop.vendor}")
        assert "No items match these filters" in in_vendor.text


async def _dry_run(client: httpx.AsyncClient, shop: Shop, **fields: str | list[str]) -> str:
    page = await client.get("/console/catalog")
    form = {"csrf_token": csrf_of(page.text), "action": "publish", "target": str(shop.merchant), **fields}
    diff = await client.post("/console/catalog/dry-run", data=form, headers=HTMX)
    assert diff.status_code == 200, diff.text
    return diff.text


async def test_the_publish_options_are_on_the_page_and_change_the_dry_run(shop: Shop) -> None:
    long_value = "x" * 300
    add_items(shop.hub, [item("LONG", name="Long tag", custom_fields=(Attribute("Notes", long_value),))])
    async with logged_in(shop.hub) as client:
        page = (await client.get("/console/catalog")).text
        assert '<select id="names" name="names"' in page and '<option value="keep">' in page
        for policy in ("truncate", "skip", "fail"):
            assert f'<option value="{policy}">' in page
        truncated = await _dry_run(client, shop, sku="LONG", attribute_policy="truncate")
        assert f"Notes: {'x' * 60}… (250 characters)" in truncated and ">custom_fields<" in truncated
        assert "custom fields over 250 characters: truncate to 250 characters" in truncated
        skipped = await _dry_run(client, shop, sku="LONG", attribute_policy="skip")
        assert ">custom_fields<" not in skipped and ">create<" in skipped and "skip the custom field" in skipped
        failed = await _dry_run(client, shop, sku="LONG", attribute_policy="fail")
        assert ">failed<" in failed and "has a value of 300 characters (the store accepts 250)" in failed
        bad = await client.post(
            "/console/catalog/dry-run",
            data={"csrf_token": csrf_of(page), "action": "publish", "target": str(shop.merchant), "sku": "LONG",
                  "attribute_policy": "shorten"},
            headers=HTMX,
        )  # fmt: skip
        assert bad.status_code == 422 and "no attribute policy &#39;shorten&#39;" in bad.text

        # a name changed in the hub: replaced in the store by default, kept with "keep names"
        await _publish(client, shop, "CUP")
        shop.hub.catalog.import_csv("sku,name\nCUP,Blue cup deluxe\n")
        override = await _dry_run(client, shop, sku="CUP")
        assert ">name<" in override and "Blue cup deluxe" in override and ">update<" in override
        assert "the hub&#39;s names replace the store&#39;s" in override
        kept = await _dry_run(client, shop, sku="CUP", names="keep")
        assert ">name<" not in kept and "Blue cup deluxe" not in kept and "keep names edited in the store" in kept
    assert [entry.method for entry in writes(shop.sandbox, shop.store)] == ["POST"]  # dry runs send nothing


async def test_publishing_with_options_queues_them_for_the_job(shop: Shop) -> None:
    add_items(shop.hub, [item("LONG", name="Long tag", custom_fields=(Attribute("Notes", "y" * 300),))])
    async with logged_in(shop.hub) as client:
        page = await client.get("/console/catalog")
        form = {
            "csrf_token": csrf_of(page.text),
            "action": "publish",
            "target": str(shop.merchant),
            "sku": ["LONG", "CUP"],
            "names": "keep",
            "attribute_policy": "fail",
        }
        queued = await client.post("/console/catalog/actions", data=form)
        job_id = int(queued.headers["location"].rsplit("/", 1)[1])
        job = shop.hub.jobs.get(job_id)
        assert job.params == {
            "skus": ["LONG", "CUP"],
            "override_names": False,
            "attribute_policy": "fail",
        }
        assert (await shop.hub.jobs.wait(job_id, run_here=True)).status is JobStatus.PARTIAL
        job_page = await client.get(f"/console/jobs/{job_id}")
        assert "keep names edited in the store; custom fields over 250 characters: fail the product" in job_page.text
    assert product(shop.store, "CUP")["name"] == "Blue cup"
    assert not any(record.fields["sku"] == "LONG" for record in shop.store.catalog.products.values())

    # the store renames the product; a publish that keeps names leaves the store's name
    product_id = product(shop.store, "CUP")["id"]
    shop.store.catalog.update_product(product_id, {"name": "Cup (store name)"})
    shop.hub.catalog.import_csv("sku,name,price\nCUP,Blue cup deluxe,11\n")
    async with logged_in(shop.hub) as client:
        page = await client.get("/console/catalog")
        form = {**form, "csrf_token": csrf_of(page.text), "sku": "CUP", "attribute_policy": "truncate"}
        again = await client.post("/console/catalog/actions", data=form)
        again_id = int(again.headers["location"].rsplit("/", 1)[1])
        assert (await shop.hub.jobs.wait(again_id, run_here=True)).status is JobStatus.SUCCEEDED
    assert product(shop.store, "CUP")["name"] == "Cup (store name)"


async def test_imports_take_the_import_options(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        page = await client.get("/console/catalog")
        assert '<select id="mode" name="mode">' in page.text and 'name="paused"' in page.text
        token = csrf_of(page.text)
        options = {"master_sku": "upc", "mode": "create_and_overwrite", "overwrite": "price_stock", "paused": "1"}
        imported = await client.post(f"/console/catalog/import/{shop.vendor}", data={"csrf_token": token, **options})
        job = shop.hub.jobs.get(int(imported.headers["location"].rsplit("/", 1)[1]))
        assert job.params == {
            "master_sku": "upc",
            "mode": "create_and_overwrite",
            "overwrite": "price_stock",
            "paused": True,
        }
        shown = await client.get(imported.headers["location"])
        assert "master SKU from UPC, overwrite only prices and stock, new listings paused" in shown.text
        defaults = await client.post(f"/console/catalog/import/{shop.merchant}", data={"csrf_token": token})
        plain = shop.hub.jobs.get(int(defaults.headers["location"].rsplit("/", 1)[1]))
        assert plain.params == {
            "master_sku": "sku",
            "mode": "create_only",
            "overwrite": "product_data",
            "paused": False,
        }
        wrong = await client.post(
            f"/console/catalog/import/{shop.vendor}", data={"csrf_token": token, "mode": "replace_all"}
        )
        assert wrong.status_code == 422 and "no import mode &#39;replace_all&#39;" in wrong.text


async def test_pause_and_delist_dry_runs_come_from_the_sync_layer(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        await _publish(client, shop, "CUP", "MUG")
        page = await client.get("/console/catalog")
        form = {"csrf_token": csrf_of(page.text), "target": str(shop.merchant), "scope": "ticked"}
        pause = await client.post(
            "/console/catalog/dry-run", data={**form, "action": "pause", "sku": "MUG"}, headers=HTMX
        )
        assert "Dry run: pause in shop" in pause.text and ">paused<" in pause.text and ">MUG<" in pause.text
        assert ">CUP<" not in pause.text
        unhide = await client.post(
            "/console/catalog/dry-run", data={**form, "action": "unhide", "sku": "CUP"}, headers=HTMX
        )
        assert "not hidden: only hidden listings can be unhidden" in unhide.text and ">skip<" in unhide.text
        delist = await client.post(
            "/console/catalog/dry-run", data={**form, "action": "delist", "sku": ["CUP", "PEN"]}, headers=HTMX
        )
        assert ">delisted<" in delist.text and "not listed in this store" in delist.text
    assert [entry.method for entry in writes(shop.sandbox, shop.store)] == ["POST", "POST"]  # the publishes only
    with shop.hub.sessions() as session:
        rows = CatalogRepository(session).listing_rows_by_item(shop.merchant, range(1, 10))
    assert not any(row.paused or row.delisted for row in rows.values())


async def test_delisting_asks_first_showing_what_goes(shop: Shop) -> None:
    async with logged_in(shop.hub) as client:
        await _publish(client, shop, "CUP")
        page = await client.get("/console/catalog")
        token = csrf_of(page.text)
        form = {"csrf_token": token, "action": "delist", "target": str(shop.merchant), "scope": "ticked", "sku": "CUP"}
        asked = await client.post("/console/catalog/actions", data=form)
        assert asked.status_code == 200 and "Delist from shop?" in asked.text
        assert ">CUP<" in asked.text and "Delist 1 listing from shop" in asked.text
        assert (
            product(shop.store, "CUP") is not None and shop.hub.jobs.recent(limit=1)[0].operation == "publish_listings"
        )
        confirmed = await client.post(
            "/console/catalog/actions", data={**form, "csrf_token": csrf_of(asked.text), "confirmed": "yes"}
        )
        assert confirmed.status_code == 303, confirmed.text
        job_id = int(confirmed.headers["location"].rsplit("/", 1)[1])
        assert (await shop.hub.jobs.wait(job_id, run_here=True)).status is JobStatus.SUCCEEDED
    assert [row.fields["sku"] for row in shop.store.catalog.products.values()] == []

"""The catalog in headless Chromium: import a vendor's products, publish them to a merchant (dry run first)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from bchub.domain.connections import Role
from tests.browser.conftest import LiveConsole, shoot
from tests.browser.support import PASSWORD, USERNAME
from tests.sync.publishing_helpers import connect, product, vendor_store


def test_import_a_vendor_then_publish_to_a_merchant(live_console: LiveConsole, page: Page) -> None:
    vendor = vendor_store(live_console.sandbox)
    for sku, name in (("CUP-1", "Blue cup"), ("MUG-1", "Big mug")):
        vendor.catalog.create_product({"name": name, "type": "physical", "sku": sku, "price": 12, "weight": 1})
    merchant_id = connect(live_console.hub, live_console.store, name="shop")
    connect(live_console.hub, vendor, Role.VENDOR, name="acme")

    page.goto(live_console.url + "/console/catalog")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator("h1")).to_have_text("Catalog")
    expect(page.get_by_text("No items yet")).to_be_visible()
    shoot(page, "21-catalog-empty")

    page.click("button[aria-label='import listings from acme']")
    expect(page.locator("h1 .badge")).to_have_text("succeeded", timeout=10_000)
    page.click("nav >> text=Catalog")
    expect(page.locator("td.mono", has_text="CUP-1")).to_be_visible()

    page.check("input[aria-label='select CUP-1']")
    page.select_option("select[name=action]", "publish")
    page.select_option("select[name=target]", str(merchant_id))
    page.click("button:has-text('Dry run')")
    diff = page.locator("#dry-run")
    expect(diff).to_contain_text("Dry run: publish in shop")
    expect(diff).to_contain_text("Blue cup")
    expect(diff).not_to_contain_text("MUG-1")
    shoot(page, "22-catalog-dry-run")
    assert not any(record.fields["sku"] == "CUP-1" for record in live_console.store.catalog.products.values())

    page.click("button:has-text('Apply')")
    expect(page.locator("h1 .badge")).to_have_text("succeeded", timeout=10_000)
    shoot(page, "23-catalog-publish-job")
    assert product(live_console.store, "CUP-1")["name"] == "Blue cup"

    page.goto(f"{live_console.url}/console/catalog?store={merchant_id}")
    row = page.locator("tr", has_text="CUP-1")
    expect(row.locator(".tag")).to_have_text(["shop", "acme"])  # now listed in the merchant's store too
    expect(row.locator(".badge")).to_have_text(["listed", "listed"])
    expect(page.locator("tr", has_text="MUG-1")).to_have_count(0)
    shoot(page, "24-catalog-published")

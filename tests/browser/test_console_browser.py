"""The console in headless Chromium: log in, connect a store by uploading its credentials file, Test."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveConsole, shoot
from tests.browser.support import PASSWORD, USERNAME, write_credentials_file


def log_in(page: Page, console: LiveConsole) -> None:
    page.goto(console.url + "/")
    expect(page).to_have_url(console.url + "/console/login?next=/console/")
    shoot(page, "01-login")
    page.fill("#username", USERNAME)
    page.fill("#password", "not the password")
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("alert")).to_have_text("wrong username or password")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page).to_have_url(console.url + "/console/")


def test_connect_a_store_with_its_credentials_file_and_test_it(
    page: Page, live_console: LiveConsole, tmp_path: Path
) -> None:
    log_in(page, live_console)
    expect(page.get_by_text("No stores connected yet.")).to_be_visible()
    shoot(page, "02-dashboard-empty")

    page.click("text=Connect your first store")
    page.set_input_files("#credentials_file", str(write_credentials_file(live_console.store, tmp_path)))
    page.select_option("#role", "merchant")
    shoot(page, "03-add-connection")
    page.click("button:has-text('Connect')")

    expect(page.get_by_role("status").first).to_contain_text("Added connection 'Test Store API' (store abc123)")
    expect(page.locator("#health-1")).to_contain_text("Not tested")
    shoot(page, "04-connection-added")

    page.click("#test-button")
    result = page.locator("#test-result .result")
    expect(result).to_contain_text("TEST PASSED: connected to Test Store (abc123, Enterprise)")
    expect(page.locator("#health-1 .badge")).to_have_text("Connected")  # swapped in beside the result
    shoot(page, "05-test-passed")

    # run the test as a job, as a schedule would: its page refreshes itself until the job has finished
    page.click("tr:has-text('test_connection') >> button:has-text('Run now')")
    expect(page.locator("h1")).to_contain_text("test_connection")
    expect(page.locator("h1 .badge")).to_have_text("succeeded", timeout=10_000)
    page.click("text=Show every item")
    expect(page.locator("td.mono", has_text="Test Store API")).to_be_visible()
    shoot(page, "06-job")

    page.click("nav >> text=Connections")
    expect(page.locator("#connection-1")).to_contain_text("Connected")
    shoot(page, "07-connections")

    # the store revokes the token: the next test says so, in red, with what to do
    live_console.store.revoke(next(iter(live_console.store.accounts)))
    page.click("#connection-1 button:has-text('Test')")
    expect(page.locator("#test-result .result.fail")).to_contain_text("was refused (401 on GET /v2/store)")
    expect(page.locator("#health-1 .badge")).to_have_text("Needs attention")
    shoot(page, "08-test-failed")

    page.click("nav >> text=Dashboard")
    expect(page.locator(".stat.bad .value")).to_have_text("1")
    shoot(page, "dashboard")


def test_settings_are_saved_and_a_connection_removed(page: Page, live_console: LiveConsole, tmp_path: Path) -> None:
    log_in(page, live_console)
    page.goto(live_console.url + "/console/connections/new")
    page.fill("#api_path", f"https://api.bigcommerce.com/stores/{live_console.store.hash}/v3/")
    account = next(iter(live_console.store.accounts.values()))
    page.fill("#key", f"{account.client_id}:{account.access_token}")
    page.fill("#name", "main-store")
    page.select_option("#role", "both")
    page.click("button:has-text('Connect')")
    expect(page.locator("h1")).to_contain_text("main-store")

    page.check("input[name=import_statuses][value='11']")
    page.fill("#created_within_days", "3")
    page.select_option("#acknowledge_status", "9")
    page.select_option("#vendor_status_id", "11")
    page.fill("#address_first_name", "Jane")
    page.fill("#address_street_1", "1 Main St")
    page.fill("#address_city", "Austin")
    page.fill("#address_zip", "78701")
    page.fill("#address_country_iso2", "US")
    page.click("button:has-text('Save settings')")
    expect(page.get_by_role("status").first).to_have_text("Saved connection 'main-store'.")
    expect(page.locator("#created_within_days")).to_have_value("3")
    shoot(page, "10-connection-settings")
    orders = live_console.hub.connections.get("main-store").settings["orders"]
    assert (orders["import_statuses"], orders["acknowledge_status"], orders["vendor_status_id"]) == ([11], 9, 11)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Remove')")
    expect(page).to_have_url(live_console.url + "/console/connections")
    expect(page.get_by_role("status").first).to_contain_text("Removed connection 'main-store'")
    assert live_console.hub.connections.all() == []

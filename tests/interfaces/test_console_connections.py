"""Console connections pages through httpx: add with every credential form, Test, settings, remove."""

from __future__ import annotations

import re

import pytest

from bchub.app import Hub
from bchub.domain.connections import HealthStatus, Role
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, Store
from tests.browser.support import cheap_passwords, credentials_text, csrf_of, logged_in, page_csrf

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _cheap_passwords(hub: Hub) -> None:
    cheap_passwords(hub)


def token_of(store: Store) -> str:
    return next(iter(store.accounts))


def add_directly(hub: Hub, store: Store, name: str = "shop", role: Role = Role.MERCHANT) -> int:
    connection = hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token_of(store)), name=name)
    )
    assert connection.id is not None
    return connection.id


def htmx(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token, "HX-Request": "true"}


async def test_add_by_uploading_the_credentials_file_then_test_it(hub: Hub, store: Store) -> None:
    async with logged_in(hub) as client:
        form = await client.get("/console/connections/new")
        assert 'type="file"' in form.text and 'enctype="multipart/form-data"' in form.text
        added = await client.post(
            "/console/connections/new",
            data={"csrf_token": csrf_of(form.text), "role": "merchant", "enabled": "on"},
            files={"credentials_file": ("Store BC.txt", credentials_text(store).encode(), "text/plain")},
        )
        assert added.status_code == 303, added.text
        connection = hub.connections.all()[0]
        assert added.headers["location"] == f"/console/connections/{connection.id}"
        assert (connection.name, connection.store_hash, connection.client_id) == (
            "Test Store API",
            "abc123",
            store.accounts[token_of(store)].client_id,
        )
        page = await client.get(added.headers["location"])
        assert "Added connection &#39;Test Store API&#39; (store abc123)" in page.text
        assert "Not tested" in page.text and token_of(store) not in page.text
        assert "****" + token_of(store)[-4:] in page.text

        result = await client.post(f"/console/connections/{connection.id}/test", headers=htmx(csrf_of(page.text)))
        assert result.status_code == 200
        assert "TEST PASSED: connected to Test Store (abc123, Enterprise)" in result.text
        assert f'<span id="health-{connection.id}" hx-swap-oob="true">' in result.text
        assert '<span class="badge ok">Connected</span>' in result.text
        listing = await client.get("/console/connections")
        assert '<span class="badge ok">Connected</span>' in listing.text and "Test Store API" in listing.text
    assert hub.connections.all()[0].health.status is HealthStatus.OK


@pytest.mark.parametrize(
    "fields",
    [
        {"api_path": "https://api.bigcommerce.com/stores/abc123/v3/", "key": "{client_id}:{token}"},
        {"store_hash": "abc123", "access_token": "{token}", "client_id": "{client_id}"},
        {"store_url": "https://store-abc123.mybigcommerce.com/manage", "access_token": "{token}"},
    ],
    ids=["api-path-and-key", "hash-and-token", "store-url-and-token"],
)
async def test_add_from_the_typed_forms(hub: Hub, store: Store, fields: dict[str, str]) -> None:
    account = store.accounts[token_of(store)]
    data = {
        name: value.format(token=account.access_token, client_id=account.client_id) for name, value in fields.items()
    }
    async with logged_in(hub) as client:
        token = await page_csrf(client, "/console/connections/new")
        added = await client.post(
            "/console/connections/new", data={**data, "csrf_token": token, "role": "vendor", "name": "acme"}
        )
        assert added.status_code == 303, added.text
    connection = hub.connections.get("acme")
    assert (connection.role, connection.store_hash, connection.enabled) == (Role.VENDOR, "abc123", False)


async def test_conflicting_credentials_are_refused_naming_both_without_echoing_secrets(
    hub: Hub, store: Store, sandbox: Sandbox
) -> None:
    other = sandbox.create_store("zzz999", name="Other")
    async with logged_in(hub) as client:
        token = await page_csrf(client, "/console/connections/new")
        refused = await client.post(
            "/console/connections/new",
            data={
                "csrf_token": token,
                "role": "merchant",
                "store_hash": "zzz999",
                "api_path": "https://api.bigcommerce.com/stores/abc123/v3/",
                "access_token": token_of(other),
            },
        )
    assert refused.status_code == 422
    assert "conflicting store hashes" in refused.text and "abc123" in refused.text and "zzz999" in refused.text
    assert token_of(other) not in refused.text
    assert 'value="zzz999"' in refused.text  # typed values come back; secrets do not
    assert hub.connections.all() == []


async def test_a_file_that_is_not_a_credentials_file_is_refused(hub: Hub) -> None:
    async with logged_in(hub) as client:
        token = await page_csrf(client, "/console/connections/new")
        for content, message in ((b"\xff\xfe\x00binary", "is not text"), (b"hello\n", "notes.txt")):
            refused = await client.post(
                "/console/connections/new",
                data={"csrf_token": token, "role": "merchant"},
                files={"credentials_file": ("notes.txt", content, "text/plain")},
            )
            assert refused.status_code == 422 and message in refused.text
    assert hub.connections.all() == []


async def test_a_failing_test_shows_the_reason_and_turns_the_badge_red(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store)
    store.revoke(token_of(store))
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        result = await client.post(f"/console/connections/{connection_id}/test", headers=htmx(token))
        assert result.status_code == 200
        assert (
            "TEST FAILED: the access token ****" in result.text and "was refused (401 on GET /v2/store)" in result.text
        )
        assert "What to do:" in result.text and '<span class="badge bad">Needs attention</span>' in result.text
        dashboard = await client.get("/console/")
        assert '<span class="badge bad">Needs attention</span>' in dashboard.text
        assert re.search(r'<div class="stat bad"><div class="value">1</div>', dashboard.text)


async def test_missing_scopes_are_listed_with_what_they_block(hub: Hub, sandbox: Sandbox) -> None:
    limited = sandbox.create_store("ro1", name="Read Only", scopes="store_v2_information_read_only store_v2_products")
    connection_id = add_directly(hub, limited)
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        result = await client.post(f"/console/connections/{connection_id}/test", headers=htmx(token))
    assert "TEST FAILED: connected to Read Only" in result.text
    assert "store_v2_orders_read_only" in result.text and "get orders" in result.text
    assert "Settings › Store-level API accounts" in result.text


async def test_settings_role_operations_and_order_settings_are_saved(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store, role=Role.BOTH)
    async with logged_in(hub) as client:
        page = await client.get(f"/console/connections/{connection_id}")
        assert "Import orders with status" in page.text and "Status of the orders bchub creates" in page.text
        saved = await client.post(
            f"/console/connections/{connection_id}",
            data={
                "csrf_token": csrf_of(page.text),
                "name": "main-store",
                "role": "both",
                "operations": ["import_listings", "get_orders", "send_vendor_orders"],
                "merchant_orders_form": "1",
                "import_statuses": ["11", "9"],
                "created_within_days": "3",
                "import_as": "sales_order",
                "acknowledge_status": "9",
                "pii_retention_days": "",
                "route_on_import": "on",
                "address_first_name": "Jane",
                "address_street_1": "1 Main St",
                "address_city": "Austin",
                "address_zip": "78701",
                "address_country_iso2": "us",
                "vendor_orders_form": "1",
                "vendor_status_id": "11",
            },
        )
        assert saved.status_code == 303, saved.text
        again = await client.get(saved.headers["location"])
        assert "Saved connection &#39;main-store&#39;." in again.text
    connection = hub.connections.get(connection_id)
    assert connection.name == "main-store" and connection.enabled is False  # "enabled" was not ticked
    assert connection.settings["operations"] == ["import_listings", "get_orders", "send_vendor_orders"]
    assert connection.settings["orders"] == {
        "import_statuses": [11, 9],
        "created_within_days": 3,
        "import_as": "sales_order",
        "acknowledge_status": 9,
        "business_address": {
            "first_name": "Jane",
            "street_1": "1 Main St",
            "city": "Austin",
            "zip": "78701",
            "country_iso2": "US",
        },
        "route_on_import": True,
        "vendor_status_id": 11,
    }


async def test_invalid_order_settings_are_refused_and_nothing_changes(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store)
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        refused = await client.post(
            f"/console/connections/{connection_id}",
            data={
                "csrf_token": token,
                "name": "renamed",
                "role": "merchant",
                "enabled": "on",
                "operations": ["get_orders"],
                "merchant_orders_form": "1",
                "address_first_name": "Jane",
                "address_street_1": "1 Main St",
                "address_city": "Austin",
                "address_zip": "78701",
                "address_country_iso2": "USA",
            },
        )
        assert refused.status_code == 422
        assert "order settings: billing address country_iso2" in refused.text
        not_a_number = await client.post(
            f"/console/connections/{connection_id}",
            data={
                "csrf_token": token,
                "role": "merchant",
                "operations": ["get_orders"],
                "merchant_orders_form": "1",
                "created_within_days": "three",
            },
        )
        assert not_a_number.status_code == 422 and "must be a whole number" in not_a_number.text
        none_ticked = await client.post(
            f"/console/connections/{connection_id}", data={"csrf_token": token, "role": "merchant"}
        )
        assert none_ticked.status_code == 422 and "tick at least one operation" in none_ticked.text
    connection = hub.connections.get(connection_id)
    assert connection.name == "shop" and "orders" not in connection.settings


async def test_replacing_the_credentials_from_the_settings_page(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store)
    fresh = store.add_account()
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        saved = await client.post(
            f"/console/connections/{connection_id}",
            data={
                "csrf_token": token,
                "role": "merchant",
                "enabled": "on",
                "operations": ["get_orders"],
                "access_token": fresh.access_token,
            },
        )
        assert saved.status_code == 303, saved.text
    connection = hub.connections.get(connection_id)
    assert connection.access_token is not None and connection.access_token.reveal() == fresh.access_token
    assert connection.settings["operations"] == ["get_orders"]


async def test_schedules_are_switched_on_and_off(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store)
    async with logged_in(hub) as client:
        page = await client.get(f"/console/connections/{connection_id}")
        assert 'name="schedule_test_connection"' in page.text
        base = {
            "csrf_token": csrf_of(page.text),
            "role": "merchant",
            "enabled": "on",
            "operations": ["get_orders"],
            "schedules_form": "1",
        }
        on = await client.post(
            f"/console/connections/{connection_id}",
            data={**base, "schedule_test_connection": "on", "interval_test_connection": "30"},
        )
        assert on.status_code == 303, on.text
        [schedule] = [item for item in hub.jobs.list_schedules(connection_id) if item.operation == "test_connection"]
        assert (schedule.enabled, schedule.interval_s) == (True, 1800)
        off = await client.post(
            f"/console/connections/{connection_id}", data={**base, "interval_test_connection": "30"}
        )
        assert off.status_code == 303
    [schedule] = [item for item in hub.jobs.list_schedules(connection_id) if item.operation == "test_connection"]
    assert (schedule.enabled, schedule.interval_s) == (False, 1800)


async def test_remove_asks_htmx_to_go_back_to_the_list(hub: Hub, store: Store) -> None:
    connection_id = add_directly(hub, store)
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        removed = await client.post(f"/console/connections/{connection_id}/delete", headers=htmx(token))
        assert (removed.status_code, removed.headers["hx-redirect"]) == (200, "/console/connections")
        listing = await client.get("/console/connections")
        assert "Removed connection &#39;shop&#39; and its stored secrets." in listing.text
        assert "No stores connected yet" in listing.text
        missing = await client.get(f"/console/connections/{connection_id}")
        assert missing.status_code == 404 and f"no connection with id {connection_id}" in missing.text
    assert hub.connections.all() == []


async def test_the_dashboard_shows_each_connection_and_when_it_was_checked(hub: Hub, store: Store) -> None:
    add_directly(hub, store)
    await hub.connections.test("shop")
    async with logged_in(hub) as client:
        page = await client.get("/console/")
    assert "shop" in page.text and '<span class="badge ok">Connected</span>' in page.text and "just now" in page.text
    assert re.search(r'<div class="stat ok"><div class="value">1</div>', page.text)

"""Every ``/api/v1`` endpoint of ``create_api(hub)``: refused without a valid token, and one real call each.

The routes are read from the app itself, so a new endpoint fails ``test_every_endpoint_has_a_happy_call``
until it gets a row in ``CALLS``. The happy calls run in order against one hub on the demo sandbox (a
merchant and two vendors, their catalogs imported), each checking its status and the answer's shape;
the behaviour behind them is tested in depth in the other ``test_api_*.py`` files.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.jobs.webhooks import SECRET_HEADER
from bchub.storage.tables import Base
from bchub.sync.users import ApiTokenService
from tests.browser.support import cheap_passwords, credentials_text
from tests.sync.test_orders_helpers import BUSINESS, MERCHANT, VENDORS, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]
PREFIX = "/api/v1"

Route = tuple[str, str]  # (method, path as the app declares it)


def api_routes(app: FastAPI) -> list[Route]:
    """Every (method, path) under ``/api/v1``, from the app's own route table (included routers too)."""
    found = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.path, str) and context.path.startswith(PREFIX + "/")
        for method in context.methods or ()
    }
    return sorted(found)


def concrete(path: str) -> str:
    """A path with every parameter filled in (auth is checked before the parameters are)."""
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
async def api(world: World) -> AsyncIterator[httpx.AsyncClient]:
    cheap_passwords(world.hub)
    token = world.hub.tokens.create("every-endpoint").value
    transport = httpx.ASGITransport(app=create_api(world.hub))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers) as client:
        yield client


# -- authentication -------------------------------------------------------------------------------


async def _refusals(
    client: httpx.AsyncClient, routes: list[Route], headers: dict[str, str], expected: str
) -> list[str]:
    """The routes that did not answer 401 with the Bearer challenge and a JSON ``detail`` starting ``expected``."""
    wrong = []
    for method, path in routes:
        answer = await client.request(method, concrete(path), headers=headers)
        body = answer.json() if answer.headers.get("content-type") == "application/json" else {}
        ok = (
            answer.status_code == 401
            and answer.headers.get("www-authenticate") == "Bearer"
            and isinstance(body.get("detail"), str)
            and body["detail"].startswith(expected)
            and "bchub tokens create" in body["detail"]
        )
        if not ok:
            wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
    return wrong


async def test_every_endpoint_refuses_a_missing_wrong_or_revoked_token(world: World) -> None:
    hub = world.hub
    revoked = hub.tokens.create("revoked").value
    hub.tokens.revoke("revoked")
    counts_before = _table_counts(hub)
    app = create_api(hub)
    routes = api_routes(app)
    assert len(routes) > 50  # the enumeration found the included routers, not just the app's own routes
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bchub.test") as client:
        cases: list[tuple[dict[str, str], str]] = [
            ({}, "missing API token"),
            ({"Authorization": "Bearer "}, "missing API token"),
            ({"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}, "missing API token"),
            ({"Authorization": "Bearer bchub_" + "x" * 43}, "the API token is wrong, revoked or expired"),
            ({"Authorization": "Bearer not-a-bchub-token"}, "the API token is wrong, revoked or expired"),
            ({"Authorization": f"Bearer {revoked}"}, "the API token is wrong, revoked or expired"),
        ]
        failures = [line for headers, expected in cases for line in await _refusals(client, routes, headers, expected)]
    assert failures == []
    assert _table_counts(hub) == counts_before  # nothing was written by a refused request


async def test_every_endpoint_refuses_an_expired_token(world: World) -> None:
    moment = [datetime.now(UTC)]
    tokens = ApiTokenService(world.hub.sessions, now=lambda: moment[0])
    expiring = tokens.create("one-day", expires_in_days=1).value
    world.hub.tokens = tokens
    app = create_api(world.hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bchub.test") as client:
        headers = {"Authorization": f"Bearer {expiring}"}
        assert (await client.get(PREFIX + "/connections", headers=headers)).status_code == 200
        moment[0] += timedelta(days=1)
        failures = await _refusals(client, api_routes(app), headers, "the API token is wrong, revoked or expired")
    assert failures == []


def _table_counts(hub: Hub) -> dict[str, int]:
    with hub.sessions() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


# -- one happy call per endpoint ------------------------------------------------------------------


@dataclass
class Ctx:
    api: httpx.AsyncClient
    world: World
    ids: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def merchant(self) -> int:
        return self.ids[MERCHANT]

    @property
    def vendor(self) -> int:
        return self.ids[VENDORS[0]]

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        answer = await self.api.request(method, PREFIX + path, **kwargs)
        assert answer.status_code == status, f"{answer.status_code}: {answer.text[:300]}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        return answer.text


Call = Callable[[Ctx], Awaitable[None]]
CALLS: list[tuple[str, str, Call]] = []


def call(method: str, path: str) -> Callable[[Call], Call]:
    def register(function: Call) -> Call:
        CALLS.append((method, PREFIX + path, function))
        return function

    return register


# connections
@call("GET", "/connections")
async def _list_connections(c: Ctx) -> None:
    listed = await c.ok("GET", "/connections")
    c.ids.update({row["name"]: row["id"] for row in listed})
    assert {MERCHANT, *VENDORS} <= set(c.ids)


@call("POST", "/connections")
async def _create_connection(c: Ctx) -> None:
    token = next(iter(c.world.merchant.accounts))
    body = {"name": "spare", "role": "merchant", "store_hash": c.world.merchant.hash, "access_token": token}
    created = await c.ok("POST", "/connections", 201, json=body)
    assert created["name"] == "spare" and created["access_token"] == "****" + token[-4:]
    c.ids["spare"] = created["id"]


@call("POST", "/connections/upload")
async def _upload_connection(c: Ctx) -> None:
    files = {"credentials_file": ("vendor.txt", credentials_text(c.world.vendor(1)))}
    created = await c.ok("POST", "/connections/upload", 201, files=files, data={"role": "vendor", "name": "uploaded"})
    assert (created["role"], created["store_hash"]) == ("vendor", c.world.vendor(1).hash)


@call("GET", "/connections/{connection_id}")
async def _get_connection(c: Ctx) -> None:
    assert (await c.ok("GET", f"/connections/{c.merchant}"))["name"] == MERCHANT


@call("PATCH", "/connections/{connection_id}")
async def _update_connection(c: Ctx) -> None:
    patched = await c.ok("PATCH", f"/connections/{c.ids['spare']}", json={"enabled": False})
    assert patched["enabled"] is False and patched["paused"] is True


@call("POST", "/connections/{connection_id}/test")
async def _test_connection(c: Ctx) -> None:
    tested = await c.ok("POST", f"/connections/{c.merchant}/test")
    assert tested["passed"] is True and tested["store_hash"] == c.world.merchant.hash


# catalog
@call("POST", "/connections/{connection_id}/import-listings")
async def _import_listings(c: Ctx) -> None:
    run = await c.ok("POST", f"/connections/{c.vendor}/import-listings", json={"mode": "create_and_overwrite"})
    assert run["status"] == "succeeded" and run["operation"] == "import_listings", run


@call("GET", "/connections/{connection_id}/remote-products")
async def _remote_products(c: Ctx) -> None:
    page = await c.ok("GET", f"/connections/{c.vendor}/remote-products", params={"limit": 2})
    assert page["total"] >= 2 and len(page["products"]) == 2


@call("GET", "/catalog/items")
async def _list_items(c: Ctx) -> None:
    found = await c.ok("GET", "/catalog/items", params={"limit": 5})
    assert found["total"] > 5 and len(found["items"]) == 5


@call("GET", "/catalog/items/{sku}")
async def _show_item(c: Ctx) -> None:
    sku = c.world.vendor_skus(0)[0]
    assert (await c.ok("GET", f"/catalog/items/{sku}"))["sku"] == sku


@call("GET", "/catalog/matches")
async def _matches(c: Ctx) -> None:
    rows = await c.ok("GET", "/catalog/matches", params={"connection_id": c.merchant})
    assert isinstance(rows, list) and rows


@call("GET", "/catalog/export-csv")
async def _export_csv(c: Ctx) -> None:
    text = await c.ok("GET", "/catalog/export-csv", params={"connection_id": c.vendor})
    assert text.splitlines()[0].startswith("sku,") and len(text.splitlines()) > 1
    c.texts["csv"] = text


@call("POST", "/catalog/import-csv")
async def _import_csv(c: Ctx) -> None:
    csv = c.texts["csv"]
    report = await c.ok(
        "POST", "/catalog/import-csv", params={"dry_run": "true"}, content=csv, headers={"Content-Type": "text/csv"}
    )
    assert report["dry_run"] is True and len(report["rows"]) == len(csv.splitlines()) - 1


# listings
@call("POST", "/connections/{connection_id}/listings/publish")
async def _publish(c: Ctx) -> None:
    sku = c.world.vendor_skus(0)[0]
    run = await c.ok("POST", f"/connections/{c.merchant}/listings/publish", json={"skus": [sku]})
    assert run["status"] == "succeeded" and run["operation"] == "publish_listings"


@call("POST", "/connections/{connection_id}/listings/sync")
async def _sync(c: Ctx) -> None:
    run = await c.ok("POST", f"/connections/{c.merchant}/listings/sync", json={"skus": c.world.vendor_skus(0)[:1]})
    assert run["status"] == "succeeded"


async def _flag(c: Ctx, action: str) -> dict[str, Any]:
    sku = c.world.own_skus()[0]
    answer: dict[str, Any] = await c.ok("POST", f"/connections/{c.merchant}/listings/{action}", json={"skus": [sku]})
    return answer


@call("POST", "/connections/{connection_id}/listings/hide")
async def _hide(c: Ctx) -> None:
    assert (await _flag(c, "hide"))["counts"] == {"updated": 1}


@call("POST", "/connections/{connection_id}/listings/unhide")
async def _unhide(c: Ctx) -> None:
    assert (await _flag(c, "unhide"))["counts"] == {"updated": 1}


@call("POST", "/connections/{connection_id}/listings/pause")
async def _pause(c: Ctx) -> None:
    assert await _flag(c, "pause") == {"paused": 1}


@call("POST", "/connections/{connection_id}/listings/unpause")
async def _unpause(c: Ctx) -> None:
    assert await _flag(c, "unpause") == {"unpaused": 1}


@call("POST", "/connections/{connection_id}/listings/delist")
async def _delist(c: Ctx) -> None:
    assert (await _flag(c, "delist"))["status"] == "succeeded"


@call("PUT", "/connections/{connection_id}/stock-rule")
async def _put_stock_rule(c: Ctx) -> None:
    rule = {"buffer": 1, "cap": 50, "zero_when_discontinued": True}
    assert await c.ok("PUT", f"/connections/{c.vendor}/stock-rule", json=rule) == rule


@call("GET", "/connections/{connection_id}/stock-rule")
async def _get_stock_rule(c: Ctx) -> None:
    assert (await c.ok("GET", f"/connections/{c.vendor}/stock-rule"))["buffer"] == 1


@call("POST", "/connections/{connection_id}/inventory/sync")
async def _inventory_sync(c: Ctx) -> None:
    synced = await c.ok("POST", f"/connections/{c.vendor}/inventory/sync", json={"push": True})
    assert synced["inventory"]["status"] == "succeeded" and isinstance(synced["merchants"], list)


# orders and shipments
@call("PATCH", "/connections/{connection_id}/order-settings")
async def _change_order_settings(c: Ctx) -> None:
    body = {"set": {"import_statuses": [11], **BUSINESS}}  # routing bills vendor orders to the business address
    changed = await c.ok("PATCH", f"/connections/{c.merchant}/order-settings", json=body)
    assert changed["import_statuses"] == [11] and changed["business_address"]["zip"] == "78701"


@call("GET", "/connections/{connection_id}/order-settings")
async def _order_settings(c: Ctx) -> None:
    assert (await c.ok("GET", f"/connections/{c.merchant}/order-settings"))["import_statuses"] == [11]


@call("GET", "/connections/{connection_id}/remote-orders")
async def _remote_orders(c: Ctx) -> None:
    number = c.world.place((c.world.own_skus()[1], 1), (c.world.vendor_skus(0)[1], 1))
    c.ids["order"] = number
    found = await c.ok("GET", f"/connections/{c.merchant}/remote-orders", params={"status_id": [11]})
    assert [order["store_order_id"] for order in found] == [number]


@call("POST", "/connections/{connection_id}/orders/get")
async def _get_orders(c: Ctx) -> None:
    got = await c.ok("POST", f"/connections/{c.merchant}/orders/get", json={})
    assert got["run"]["counts"]["created"] == 1


@call("GET", "/orders")
async def _list_orders(c: Ctx) -> None:
    listed = await c.ok("GET", "/orders", params={"connection_id": c.merchant})
    assert listed["total"] == 1 and listed["orders"][0]["store_order_id"] == c.ids["order"]


@call("GET", "/connections/{connection_id}/orders/{store_order_id}/explain")
async def _explain(c: Ctx) -> None:
    explained = await c.ok("GET", f"/connections/{c.merchant}/orders/{c.ids['order']}/explain")
    assert explained["in_hub"] is True


@call("POST", "/connections/{connection_id}/orders/route")
async def _route(c: Ctx) -> None:
    routed = await c.ok("POST", f"/connections/{c.merchant}/orders/route", json={"store_order_ids": [c.ids["order"]]})
    assert routed["status"] == "succeeded", (routed["error"], routed.get("items"))


@call("GET", "/connections/{connection_id}/orders/{store_order_id}")
async def _show_order(c: Ctx) -> None:
    detail = await c.ok("GET", f"/connections/{c.merchant}/orders/{c.ids['order']}")
    assert detail["vendor_orders"][0]["state"] == "placed"
    vendor_order = detail["vendor_orders"][0]["vendor_order_id"]
    c.world.vendor(0).orders.ship_order(vendor_order, {"tracking_number": "1ZEVERY", "tracking_carrier": "ups"})


@call("POST", "/connections/{connection_id}/shipments/sync")
async def _sync_shipments(c: Ctx) -> None:
    assert (await c.ok("POST", f"/connections/{c.merchant}/shipments/sync"))["counts"]["created"] == 1


@call("POST", "/connections/{connection_id}/shipments")
async def _add_shipment(c: Ctx) -> None:
    body = {"store_order_id": c.ids["order"], "items": [{"sku": c.world.own_skus()[1], "quantity": 1}]}
    added = await c.ok("POST", f"/connections/{c.merchant}/shipments", json={**body, "tracking_number": "3PL-1"})
    assert added["run"]["status"] == "succeeded"


@call("POST", "/connections/{connection_id}/shipments/import-csv")
async def _shipments_csv(c: Ctx) -> None:
    csv = f"order,sku,quantity,tracking\n{c.ids['order']},{c.world.own_skus()[1]},1,3PL-1\n"
    imported = await c.ok(
        "POST", f"/connections/{c.merchant}/shipments/import-csv", content=csv, headers={"Content-Type": "text/csv"}
    )
    assert imported["report"]["duplicates"] == 1


@call("POST", "/connections/{connection_id}/orders/purge-pii")
async def _purge_connection(c: Ctx) -> None:
    assert isinstance(await c.ok("POST", f"/connections/{c.merchant}/orders/purge-pii"), list)


@call("POST", "/orders/purge-pii")
async def _purge_all(c: Ctx) -> None:
    assert isinstance(await c.ok("POST", "/orders/purge-pii"), list)


# jobs, schedules, webhook events
@call("GET", "/operations")
async def _operations(c: Ctx) -> None:
    assert "test_connection" in {entry["name"] for entry in await c.ok("GET", "/operations")}


@call("POST", "/jobs")
async def _submit_job(c: Ctx) -> None:
    body = {"operation": "test_connection", "connection": MERCHANT}
    submitted = await c.ok("POST", "/jobs", 202, json=body)
    assert submitted["created"] is True and submitted["job"]["status"] == "queued"
    c.ids["job"] = submitted["job"]["id"]


@call("GET", "/jobs")
async def _list_jobs(c: Ctx) -> None:
    assert c.ids["job"] in [job["id"] for job in await c.ok("GET", "/jobs")]


@call("GET", "/jobs/{job_id}")
async def _get_job(c: Ctx) -> None:
    job = await c.ok("GET", f"/jobs/{c.ids['job']}", params={"items": "all"})
    assert job["id"] == c.ids["job"] and job["operation"] == "test_connection"


@call("POST", "/jobs/{job_id}/cancel")
async def _cancel_job(c: Ctx) -> None:
    assert (await c.ok("POST", f"/jobs/{c.ids['job']}/cancel"))["status"] == "cancelled"


@call("POST", "/jobs/{job_id}/retry")
async def _retry_job(c: Ctx) -> None:
    retried = await c.ok("POST", f"/jobs/{c.ids['job']}/retry", 202)
    assert retried["job"]["retry_of"] == c.ids["job"]


@call("PUT", "/schedules/{connection}/{operation}")
async def _put_schedule(c: Ctx) -> None:
    saved = await c.ok("PUT", f"/schedules/{MERCHANT}/test_connection", json={"enabled": True, "interval_s": 900})
    assert saved["enabled"] is True and saved["interval_s"] == 900


@call("GET", "/schedules")
async def _schedules(c: Ctx) -> None:
    listed = await c.ok("GET", "/schedules", params={"connection": MERCHANT})
    assert [(row["operation"], row["interval_s"]) for row in listed] == [("test_connection", 900)]


@call("GET", "/webhook-events")
async def _events(c: Ctx) -> None:
    merchant = c.world.merchant
    payload = {
        "scope": "store/order/created",
        "store_id": str(merchant.store_id),
        "data": {"type": "order", "id": c.ids["order"]},
        "hash": "e" * 40,
        "created_at": 1_767_600_000,
        "producer": f"stores/{merchant.hash}",
    }
    secret = {SECRET_HEADER: c.world.hub.webhooks.secrets.current()}
    assert (await c.api.post("/webhooks/bigcommerce", json=payload, headers=secret)).status_code == 200
    (event,) = await c.ok("GET", "/webhook-events", params={"store_hash": merchant.hash})
    assert event["scope"] == "store/order/created"
    c.ids["event"] = event["id"]


@call("GET", "/webhook-events/{event_id}")
async def _event(c: Ctx) -> None:
    assert (await c.ok("GET", f"/webhook-events/{c.ids['event']}"))["payload"]["data"]["id"] == c.ids["order"]


@call("POST", "/webhook-events/{event_id}/replay")
async def _replay(c: Ctx) -> None:
    assert (await c.ok("POST", f"/webhook-events/{c.ids['event']}/replay"))["replays"] == 1


# users and tokens
@call("POST", "/users")
async def _create_user(c: Ctx) -> None:
    created = await c.ok("POST", "/users", 201, json={"username": "erin", "password": "a long passphrase"})
    assert set(created) == {"id", "username", "created_at", "last_login_at"}


@call("GET", "/users")
async def _users(c: Ctx) -> None:
    assert [user["username"] for user in await c.ok("GET", "/users")] == ["erin"]


@call("PUT", "/users/{username}/password")
async def _password(c: Ctx) -> None:
    assert (await c.ok("PUT", "/users/erin/password", json={"password": "another passphrase"}))["username"] == "erin"


@call("DELETE", "/users/{username}")
async def _delete_user(c: Ctx) -> None:
    await c.ok("DELETE", "/users/erin", 204)
    assert c.world.hub.users.all() == []


@call("POST", "/tokens")
async def _create_token(c: Ctx) -> None:
    created = await c.ok("POST", "/tokens", 201, json={"name": "script"})
    assert created["value"].startswith(created["prefix"]) and created["state"] == "active"


@call("GET", "/tokens")
async def _tokens(c: Ctx) -> None:
    listed = await c.ok("GET", "/tokens")
    assert {row["name"] for row in listed} == {"every-endpoint", "script"} and all("value" not in r for r in listed)


@call("POST", "/tokens/{token}/revoke")
async def _revoke(c: Ctx) -> None:
    assert (await c.ok("POST", "/tokens/script/revoke"))["state"] == "revoked"


@call("DELETE", "/connections/{connection_id}")
async def _delete_connection(c: Ctx) -> None:
    await c.ok("DELETE", f"/connections/{c.ids['spare']}", 204)
    await c.ok("GET", f"/connections/{c.ids['spare']}", 404)


async def test_every_endpoint_has_a_happy_call(api: httpx.AsyncClient, world: World) -> None:
    declared = {(method, path) for method, path, _ in CALLS}
    assert len(declared) == len(CALLS), "an endpoint has two rows in CALLS"
    routes = {(method, re.sub(r":\w+\}", "}", path)) for method, path in api_routes(create_api(world.hub))}
    assert sorted(routes - declared) == [], "endpoints without a happy call: add a row to CALLS"
    assert sorted(declared - routes) == [], "rows in CALLS for endpoints that no longer exist"
    context = Ctx(api, world)
    for method, path, function in CALLS:
        try:
            await function(context)
        except AssertionError as error:
            raise AssertionError(f"{method} {path}: {error}") from error


async def test_every_endpoint_is_documented_with_bearer_auth(world: World) -> None:
    app = create_api(world.hub)
    paths = app.openapi()["paths"]
    documented = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    routes = {(method, re.sub(r":\w+\}", "}", path)) for method, path in api_routes(app)}
    assert routes <= documented, "an /api/v1 route is hidden from the OpenAPI page"
    unsecured = [
        f"{method} {path}"
        for method, path in sorted(routes)
        if {"HTTPBearer": []} not in paths[path][method.lower()].get("security", [])
    ]
    assert unsecured == []

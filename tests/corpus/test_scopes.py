"""API accounts missing each scope bchub needs: what the connection test says, what an operation does, what the store answers.

``tests/sync/test_connection_test.py`` covers a read-only orders scope, orders missing on a
connection of both roles, and a missing information scope; ``tests/sync/test_health.py`` a 403
met by a job. This corpus adds the whole matrix (every scope, each role, the read-only twins),
the operations that meet the 403, and the sandbox's 403 per scope. Webhooks need no scope of
their own (``default``, granted to every token; ``tests/sandbox/test_hooks_api.py``).
"""

from __future__ import annotations

import json

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.domain.connections import HealthStatus, Role
from bchub.domain.scopes import required_scope, scope_advice
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app as cli
from bchub.jobs.model import JobStatus
from bchub.settings import Settings
from bchub.sync.connections import CredentialInput
from bchub.sync.connections.service import ConnectionChanges
from bcsandbox import Sandbox, Store
from bcsandbox.testing import api_client, transport_for
from tests.jobs.helpers import add_connection
from tests.support import hub as hub_fixtures

pytestmark = pytest.mark.anyio

hub = hub_fixtures.hub
hub_settings = hub_fixtures.hub_settings
__all__ = ["hub", "hub_settings"]

PRODUCTS, ORDERS, INVENTORY, LOCATIONS, INFORMATION = (
    "store_v2_products",
    "store_v2_orders",
    "store_inventory",
    "store_locations",
    "store_v2_information",
)
FULL = (PRODUCTS, ORDERS, INVENTORY, LOCATIONS, INFORMATION)
TOKEN_FIX = (
    "A store-level API account's scopes cannot be changed: in the control panel (Settings › Store-level API "
    "accounts) create a new API account with these scopes ticked, then give bchub its credentials file "
    "(bchub connections edit <name> --credentials-file <file>)."
)
DENIED = "Unauthorized Access. You do not have permission to make this request."
DENIED_V2 = "You don't have a required scope to access the endpoint"
VENDOR_CATALOG = ("read the vendor's catalog and stock",)


def store_without(sandbox: Sandbox, name: str, missing: str, *, read_only: bool = False) -> Store:
    """A store whose token has every scope but ``missing`` (or only its read-only twin)."""
    scopes = [scope for scope in FULL if scope != missing]
    if read_only:
        scopes.append(f"{missing}_read_only")
    return sandbox.create_store(name, name=f"Shop {name}", scopes=" ".join(scopes))


@pytest.mark.parametrize(
    ("role", "missing", "read_only", "need", "blocks"),
    [
        (
            Role.MERCHANT,
            PRODUCTS,
            False,
            "store_v2_products modify",
            ("import listings", "publish listings", "sync prices"),
        ),
        (Role.MERCHANT, PRODUCTS, True, "store_v2_products modify", ("publish listings", "sync prices")),
        (Role.MERCHANT, ORDERS, False, "store_v2_orders modify", ("get orders", "write shipments to orders")),
        (Role.MERCHANT, INVENTORY, False, "store_inventory modify", ("sync stock",)),
        (Role.MERCHANT, INVENTORY, True, "store_inventory modify", ("sync stock",)),
        (Role.MERCHANT, LOCATIONS, False, "store_locations read-only", ("sync stock",)),
        (Role.VENDOR, PRODUCTS, False, "store_v2_products read-only", VENDOR_CATALOG),
        (
            Role.VENDOR,
            ORDERS,
            False,
            "store_v2_orders modify",
            ("send dropship orders to the vendor", "get the vendor's shipments"),
        ),
        (Role.VENDOR, ORDERS, True, "store_v2_orders modify", ("send dropship orders to the vendor",)),
        (Role.VENDOR, INVENTORY, False, "store_inventory read-only", VENDOR_CATALOG),
        (Role.VENDOR, LOCATIONS, False, "store_locations read-only", VENDOR_CATALOG),
    ],
)
async def test_the_connection_test_names_the_missing_scope_what_it_blocks_and_what_to_do(
    hub: Hub, sandbox: Sandbox, role: Role, missing: str, read_only: bool, need: str, blocks: tuple[str, ...]
) -> None:
    store = store_without(sandbox, "scp1", missing, read_only=read_only)
    add_connection(hub, store, role=role)

    report = await hub.connections.test("shop")

    assert not report.passed and not report.problems
    assert [(str(gap.need), gap.blocks) for gap in report.gaps] == [(need, blocks)]
    assert report.headline() == f"TEST FAILED: connected to Shop scp1 (scp1, Standard), but 1 scope missing: {need}"
    assert report.scope_fix == TOKEN_FIX
    health = hub.connections.get("shop").health
    assert (health.status, health.reason) == (HealthStatus.NEEDS_ATTENTION, f"missing scopes: {need}")


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.VENDOR])
async def test_without_the_information_scope_the_store_cannot_even_be_named(
    hub: Hub, sandbox: Sandbox, role: Role
) -> None:
    store = store_without(sandbox, "noinf", INFORMATION)
    add_connection(hub, store, role=role)
    report = await hub.connections.test("shop")
    assert [(str(gap.need), gap.blocks) for gap in report.gaps] == [("store_v2_information read-only", ())]
    assert report.headline() == (
        "TEST FAILED: the token is valid for noinf, but 1 scope missing: store_v2_information read-only"
    )
    assert report.scope_fix == TOKEN_FIX


@pytest.mark.parametrize(
    ("role", "missing", "operation", "request_line", "denied", "advice"),
    [
        (
            Role.MERCHANT,
            PRODUCTS,
            "import_listings",
            "GET /v3/catalog/products",
            DENIED,
            "the API account lacks the scope store_v2_products read-only "
            "(control panel: Settings › API accounts, Products: read-only)",
        ),
        (
            Role.MERCHANT,
            ORDERS,
            "get_orders",
            "GET /v2/orders",
            DENIED_V2,
            "the API account lacks the scope store_v2_orders read-only "
            "(control panel: Settings › API accounts, Orders: read-only)",
        ),
        (
            Role.VENDOR,
            PRODUCTS,
            "import_listings",
            "GET /v3/catalog/products",
            DENIED,
            "the API account lacks the scope store_v2_products read-only "
            "(control panel: Settings › API accounts, Products: read-only)",
        ),
        (
            Role.VENDOR,
            INVENTORY,
            "sync_inventory",
            "GET /v3/inventory/items",
            DENIED,
            "the API account lacks the scope store_inventory read-only "
            "(control panel: Settings › API accounts, Store Inventory: read-only)",
        ),
    ],
)
async def test_an_operation_meeting_the_403_fails_pauses_the_connection_and_resumes_after_a_new_token(
    hub: Hub, sandbox: Sandbox, role: Role, missing: str, operation: str, request_line: str, denied: str, advice: str
) -> None:
    store = store_without(sandbox, "scp2", missing)
    add_connection(hub, store, role=role)
    if operation == "get_orders":  # the statuses can't be checked against the store without the scope
        await hub.orders.change_settings("shop", {"import_statuses": "11"}, check_statuses=False)
    runner = hub.jobs.runner("w1")

    job = hub.jobs.run(operation, "shop").job
    await runner.run(job.id)

    failed = hub.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error == (
        f"{request_line} -> 403: {denied}; {advice}; the connection is paused until a connection test passes"
    )
    (run,) = hub.jobs.runs(failed)
    assert run.error == f"{request_line} -> 403: {denied}; {advice}"
    connection = hub.connections.get("shop")
    assert connection.health.status is HealthStatus.NEEDS_ATTENTION
    assert connection.health.reason == (
        f"403 on {request_line}: {advice}; fix it, then test the connection to resume its jobs"
    )
    assert hub.connections.is_paused(connection)
    before = len(sandbox.requests(store.hash))

    # the test names the scope; a new account with it, a passing test, and the operation runs
    report = await hub.connections.test("shop")
    assert missing in " ".join(str(gap.need) for gap in report.gaps) and report.scope_fix == TOKEN_FIX
    assert len(sandbox.requests(store.hash)) > before
    fixed = store.add_account(FULL)
    hub.connections.update("shop", ConnectionChanges(credentials=CredentialInput(access_token=fixed.access_token)))
    assert (await hub.connections.test("shop")).passed
    assert not hub.connections.is_paused("shop")
    again = hub.jobs.run(operation, "shop").job
    await runner.run(again.id)
    assert hub.jobs.get(again.id).status is JobStatus.SUCCEEDED


ROUTES = [
    (PRODUCTS, "/v3/catalog/products", {"name": "Mug", "type": "physical", "weight": 1, "price": 5}),
    (ORDERS, "/v2/orders", {"products": [], "billing_address": {}}),
    (INVENTORY, "/v3/inventory/items", None),
    (LOCATIONS, "/v3/inventory/locations", [{"code": "W2", "label": "Warehouse 2"}]),
    (INFORMATION, "/v2/store", None),
]


def assert_denied(response: httpx.Response) -> None:
    """BigCommerce's 403: the specs' V3 problem object (empty errors), or the DIGEST's V2 one-element list."""
    assert response.status_code == 403
    if response.request.url.path.split("/")[3] == "v3":
        assert response.json() == {
            "status": 403,
            "title": DENIED,
            "type": "/api-docs/getting-started/api-status-codes",
            "errors": {},
        }
    else:
        assert response.json() == [{"status": 403, "message": DENIED_V2}]


@pytest.mark.parametrize(("scope", "path", "write"), ROUTES, ids=[scope for scope, _, _ in ROUTES])
async def test_the_sandbox_answers_403_per_scope_as_bigcommerce_does(
    sandbox: Sandbox, scope: str, path: str, write: object
) -> None:
    without = store_without(sandbox, "den1", scope)
    async with api_client(sandbox, without) as api:
        assert_denied(await api.get(path))
        if write is not None:
            assert_denied(await api.post(path, json=write))
    twin = store_without(sandbox, "den2", scope, read_only=True)
    async with api_client(sandbox, twin) as api:
        assert (await api.get(path)).status_code in (200, 204)  # the read-only twin reads (204: an empty V2 list)
        if write is not None:
            assert_denied(await api.post(path, json=write))  # and writes nothing
    # a denied request changes nothing and costs no more than an answered one: it is logged as a 403
    assert {entry.status for entry in sandbox.requests(without.hash)} == {403}


@pytest.mark.parametrize(
    ("method", "path", "advice"),
    [
        (
            "GET",
            "/v3/catalog/products/5/variants",
            "store_v2_products read-only (control panel: Settings › API accounts, Products: read-only)",
        ),
        (
            "PUT",
            "/v3/catalog/products",
            "store_v2_products modify (control panel: Settings › API accounts, Products: modify)",
        ),
        (
            "POST",
            "/v2/orders/7/shipments",
            "store_v2_orders modify (control panel: Settings › API accounts, Orders: modify)",
        ),
        (
            "GET",
            "/v2/order_statuses",
            "store_v2_orders read-only (control panel: Settings › API accounts, Orders: read-only)",
        ),
        (
            "PUT",
            "/v3/inventory/adjustments/absolute",
            "store_inventory modify (control panel: Settings › API accounts, Store Inventory: modify)",
        ),
        (
            "GET",
            "/v3/inventory/locations/1/items",
            "store_inventory read-only (control panel: Settings › API accounts, Store Inventory: read-only)",
        ),
        (
            "GET",
            "/v3/inventory/locations",
            "store_locations read-only (control panel: Settings › API accounts, Store Locations: read-only)",
        ),
        (
            "GET",
            "/v2/store",
            "store_v2_information read-only (control panel: Settings › API accounts, Information & Settings: read-only)",
        ),
        (
            "HEAD",
            "/v2/time?x=1",
            "store_v2_information read-only (control panel: Settings › API accounts, Information & Settings: read-only)",
        ),
        (
            "GET",
            "/v3/orders/3/transactions",
            "store_v2_transactions read-only (control panel: Settings › API accounts, store_v2_transactions: read-only)",
        ),
    ],
)
def test_a_403_names_the_scope_its_path_needs_and_where_to_grant_it(method: str, path: str, advice: str) -> None:
    assert scope_advice(method, path) == f"the API account lacks the scope {advice}"


@pytest.mark.parametrize(
    ("path", "advice"),
    [
        (
            "/v3/hooks/12",
            "webhooks need no scope beyond default; the store owner may have changed, or a platform limit is reached",
        ),
        ("/v3/customers", "the API account lacks a scope this operation needs"),
        ("/v3/catalogue", "the API account lacks a scope this operation needs"),
    ],
)
def test_a_403_outside_the_scope_table_says_so_without_guessing(path: str, advice: str) -> None:
    assert required_scope("GET", path) is None
    assert scope_advice("GET", path) == advice


async def test_a_jobs_403_names_the_scope_on_the_cli(hub: Hub, hub_settings: Settings, sandbox: Sandbox) -> None:
    store = store_without(sandbox, "scp3", ORDERS)
    add_connection(hub, store, role=Role.MERCHANT)
    await hub.orders.change_settings("shop", {"import_statuses": "11"}, check_statuses=False)
    job = hub.jobs.run("get_orders", "shop").job
    await hub.jobs.runner("w1").run(job.id)

    state = CliState(
        open_hub=lambda: Hub(hub_settings, transport=transport_for(sandbox)),
        out=Console(width=400, highlight=False, soft_wrap=True),
        err=Console(width=400, stderr=True, highlight=False, soft_wrap=True),
    )
    shown = CliRunner().invoke(cli, ["connections", "show", "shop", "--json"], obj=state)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["health"]["reason"] == (
        "403 on GET /v2/orders: the API account lacks the scope store_v2_orders read-only (control panel: "
        "Settings › API accounts, Orders: read-only); fix it, then test the connection to resume its jobs"
    )

"""Every outcome of testing a connection, against sandbox stores with right and wrong credentials."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.connections import AuthType, HealthStatus, Role
from bchub.settings import Settings
from bchub.sync.connections import CredentialInput, NewConnection
from bchub.sync.connections.probe import ProblemKind
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from tests.support.secrets_guard import SecretsGuard

pytestmark = pytest.mark.anyio

FULL = "store_v2_products store_v2_orders store_inventory store_locations store_v2_information"


def token_of(store: Store) -> str:
    return next(iter(store.accounts))


def add(
    hub: Hub,
    store: Store,
    *,
    role: Role = Role.MERCHANT,
    token: str | None = None,
    store_hash: str | None = None,
    operations: list[str] | None = None,
) -> str:
    connection = hub.connections.add(
        NewConnection(
            role,
            CredentialInput(store_hash=store_hash or store.hash, access_token=token or token_of(store)),
            name="shop",
            operations=operations,
        )
    )
    return connection.name


def writes(sandbox: Sandbox, store: Store) -> list[tuple[str, str, int]]:
    return [(entry.method, entry.path, entry.status) for entry in sandbox.requests(store.hash) if entry.method != "GET"]


async def test_full_access_passes_and_changes_nothing(
    hub: Hub, sandbox: Sandbox, store: Store, secrets_guard: SecretsGuard
) -> None:
    secrets_guard.add(token_of(store), label="access token")
    name = add(hub, store)

    report = await hub.connections.test(name)

    assert report.passed, report.headline()
    assert report.headline() == "TEST PASSED: connected to Test Store (abc123, Enterprise)"
    assert {check.need.name for check in report.checks} >= {
        "store_v2_information_read_only",
        "store_v2_products",
        "store_v2_orders",
        "store_inventory",
        "store_locations_read_only",
    }
    assert all(check.granted for check in report.checks)
    # the write probes reached the API and were refused for want of a target
    assert {(method, path) for method, path, _ in writes(sandbox, store)} == {
        ("PUT", "/v3/catalog/products/0"),
        ("PUT", "/v2/orders/0"),
        ("PUT", "/v3/inventory/adjustments/absolute"),
    }
    assert all(400 <= status < 500 and status != 403 for _, _, status in writes(sandbox, store))
    connection = hub.connections.get(name)
    assert connection.health.status is HealthStatus.OK and connection.health.checked_at is not None
    assert connection.store_name == "Test Store"
    assert connection.store_url == "https://abc123.sandbox.mybigcommerce.com"
    secrets_guard.check(repr(report), "the report")


async def test_wrong_token_is_401_with_what_to_do(hub: Hub, sandbox: Sandbox, store: Store) -> None:
    name = add(hub, store, token="wrongtoken0123456789abcd")

    report = await hub.connections.test(name)

    assert not report.passed
    [problem] = report.problems
    assert problem.kind is ProblemKind.AUTH_FAILED
    assert "****abcd" in problem.message and "wrong or has been revoked" in problem.message
    assert "Create a new API account" in problem.fix
    assert report.headline().startswith("TEST FAILED: the access token ****abcd was refused (401")
    assert len(sandbox.requests(store.hash)) == 1  # nothing else is tried
    health = hub.connections.get(name).health
    assert health.status is HealthStatus.NEEDS_ATTENTION and "401" in (health.reason or "")


async def test_revoked_token_is_401(hub: Hub, store: Store) -> None:
    name = add(hub, store)
    store.revoke(token_of(store))
    report = await hub.connections.test(name)
    assert [problem.kind for problem in report.problems] == [ProblemKind.AUTH_FAILED]


async def test_wrong_hash_is_404_and_says_where_to_find_it(hub: Hub, store: Store) -> None:
    name = add(hub, store, store_hash="xyz789")

    report = await hub.connections.test(name)

    [problem] = report.problems
    assert problem.kind is ProblemKind.STORE_NOT_FOUND
    assert "'xyz789'" in problem.message and "hash is wrong" in problem.message
    assert "/stores/" in problem.fix and "store-" in problem.fix
    assert hub.connections.get(name).health.status is HealthStatus.NEEDS_ATTENTION


async def test_read_only_orders_scope_names_the_missing_write_scope(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store(
        "ro1",
        name="Read Only",
        scopes="store_v2_orders_read_only store_v2_products store_inventory store_locations store_v2_information",
    )
    name = add(hub, store)

    report = await hub.connections.test(name)

    assert not report.passed and not report.problems
    [gap] = report.gaps
    assert gap.need.name == "store_v2_orders" and str(gap.need) == "store_v2_orders modify"
    assert gap.blocks == ("write shipments to orders",)
    assert (
        report.headline()
        == "TEST FAILED: connected to Read Only (ro1, Standard), but 1 scope missing: store_v2_orders modify"
    )
    assert report.scope_fix is not None and "create a new API account" in report.scope_fix
    health = hub.connections.get(name).health
    assert health.status is HealthStatus.NEEDS_ATTENTION
    assert health.reason == "missing scopes: store_v2_orders modify"


async def test_missing_read_scope_blocks_reads_and_writes(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store(
        "noord", scopes="store_v2_products store_inventory store_locations store_v2_information"
    )
    name = add(hub, store, role=Role.BOTH)

    report = await hub.connections.test(name)

    [gap] = report.gaps
    assert str(gap.need) == "store_v2_orders modify"
    assert gap.blocks == (
        "get orders",
        "write shipments to orders",
        "send dropship orders to the vendor",
        "get the vendor's shipments",
    )
    assert ("PUT", "/v2/orders/0") not in {(m, p) for m, p, _ in writes(sandbox, store)}  # the read's 403 settled it


async def test_vendor_with_read_only_catalog_passes_and_catalog_is_never_written(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store(
        "vend1",
        name="Vendor",
        scopes="store_v2_products_read_only store_v2_orders store_inventory_read_only store_locations_read_only store_v2_information_read_only",
    )
    name = add(hub, store, role=Role.VENDOR)

    report = await hub.connections.test(name)

    assert report.passed, report.headline()
    assert [(m, p) for m, p, _ in writes(sandbox, store)] == [("PUT", "/v2/orders/0")]


async def test_missing_store_information_scope(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("noinfo", scopes="store_v2_products store_v2_orders store_inventory store_locations")
    name = add(hub, store)

    report = await hub.connections.test(name)

    assert [gap.need.name for gap in report.gaps] == ["store_v2_information_read_only"]
    assert report.headline().startswith("TEST FAILED: the token is valid for noinfo, but 1 scope missing")


async def test_narrowed_operations_probe_only_their_scopes(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("narrow", scopes="store_v2_orders_read_only store_v2_information_read_only")
    name = add(hub, store, operations=["get_orders"])
    report = await hub.connections.test(name)
    assert report.passed, report.headline()
    assert writes(sandbox, store) == []


@pytest.mark.parametrize(
    ("rule", "kind", "says"),
    [
        (FaultRule(path="/v2/store", error_rate=1.0, error_statuses=(503,)), ProblemKind.SERVER_ERROR, "503"),
        (FaultRule(path="/v2/orders*", rate_limit_burst=5), ProblemKind.RATE_LIMITED, "quota"),
    ],
)
async def test_outages_do_not_change_health(
    hub: Hub, store: Store, rule: FaultRule, kind: ProblemKind, says: str
) -> None:
    name = add(hub, store)
    assert (await hub.connections.test(name)).passed
    store.faults.add(rule)

    report = await hub.connections.test(name)

    assert [problem.kind for problem in report.problems] == [kind]
    assert says in report.headline()
    assert not report.definite
    assert hub.connections.get(name).health.status is HealthStatus.OK


class Unreachable(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


async def test_network_error_names_the_url(hub_settings: Settings, store: Store) -> None:
    with Hub(hub_settings, transport=Unreachable()) as hub:
        name = add(hub, store)
        report = await hub.connections.test(name)
        [problem] = report.problems
        assert problem.kind is ProblemKind.NETWORK
        assert "could not reach http://sandbox.test" in problem.message
        assert "BCHUB_BIGCOMMERCE_API_URL" in problem.fix
        assert hub.connections.get(name).health.status is HealthStatus.UNKNOWN


async def test_oauth_connection_uses_scopes_recorded_at_install(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("oauth1", scopes=FULL)
    connection = hub.connections.save_installed_token(
        store.hash,
        token_of(store),
        frozenset(
            {
                "store_v2_orders_read_only",
                "store_v2_products",
                "store_inventory",
                "store_locations",
                "store_v2_information",
            }
        ),
        "app-client-id",
        Role.MERCHANT,
    )
    assert connection.auth_type is AuthType.OAUTH

    report = await hub.connections.test(connection.name)

    # the token itself could write orders, but the install granted read-only: that is what counts
    assert [str(gap.need) for gap in report.gaps] == ["store_v2_orders modify"]
    assert writes(sandbox, store) == []  # no write probes for OAuth connections
    assert {check.evidence for check in report.checks if check.need.access.value == "modify"} == {
        "scopes granted at app install"
    }
    assert report.scope_fix is not None and "Developer Portal" in report.scope_fix


async def test_connection_without_token(hub: Hub, sandbox: Sandbox) -> None:
    store = sandbox.create_store("gone1")
    connection = hub.connections.save_installed_token(
        store.hash, token_of(store), frozenset(FULL.split()), "app", Role.MERCHANT
    )
    hub.connections.mark_uninstalled(store.hash)
    report = await hub.connections.test(connection.name)
    assert [problem.kind for problem in report.problems] == [ProblemKind.NO_TOKEN]
    assert sandbox.requests(store.hash) == []


async def test_test_output_never_contains_the_token(
    hub: Hub, store: Store, secrets_guard: SecretsGuard, tmp_path: Path
) -> None:
    token = token_of(store)
    secrets_guard.add(token, label="access token")
    name = add(hub, store, token=token)
    store.revoke(token)
    report = await hub.connections.test(name)
    secrets_guard.check(report.headline() + repr(report) + report.reason(), "the failed report")

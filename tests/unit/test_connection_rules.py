"""The health rule, scope needs per role, and the Secret wrapper."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bchub.domain.connections import (
    AuthType,
    Connection,
    HealthStatus,
    Role,
    credentials_changed,
    healthy,
    is_paused,
    needs_attention,
    validate_name,
)
from bchub.domain.scopes import (
    INFORMATION,
    INVENTORY,
    ORDERS,
    PRODUCTS,
    enabled_operations,
    modify,
    needs_of,
    read,
    scope_gaps,
)
from bchub.domain.secrets import Secret
from bchub.errors import InputError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "cc4corno7j5xoisu07d1ixn4q28gp07"


def connection(role: Role = Role.MERCHANT) -> Connection:
    return Connection(
        name="main", role=role, store_hash="abc123", auth_type=AuthType.PRIVATE, access_token=Secret(TOKEN)
    )


def test_needs_attention_pauses_until_a_test_passes() -> None:
    fresh = connection()
    assert not is_paused(fresh)
    broken = needs_attention(fresh, "401 on GET /v2/orders", NOW)
    assert is_paused(broken)
    assert broken.health.reason == "401 on GET /v2/orders" and broken.health.checked_at == NOW
    # new credentials alone do not resume the jobs ...
    assert is_paused(credentials_changed(broken))
    # ... a passing test does
    assert not is_paused(healthy(broken, NOW))


def test_disabled_connections_are_paused() -> None:
    assert is_paused(connection().replace(enabled=False))


def test_new_credentials_forget_an_ok_health() -> None:
    tested = healthy(connection(), NOW)
    assert credentials_changed(tested).health.status is HealthStatus.UNKNOWN


def test_role_both_includes_merchant_and_vendor() -> None:
    assert Role.BOTH.includes(Role.MERCHANT) and Role.BOTH.includes(Role.VENDOR)
    assert not Role.VENDOR.includes(Role.MERCHANT)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101, "tab\tname"])
def test_connection_names(bad: str) -> None:
    assert validate_name("  main store ") == "main store"
    with pytest.raises(InputError):
        validate_name(bad)


def test_a_vendor_never_needs_to_modify_the_catalog() -> None:
    needs = needs_of(enabled_operations(Role.VENDOR))
    assert modify(PRODUCTS) not in needs
    assert read(PRODUCTS) in needs and modify(ORDERS) in needs
    assert needs[0] == read(INFORMATION)


def test_merchant_needs_write_scopes() -> None:
    needs = needs_of(enabled_operations(Role.MERCHANT))
    assert {modify(PRODUCTS), modify(ORDERS), modify(INVENTORY)} <= set(needs)


def test_operations_can_be_narrowed_and_unknown_ones_are_refused() -> None:
    assert [op.key for op in enabled_operations(Role.BOTH, ["get_orders", "send_vendor_orders"])] == [
        "get_orders",
        "send_vendor_orders",
    ]
    with pytest.raises(InputError, match="unknown operation"):
        enabled_operations(Role.MERCHANT, ["teleport"])


def test_scope_names_and_read_only_twins() -> None:
    assert modify(ORDERS).name == "store_v2_orders"
    assert read(ORDERS).name == "store_v2_orders_read_only"
    assert str(modify(ORDERS)) == "store_v2_orders modify"
    assert modify(ORDERS).label == "Orders: modify"
    assert read(ORDERS).granted_by(frozenset({"store_v2_orders"}))
    assert read(ORDERS).granted_by(frozenset({"store_v2_orders_read_only"}))
    assert not modify(ORDERS).granted_by(frozenset({"store_v2_orders_read_only"}))


def test_gaps_name_the_blocked_operations() -> None:
    granted = frozenset(
        {"store_v2_orders_read_only", "store_v2_products", "store_inventory", "store_locations", "store_v2_information"}
    )
    gaps = scope_gaps(enabled_operations(Role.BOTH), lambda need: need.granted_by(granted))
    assert [str(gap.need) for gap in gaps] == ["store_v2_orders modify"]
    assert gaps[0].blocks == ("write shipments to orders", "send dropship orders to the vendor")


def test_a_missing_scope_is_reported_once_as_modify() -> None:
    granted = frozenset({"store_v2_information_read_only", "store_v2_products", "store_inventory", "store_locations"})
    gaps = scope_gaps(enabled_operations(Role.MERCHANT), lambda need: need.granted_by(granted))
    assert len(gaps) == 1
    assert gaps[0].need == modify(ORDERS)
    assert gaps[0].blocks == ("get orders", "write shipments to orders")


def test_secret_masks_itself_everywhere() -> None:
    secret = Secret(TOKEN)
    for text in (str(secret), repr(secret), f"{secret}", f"{secret:>20}", str([secret]), str({"t": secret})):
        assert TOKEN not in text
        assert "gp07" in text
    assert secret.reveal() == TOKEN
    assert str(Secret("shorty")) == "****"


def test_deferred_secret_loads_once() -> None:
    calls: list[int] = []

    def load() -> str:
        calls.append(1)
        return TOKEN

    secret = Secret.deferred(load, "****gp07")
    assert str(secret) == "****gp07" and not calls
    assert secret.reveal() == TOKEN and secret.reveal() == TOKEN
    assert calls == [1]

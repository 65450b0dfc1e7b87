"""Which hook scopes receive which event scopes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bcsandbox.backends.hooks import destination_problem, scope_matches

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=8)
scope_parts = st.lists(segment, min_size=2, max_size=6)


@pytest.mark.parametrize(
    ("subscribed", "event", "expected"),
    [
        ("store/order/created", "store/order/created", True),
        ("store/order/created", "store/order/updated", False),
        ("store/order/*", "store/order/created", True),
        ("store/order/*", "store/order/statusUpdated", True),
        ("store/order/*", "store/order/message/created", True),
        ("store/order/*", "store/orders/created", False),
        ("store/order/*", "store/order", False),
        ("store/product/*", "store/product/inventory/updated", True),
        ("store/product/*", "store/sku/updated", False),
        ("store/sku/*", "store/sku/inventory/order/updated", True),
        ("store/shipment/*", "store/shipment/deleted", True),
        ("store/cart/*", "store/cart/lineItem/created", True),
        ("store/channel/*/inventory/product/stock_changed", "store/channel/1/inventory/product/stock_changed", True),
        ("store/channel/*/inventory/product/stock_changed", "store/channel/*/inventory/product/stock_changed", True),
        (
            "store/channel/*/inventory/product/stock_changed",
            "store/channel/1/inventory/product/out_of_stock_reached",
            False,
        ),
        ("store/inventory/location/created", "store/inventory/location/created", True),
        ("store/inventory/location/created", "store/inventory/location/updated", False),
    ],
)
def test_scope_matching(subscribed: str, event: str, expected: bool) -> None:
    assert scope_matches(subscribed, event) is expected


@given(scope_parts)
def test_a_scope_always_matches_itself(parts: list[str]) -> None:
    assert scope_matches("/".join(parts), "/".join(parts))


@given(scope_parts, st.lists(segment, min_size=1, max_size=3))
def test_a_trailing_wildcard_matches_every_deeper_scope(prefix: list[str], rest: list[str]) -> None:
    assert scope_matches("/".join([*prefix, "*"]), "/".join([*prefix, *rest]))
    assert not scope_matches("/".join([*prefix, "*"]), "/".join(prefix))


@given(scope_parts, scope_parts)
def test_exact_scopes_match_only_when_equal(first: list[str], second: list[str]) -> None:
    assert scope_matches("/".join(first), "/".join(second)) == (first == second)


@pytest.mark.parametrize(
    ("destination", "accepted"),
    [
        ("https://app.example.com/wh", True),
        ("https://app.example.com:8443/wh", True),
        ("http://127.0.0.1:8000/wh", True),
        ("http://127.5.0.1/wh", True),
        ("http://localhost:8000/wh", True),
        ("http://[::1]:8000/wh", True),
        ("http://app.example.com/wh", False),
        ("http://10.0.0.5/wh", False),
        ("ftp://localhost/wh", False),
        ("https:///nohost", False),
        ("https://app.example.com:99999/wh", False),
        ("/relative/path", False),
    ],
)
def test_destination_rules(destination: str, accepted: bool) -> None:
    assert (destination_problem(destination) is None) is accepted

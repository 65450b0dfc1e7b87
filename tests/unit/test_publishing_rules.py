"""Pure publishing rules: attribute length policy, push hashes and plans, vendor stock rules, diffs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.domain.catalog import Attribute
from bchub.domain.publishing import (
    ATTRIBUTE_MAX,
    AttributePolicy,
    AttributeTooLong,
    PushState,
    VendorStockRule,
    apply_attribute_policy,
    field_diff,
    plan_push,
    published_stock,
)
from bchub.errors import InputError

LONG = "y" * 251
FIELDS = (Attribute("ok", "fine"), Attribute("long value", LONG), Attribute("n" * 260, "v"))


def test_truncate_cuts_names_and_values_to_250() -> None:
    kept = apply_attribute_policy(FIELDS, AttributePolicy.TRUNCATE)
    assert kept == (Attribute("ok", "fine"), Attribute("long value", "y" * 250), Attribute("n" * 250, "v"))


def test_skip_leaves_the_long_fields_out() -> None:
    assert apply_attribute_policy(FIELDS, AttributePolicy.SKIP) == (Attribute("ok", "fine"),)


def test_fail_names_the_field_and_its_length() -> None:
    with pytest.raises(AttributeTooLong, match=r"'long value' has a value of 251 characters"):
        apply_attribute_policy(FIELDS, AttributePolicy.FAIL)


def test_exactly_250_is_accepted_under_every_policy() -> None:
    edge = (Attribute("a" * ATTRIBUTE_MAX, "b" * ATTRIBUTE_MAX),)
    for policy in AttributePolicy:
        assert apply_attribute_policy(edge, policy) == edge


@given(st.lists(st.tuples(st.text(max_size=300), st.text(max_size=300)), max_size=5))
def test_truncated_fields_always_fit(pairs: list[tuple[str, str]]) -> None:
    kept = apply_attribute_policy([Attribute(n, v) for n, v in pairs], AttributePolicy.TRUNCATE)
    assert len(kept) == len(pairs)
    assert all(len(f.name) <= ATTRIBUTE_MAX and len(f.value) <= ATTRIBUTE_MAX for f in kept)


def test_push_plan_sends_only_managed_parts_that_changed() -> None:
    state = PushState(Decimal("10.00"), None, 5)
    assert plan_push(state, None, None).price and plan_push(state, None, None).stock
    same = plan_push(state, state.price_hash(), state.stock_hash())
    assert not same.any
    # 10.0 and 10.00 are the same price: no push
    assert not plan_push(PushState(Decimal("10.0"), None, 5), state.price_hash(), state.stock_hash()).any
    moved = plan_push(PushState(Decimal("10"), None, 6), state.price_hash(), state.stock_hash())
    assert (moved.price, moved.stock) == (False, True)
    unmanaged = plan_push(PushState(None, None, None), None, None)
    assert not unmanaged.any


@given(st.integers(0, 10_000), st.integers(0, 50), st.one_of(st.none(), st.integers(0, 500)), st.booleans())
def test_vendor_rule_levels_stay_within_bounds(quantity: int, buffer: int, cap: int | None, zero: bool) -> None:
    rule = VendorStockRule(buffer, cap, zero)
    level = rule.published(quantity)
    assert 0 <= level <= quantity
    assert level == (min(max(quantity - buffer, 0), cap) if cap is not None else max(quantity - buffer, 0))
    assert rule.published(quantity, discontinued=True) == (0 if zero else level)


def test_vendor_rules_reject_negative_numbers() -> None:
    with pytest.raises(InputError):
        VendorStockRule(buffer=-1)
    with pytest.raises(InputError):
        VendorStockRule(cap=-5)


def test_published_stock_prefers_the_supplier_then_a_spreadsheet_never_the_merchant() -> None:
    stock = {"connection:7": 20, "csv": 3, "connection:1": 99}
    assert published_stock(7, stock, VendorStockRule(buffer=5)) == 15
    assert published_stock(None, stock, None) == 3
    assert published_stock(8, {"connection:1": 99}, None) is None
    assert published_stock(7, {}, VendorStockRule(zero_when_discontinued=True), discontinued=True) == 0


def test_field_diff_lists_only_changed_fields() -> None:
    before = {"name": "Lamp", "price": 10.0, "weight": 1.0}
    after = {"name": "Desk lamp", "price": 10.0, "weight": 1.0, "brand_name": "Acme"}
    assert field_diff(before, after) == {"name": ("Lamp", "Desk lamp"), "brand_name": (None, "Acme")}

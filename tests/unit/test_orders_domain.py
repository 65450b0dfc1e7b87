"""Order rules: settings, what is imported, matching, holds, vendor groups and keys, PII, shipments, explain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bchub.domain.orders import (
    AWAITING_PICKUP,
    COMPLETED,
    Address,
    Destination,
    ImportAs,
    ItemMatch,
    Order,
    OrderLine,
    RemoteFacts,
    RouteState,
    ShipmentDetails,
    ShipmentLine,
    allocate_shipment,
    change_settings,
    erase_pii,
    explain_absence,
    external_order_key,
    hold_reasons,
    importable,
    is_pickup,
    match_line,
    order_settings,
    purge_pii,
    route_state_for,
    settings_document,
    status_after_shipping,
    vendor_groups,
)
from bchub.errors import ConfigurationError, InputError

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CUSTOMER = Address(
    first_name="Ava",
    last_name="Nguyen",
    street_1="12 Oak St",
    city="Austin",
    state="Texas",
    zip="78701",
    country="United States",
    country_iso2="US",
    phone="555-1234",
    email="ava@example.com",
)


def _order(*lines: OrderLine, status_id: int = 11, destinations: list[Destination] | None = None) -> Order:
    return Order(
        connection_id=1,
        store_order_id=101,
        status_id=status_id,
        status="Awaiting Fulfillment",
        date_created=NOW - timedelta(days=2),
        date_modified=NOW - timedelta(days=1),
        billing=CUSTOMER,
        destinations=[Destination(7, CUSTOMER, "Flat Rate")] if destinations is None else destinations,
        lines=list(lines),
    )


def _line(
    order_product_id: int, sku: str, quantity: int = 1, *, vendor: int | None = None, address: int | None = 7
) -> OrderLine:
    return OrderLine(
        order_product_id, sku, f"Item {sku}", quantity, order_address_id=address, vendor_connection_id=vendor
    )


# -- settings -----------------------------------------------------------------------------------


def test_settings_changes_parse_lists_nested_addresses_and_removals() -> None:
    settings = change_settings(
        None,
        {
            "import_statuses": "11, 9",
            "created_within_days": "30",
            "acknowledge_status": "9",
            "business_address.first_name": "Corner",
            "business_address.street_1": "1 Main St",
            "business_address.city": "Austin",
            "business_address.zip": "78701",
            "business_address.country_iso2": "us",
            "route_on_import": "true",
        },
    )
    assert settings.import_statuses == [11, 9]
    assert settings.created_within_days == 30
    assert settings.business_address is not None and settings.business_address.country_iso2 == "US"
    assert settings.route_on_import is True
    again = change_settings(settings_document(settings), {"created_within_days": "", "acknowledge_status": None})
    assert again.created_within_days is None and again.acknowledge_status is None
    assert again.import_statuses == [11, 9]


def test_settings_document_keeps_only_what_differs_from_defaults() -> None:
    document = settings_document(change_settings(None, {"import_statuses": "11"}))
    assert document == {"import_statuses": [11]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"import_statuse": "11"}, "unknown order setting 'import_statuse'"),
        ({"created_within_days": "0"}, "created_within_days"),
        ({"import_as": "quote"}, "import_as"),
        ({"business_address.zip": "7"}, "business_address"),
        ({"import_statuses.x": "1"}, "has no parts"),
    ],
)
def test_invalid_settings_are_refused_with_the_field_named(changes: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        change_settings(None, changes)


def test_invalid_stored_settings_say_how_to_fix_them() -> None:
    with pytest.raises(ConfigurationError, match="bchub orders settings"):
        order_settings({"import_as": "nonsense"})


def test_defaults_follow_the_seeds() -> None:
    settings = order_settings(None)
    assert settings.import_as is ImportAs.CASH_SALE
    assert settings.vendor_status_id == 0  # Onport: Incomplete unless the vendor wants otherwise
    assert settings.import_statuses == []


# -- what gets imported -------------------------------------------------------------------------


def test_importable_needs_a_status_to_import_and_a_recent_enough_order() -> None:
    settings = change_settings(None, {"import_statuses": "11", "created_within_days": "7"})
    assert importable(11, NOW - timedelta(days=6), settings, NOW)
    assert not importable(11, NOW - timedelta(days=8), settings, NOW)
    assert not importable(9, NOW, settings, NOW)
    any_age = change_settings(None, {"import_statuses": "11"})
    assert importable(11, NOW - timedelta(days=3000), any_age, NOW)


# -- matching and holds -------------------------------------------------------------------------


def test_match_line_says_why_a_line_matched_nothing() -> None:
    assert (
        match_line(_line(1, ""), None).unmatched_reason == "the line has no SKU, so it cannot be matched to a hub item"
    )
    assert "no hub item has the SKU 'X-1'" in (match_line(_line(1, "X-1"), None).unmatched_reason or "")
    no_listing = match_line(_line(1, "V-1"), ItemMatch("V-1", 5, vendor_connection_id=3))
    assert no_listing.item_id == 5 and "no listing in that vendor's store" in (no_listing.unmatched_reason or "")
    matched = match_line(_line(1, "V-1"), ItemMatch("V-1", 5, 3, 40, 41))
    assert (matched.item_id, matched.vendor_connection_id, matched.unmatched_reason) == (5, 3, None)


def test_holds_for_unmatched_lines_short_stock_and_lines_without_an_address() -> None:
    matches = {"V-1": ItemMatch("V-1", 5, 3, 40, 41, vendor_stock=1), "V-2": ItemMatch("V-2", 6, 3, 42, None)}
    order = _order(
        match_line(_line(1, "V-1", 2), matches["V-1"]),
        match_line(_line(2, "NOPE"), None),
        match_line(_line(3, "V-2", address=None), matches["V-2"]),
    )
    reasons = hold_reasons(order, matches)
    assert any("vendor has 1 in stock, the order needs 2" in reason for reason in reasons)
    assert any("no hub item has the SKU 'NOPE'" in reason for reason in reasons)
    assert any("line 3 (V-2): no shipping address" in reason for reason in reasons)
    assert hold_reasons(_order(match_line(_line(1, "V-1"), matches["V-1"])), matches) == []


def test_route_state_of_new_orders() -> None:
    assert route_state_for(_order(_line(1, "OWN"))) is RouteState.NOT_NEEDED
    assert route_state_for(_order(_line(1, "V", vendor=3))) is RouteState.PENDING
    assert route_state_for(_order(_line(1, "V", vendor=3), status_id=5)) is RouteState.CANCELLED
    unmatched = _order(_line(1, "X"))
    unmatched.lines[0].unmatched_reason = "no hub item"
    assert route_state_for(unmatched) is RouteState.PENDING  # held at routing, never silently skipped


# -- vendor groups and keys ---------------------------------------------------------------------


def test_vendor_groups_split_per_vendor_and_address_and_skip_own_lines() -> None:
    order = _order(
        _line(1, "A", vendor=4),
        _line(2, "OWN"),
        _line(3, "B", vendor=3),
        _line(4, "C", vendor=4, address=8),
        _line(5, "D", vendor=4),
    )
    groups = vendor_groups(order)
    assert [
        (group.vendor_connection_id, group.order_address_id, [line.sku for line in group.lines]) for group in groups
    ] == [
        (3, 7, ["B"]),
        (4, 7, ["A", "D"]),
        (4, 8, ["C"]),
    ]


def test_external_order_key_is_deterministic_and_split_by_address_only_when_needed() -> None:
    assert external_order_key("mrch001", 101, "vnd0001") == "bchub-mrch001-101-vnd0001"
    assert external_order_key("mrch001", 101, "vnd0001", 7) == "bchub-mrch001-101-vnd0001"
    assert external_order_key("mrch001", 101, "vnd0001", 7, split_by_address=True) == "bchub-mrch001-101-vnd0001-a7"


# -- PII ------------------------------------------------------------------------------------------


def test_purge_keeps_order_facts_country_and_zip_prefix() -> None:
    order = _order(_line(1, "A", 2))
    order.customer_message = "Ring Ava on 555-1234"
    purged = purge_pii(order, NOW)
    assert erase_pii(CUSTOMER) == Address(zip="787", country="United States", country_iso2="US")
    assert purged.billing == purged.destinations[0].address == erase_pii(CUSTOMER)
    assert purged.destinations[0].order_address_id == 7 and purged.destinations[0].shipping_method == "Flat Rate"
    assert purged.customer_message == "" and purged.pii_purged_at == NOW
    assert purged.lines == order.lines and purged.store_order_id == 101


# -- shipments ------------------------------------------------------------------------------------


def test_allocate_shipment_fills_lines_in_order_and_groups_per_address() -> None:
    order = _order(_line(1, "A", 2), _line(2, "A", 3), _line(3, "B", 1, address=8))
    order.lines[0].quantity_shipped = 1
    assert allocate_shipment(order, [("A", 3), ("B", 1)]) == [
        (7, [ShipmentLine(1, 1), ShipmentLine(2, 2)]),
        (8, [ShipmentLine(3, 1)]),
    ]
    with pytest.raises(InputError, match="only 2 left unshipped"):
        allocate_shipment(order, [("A", 3)], reserved={2: 2})
    with pytest.raises(InputError, match="ZZ is not a shipped line of order #101"):
        allocate_shipment(order, [("ZZ", 1)])
    with pytest.raises(InputError, match="1 or more"):
        allocate_shipment(order, [("A", 0)])


def test_status_after_shipping_pickup_completed_or_left_to_bigcommerce() -> None:
    pickup_on = change_settings(None, {"pickup_in_store": "true", "complete_when_shipped": "true"})
    shipped = _order(_line(1, "A", 1))
    shipped.lines[0].quantity_shipped = 1
    partly = _order(_line(1, "A", 2))
    partly.lines[0].quantity_shipped = 1
    assert status_after_shipping(partly, pickup=True, settings=pickup_on) == AWAITING_PICKUP
    assert status_after_shipping(shipped, pickup=False, settings=pickup_on) == COMPLETED
    assert status_after_shipping(partly, pickup=False, settings=pickup_on) is None
    assert status_after_shipping(shipped, pickup=False, settings=order_settings(None)) is None


def test_pickup_is_recognised_by_carrier_provider_or_method_when_enabled() -> None:
    enabled = change_settings(None, {"pickup_in_store": "true"})
    assert is_pickup(ShipmentDetails(tracking_carrier="Pickup In Store"), enabled)
    assert is_pickup(ShipmentDetails(shipping_method="click and collect"), enabled)
    assert not is_pickup(ShipmentDetails(tracking_carrier="ups"), enabled)
    assert not is_pickup(ShipmentDetails(tracking_carrier="pickup"), order_settings(None))


# -- explain --------------------------------------------------------------------------------------


def _facts(status_id: int = 11, created_days_ago: int = 1, modified: datetime | None = None) -> RemoteFacts:
    return RemoteFacts(
        101, status_id, "x", NOW - timedelta(days=created_days_ago), modified or NOW - timedelta(hours=5)
    )


def _codes(facts: RemoteFacts | None, settings_changes: dict[str, str], **kwargs: object) -> list[str]:
    settings = change_settings(None, settings_changes)
    arguments: dict[str, object] = {
        "connection_name": "shop",
        "now": NOW,
        "cursor": NOW - timedelta(hours=1),
        "paused_reason": None,
    }
    arguments.update(kwargs)
    return [reason.code for reason in explain_absence(facts, settings, **arguments)]  # type: ignore[arg-type]


def test_explain_names_status_age_and_connection_problems_together() -> None:
    assert _codes(_facts(status_id=2, created_days_ago=40), {"import_statuses": "11", "created_within_days": "30"}) == [
        "status",
        "too_old",
    ]
    assert _codes(_facts(), {"import_statuses": "11"}, paused_reason="401 on GET /v2/orders") == ["needs_attention"]
    assert _codes(None, {"import_statuses": "11"}) == ["not_found"]
    assert _codes(_facts(), {}) == ["no_statuses"]


def test_explain_timing_reasons() -> None:
    settings = {"import_statuses": "11"}
    assert _codes(_facts(modified=NOW - timedelta(minutes=10)), settings) == ["after_last_run"]
    assert _codes(_facts(), settings, cursor=None) == ["never_run"]
    assert _codes(_facts(), settings, last_run_error="GET /v2/orders -> 500") == ["run_failed"]
    assert _codes(_facts(), settings) == ["unexplained"]


def test_explain_messages_carry_the_fix() -> None:
    settings = change_settings(None, {"import_statuses": "11"})
    (reason,) = explain_absence(
        _facts(status_id=9), settings, connection_name="shop", now=NOW, cursor=None, paused_reason=None
    )
    assert "Awaiting Shipment (9), not among the statuses to import (Awaiting Fulfillment (11))" in reason.message
    assert "import_statuses=11,9" in reason.fix and "bchub orders get shop --id 101" in reason.fix


def test_unmatched_lines_stay_with_the_merchant_when_an_order_is_forced_through() -> None:
    unmatched = _line(2, "B", vendor=3)
    unmatched.unmatched_reason = "no listing in that vendor's store"
    groups = vendor_groups(_order(_line(1, "A", vendor=3), unmatched))
    assert [[line.sku for line in group.lines] for group in groups] == [["A"]]

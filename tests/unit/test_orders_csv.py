"""Reading shipment CSV files: header aliases, row checks with spreadsheet row numbers, grouping into shipments."""

from __future__ import annotations

import pytest

from bchub.domain.orders import ShipmentDetails
from bchub.errors import InputError
from bchub.sync.orders.shipments import group_csv_rows, parse_csv


def test_aliases_bom_blank_lines_and_row_numbers() -> None:
    text = "\ufeffOrder Number,SKU,Qty,Tracking Number,Carrier,Shipping Method\n101,A-1,2,1Z1,ups,Ground\n\n#102,B-2,1,,usps,\n"
    rows, errors = parse_csv(text)
    assert errors == []
    assert [(row.row, row.store_order_id, row.sku, row.quantity) for row in rows] == [
        (2, 101, "A-1", 2),
        (4, 102, "B-2", 1),
    ]
    assert rows[0].details == ShipmentDetails(tracking_number="1Z1", tracking_carrier="ups", shipping_method="Ground")


def test_bad_rows_are_reported_and_good_ones_kept() -> None:
    text = "order,sku,quantity,tracking\n101,A,1,T1\nx,A,1,T2\n102,,0,T3\n103,C,1," + "9" * 51 + "\n"
    rows, errors = parse_csv(text)
    assert [row.row for row in rows] == [2]
    assert [(error.row, error.message) for error in errors] == [
        (3, "order must be an order number, got 'x'"),
        (4, "sku is empty; quantity must be a whole number of 1 or more, got '0'"),
        (5, "tracking is longer than the 50 characters BigCommerce keeps"),
    ]


def test_required_columns() -> None:
    with pytest.raises(InputError, match="missing: sku, quantity"):
        parse_csv("order,tracking\n1,T\n")
    with pytest.raises(InputError, match="empty"):
        parse_csv("")


def test_rows_with_the_same_order_and_tracking_are_one_shipment() -> None:
    rows, _ = parse_csv("order,sku,quantity,tracking\n101,A,1,T1\n102,B,1,T1\n101,C,2,T1\n101,D,1,T2\n")
    groups = group_csv_rows(rows)
    assert [(numbers, shipment.store_order_id, list(shipment.items)) for numbers, shipment in groups] == [
        ([2, 4], 101, [("A", 1), ("C", 2)]),
        ([3], 102, [("B", 1)]),
        ([5], 101, [("D", 1)]),
    ]

"""Scenario 4: webhooks dropped, sent twice and late; the scheduled reconcile makes the hub match the stores.

Orders, vendor shipments and vendor stock levels are counted on both sides.

Size: ``BCHUB_FAULT_WEBHOOK_ORDERS`` (60 by default) merchant orders in four batches;
``benchmarks/faults_webhooks.py`` runs it larger.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.webhook_scenario import webhooks_under_faults

pytestmark = pytest.mark.anyio


def orders() -> int:
    return int(os.environ.get("BCHUB_FAULT_WEBHOOK_ORDERS", 60))


async def test_the_reconcile_brings_the_hub_to_the_stores_state_whatever_the_webhooks_did(tmp_path: Path) -> None:
    result, counts = await webhooks_under_faults(tmp_path, orders())
    notes = result.notes
    sent, before, after = notes["deliveries"], notes["before_reconcile"], notes["after_reconcile"]

    # the faults really happened, and every delivery that was sent was accepted
    assert sent["dropped"] > 0 and sent["duplicates"] > 0 and sent["late"] > 0, sent
    assert sent["refused"] == 0, sent
    # the hub kept each event once: every second copy was recognised by its hash (so were events
    # identical to an earlier one, e.g. two store/order/updated of one order in one second)
    assert counts.events_stored == counts.events_delivered_distinct, counts
    assert counts.duplicates_dropped == sent["delivered"] - counts.events_delivered_distinct, (counts, sent)
    assert counts.duplicates_dropped >= sent["duplicates"], (counts, sent)

    # webhooks alone left the hub behind (the lost callbacks at the end) ...
    assert before["orders"] < counts.store_orders, before
    assert before["shipments_written"] < counts.shipments.vendor_shipments, before
    assert notes["stock_before_reconcile"]["different"] > 0, notes["stock_before_reconcile"]
    # ... and after the scheduled reconcile every merchant order is held once, routed once
    assert counts.hub_missing == 0 and counts.hub_orders == counts.store_orders == orders(), counts
    routing = counts.routing
    assert routing.missing == routing.duplicated == routing.unexpected == routing.hub_not_routed == 0, routing
    assert routing.vendor_orders == routing.expected == routing.hub_vendor_orders, routing
    # every vendor shipment written once to the merchant's order, statuses right on both sides
    shipments = counts.shipments
    assert shipments.missing == shipments.duplicated == shipments.unexpected == 0, shipments
    assert shipments.vendor_shipments == shipments.merchant_shipments == notes["vendor_shipments_made"], shipments
    assert shipments.wrong_status == shipments.hub_wrong_status == 0, shipments
    assert after["shipments_written"] == shipments.merchant_shipments, after
    # every vendor variant's stock in the hub is the vendor store's
    stock = counts.stock
    assert stock.missing == stock.different == 0 and stock.hub_levels == stock.vendor_variants > 0, stock
    assert counts.exact and result.exact

    # nothing failed, and a second reconcile right after finds nothing left to do
    assert notes["jobs_failed"] == 0, notes
    again = notes["second_reconcile"]
    assert again["missing"] == 0 and again["store_orders"] == again["hub_orders"], again
    assert result.figures.rate_limited == 0 and result.figures.server_errors == 0, result.figures

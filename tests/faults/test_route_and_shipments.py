"""Scenarios 1 and 2: routing and shipment write-back under 5xx, committed-then-dropped writes and 429 bursts.

Size: ``BCHUB_FAULT_SCALE`` (300 by default) merchant orders to route, and vendor orders to ship; ``benchmarks/faults.py`` runs them larger.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.scenarios import route_under_faults, shipments_under_faults
from tests.faults.world import orders_for, scale

pytestmark = pytest.mark.anyio


async def test_routing_under_faults_places_exactly_one_vendor_order_per_order_and_vendor(tmp_path: Path) -> None:
    result, counts = await route_under_faults(tmp_path, scale())
    assert counts.missing == 0 and counts.duplicated == 0 and counts.unexpected == 0, counts
    assert counts.vendor_orders == counts.expected == counts.hub_vendor_orders and counts.hub_not_routed == 0, counts
    assert result.figures.last_status == "succeeded", result.notes
    assert result.notes["left_after_settling"] == 0  # a clean run afterwards finds nothing to do
    # the faults really happened: some 5xx and the 429 bursts were answered and retried
    assert result.figures.server_errors > 0 and result.figures.rate_limited >= 9, result.figures


async def test_shipments_under_faults_are_written_once_with_the_right_statuses(tmp_path: Path) -> None:
    result, counts = await shipments_under_faults(tmp_path, orders_for(scale()))  # ~300 vendor shipments
    assert counts.missing == 0 and counts.duplicated == 0 and counts.unexpected == 0, counts
    assert counts.vendor_shipments == counts.merchant_shipments == result.notes["vendor_shipments_made"], counts
    assert counts.wrong_status == 0 and counts.hub_wrong_status == 0, counts
    assert result.figures.last_status == "succeeded", result.notes
    assert result.notes["left_after_settling"] == 0
    assert result.figures.server_errors > 0 and result.figures.rate_limited >= 9, result.figures

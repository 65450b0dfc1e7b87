"""PII retention: customer details leave orders older than the retention period, and stay gone."""

from __future__ import annotations

import pytest

from bchub.domain.runs import RunStatus
from bchub.sync.orders.get import GetRequest
from tests.sync.test_orders_helpers import MERCHANT, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]


async def test_purge_erases_customer_details_of_old_orders_only_and_a_re_read_keeps_them_erased(world: World) -> None:
    await world.hub.orders.change_settings(MERCHANT, {"import_statuses": "11"})
    own = world.own_skus()
    old = world.place_old(own[0], days=100)
    recent = world.place(
        (own[1], 2), customer={"first_name": "Zoe", "last_name": "Larsen", "email": "zoe@example.com", "zip": "97205"}
    )
    await world.hub.orders.get(MERCHANT)
    assert world.hub.orders.purge_pii(MERCHANT) == []  # no retention period: nothing to do

    await world.hub.orders.change_settings(MERCHANT, {"pii_retention_days": "90"})
    before = world.hub.orders.show(MERCHANT, old).order
    (run,) = world.hub.orders.purge_pii()
    assert run.status is RunStatus.SUCCEEDED and run.counts == {"purged": 1} and run.requests == 0
    purged = world.hub.orders.show(MERCHANT, old).order
    assert purged.billing.name == "" and purged.billing.email == "" and purged.billing.street_1 == ""
    assert (purged.billing.zip, purged.billing.country_iso2) == ("972", "US")
    assert all(item.address.email == "" and item.address.first_name == "" for item in purged.destinations)
    assert purged.pii_purged_at is not None
    assert (purged.total_inc_tax, [line.sku for line in purged.lines]) == (
        before.total_inc_tax,
        [line.sku for line in before.lines],
    )
    kept = world.hub.orders.show(MERCHANT, recent).order
    assert (kept.billing.first_name, kept.billing.email, kept.pii_purged_at) == ("Zoe", "zoe@example.com", None)

    world.merchant.orders.update(old, {"staff_notes": "touched"})  # modified: the next run reads it again
    await world.hub.orders.get(MERCHANT, GetRequest(full=True))
    again = world.hub.orders.show(MERCHANT, old).order
    assert again.billing.email == "" and again.billing.name == "" and again.pii_purged_at == purged.pii_purged_at
    (second,) = world.hub.orders.purge_pii(MERCHANT)
    assert second.counts == {"purged": 0}

"""Batch splitting at the API limits, and per-batch failures that do not stop the rest."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.bigcommerce import AuthFailed, Unprocessable
from bchub.bigcommerce.batching import (
    ADJUSTMENT_BATCH,
    DELETE_BATCH,
    PRODUCT_BATCH,
    VARIANT_BATCH,
    chunked,
    group_by_location,
    run_batches,
)
from bchub.bigcommerce.models import AdjustmentItem

pytestmark = pytest.mark.anyio


def test_the_api_limits() -> None:
    assert (PRODUCT_BATCH, VARIANT_BATCH, ADJUSTMENT_BATCH, DELETE_BATCH) == (10, 50, 2_000, 250)


@given(items=st.lists(st.integers(), max_size=300), size=st.integers(1, 60))
def test_chunks_cover_everything_in_order_within_the_limit(items: list[int], size: int) -> None:
    chunks = chunked(items, size)
    assert [item for chunk in chunks for item in chunk] == items
    assert all(1 <= len(chunk) <= size for chunk in chunks)
    assert len(chunks) == -(-len(items) // size)


@given(locations=st.lists(st.integers(1, 30), max_size=5000))
def test_adjustments_use_the_fewest_requests_and_keep_locations_together(locations: list[int]) -> None:
    items = [
        AdjustmentItem(location_id=location, variant_id=index + 1, quantity=1)
        for index, location in enumerate(locations)
    ]
    batches = group_by_location(items)
    assert len(batches) == -(-len(items) // ADJUSTMENT_BATCH)
    assert all(len(batch) <= ADJUSTMENT_BATCH for batch in batches)
    flat = [item.location_id for batch in batches for item in batch]
    assert flat == sorted(locations)


def test_adjustment_items_need_exactly_one_identity() -> None:
    with pytest.raises(ValueError, match="exactly one of sku, variant_id, product_id"):
        AdjustmentItem(quantity=1)
    with pytest.raises(ValueError, match="exactly one"):
        AdjustmentItem(quantity=1, sku="A", variant_id=2)
    assert AdjustmentItem(quantity=5, sku="A").payload() == {"location_id": 1, "quantity": 5, "sku": "A"}


async def test_a_failed_batch_does_not_stop_the_others() -> None:
    async def send(batch: list[int]) -> list[int]:
        if 13 in batch:
            raise Unprocessable("bad item", status=422)
        return [value * 2 for value in batch]

    result = await run_batches(chunked(list(range(30)), 10), send, concurrency=2)
    assert result.succeeded == [value * 2 for value in [*range(10), *range(20, 30)]]
    assert [failure.items for failure in result.failed] == [list(range(10, 20))]
    assert result.batches == 3 and not result.ok
    with pytest.raises(Unprocessable):
        result.raise_first()


async def test_auth_failures_stop_everything() -> None:
    async def send(batch: list[int]) -> list[int]:
        raise AuthFailed("token revoked", status=401)

    with pytest.raises(AuthFailed):
        await run_batches(chunked(list(range(30)), 10), send, concurrency=2)

"""Writes split at the API's batch limits, sent with bounded concurrency, failures kept per batch.

A failed batch does not stop the others (one bad product must not fail a whole publish); its
items and error are returned in ``BatchResult.failed``. Errors that would fail every batch —
a bad token or a missing scope — are raised at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, ScopeMissing
from bchub.bigcommerce.models.inventory import AdjustmentItem
from bchub.bigcommerce.pagination import in_order

T = TypeVar("T")
R = TypeVar("R")

PRODUCT_BATCH = 10  # PUT /v3/catalog/products
VARIANT_BATCH = 50  # PUT /v3/catalog/variants
ADJUSTMENT_BATCH = 2_000  # inventory adjustments, items per request
DELETE_BATCH = 250  # DELETE ...?id:in=


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def group_by_location(items: Iterable[AdjustmentItem], size: int = ADJUSTMENT_BATCH) -> list[list[AdjustmentItem]]:
    """Items ordered by location (stable), then cut into requests of at most ``size``.

    This needs ``ceil(len(items) / size)`` requests, the fewest possible, and keeps each
    location's items together.
    """
    ordered = sorted(items, key=lambda item: item.location_id)
    return chunked(ordered, size)


@dataclass
class BatchFailure(Generic[T]):
    items: list[T]
    error: BigCommerceError


@dataclass
class BatchResult(Generic[R, T]):
    """``succeeded``: what the API returned for the batches that worked; ``failed``: the rest."""

    succeeded: list[R] = field(default_factory=list)
    failed: list[BatchFailure[T]] = field(default_factory=list)
    batches: int = 0  # batches sent (each one request, plus any retries)

    @property
    def ok(self) -> bool:
        return not self.failed

    def raise_first(self) -> None:
        """Raise the first batch's error, for callers that want all-or-nothing behaviour."""
        if self.failed:
            raise self.failed[0].error


async def run_batches(
    batches: Sequence[list[T]],
    send: Callable[[list[T]], Awaitable[list[R]]],
    concurrency: int,
) -> BatchResult[R, T]:
    """``send`` each batch (at most ``concurrency`` at once) and collect results in batch order."""
    result: BatchResult[R, T] = BatchResult()

    async def attempt(index: int) -> tuple[list[T], list[R] | BigCommerceError]:
        batch = batches[index]
        try:
            return batch, await send(batch)
        except (AuthFailed, ScopeMissing):
            raise
        except BigCommerceError as error:
            return batch, error

    async for batch, outcome in in_order(attempt, range(len(batches)), concurrency):
        result.batches += 1
        if isinstance(outcome, BigCommerceError):
            result.failed.append(BatchFailure(batch, outcome))
        else:
            result.succeeded.extend(outcome)
    return result

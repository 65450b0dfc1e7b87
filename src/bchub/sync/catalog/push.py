"""The push behind ``sync_listings`` (and publishing's catch-up): price and stock changed since the last push.

What a listing should show (the item's price and sale price, its supplier's stock under the
vendor's rule) is hashed and compared with the hash of what was last pushed, so a run with
nothing changed reads three tables and sends no request. Changed stock goes out as absolute
inventory adjustments (≤ 2,000 per request, by location; product-level tracking by product id,
variant-level by variant id), changed prices as variant batch updates (≤ 50). Paused, delisted
and deleted listings are left alone. An item the store refuses fails alone (see ``writes``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bchub.bigcommerce.errors import BigCommerceError
from bchub.bigcommerce.models.inventory import AdjustmentItem
from bchub.domain.connections import Connection
from bchub.domain.publishing import PushPlan, PushState, field_diff, plan_push, published_stock
from bchub.domain.runs import ItemOutcome, Outcome
from bchub.storage.catalog_tables import ListingRow
from bchub.storage.publish_repository import PublishRepository, SyncCandidate
from bchub.sync.catalog.writes import Progress, StoreWrites, WriteResult, no_progress
from bchub.sync.runner import OperationRun

DEFAULT_LOCATION = 1
KIND = "listing"


@dataclass(frozen=True)
class PendingPush:
    candidate: SyncCandidate
    wanted: PushState
    plan: PushPlan


@dataclass(frozen=True)
class SyncPlan:
    pending: list[PendingPush]
    unchanged: int


def plan_sync(session: Session, connection_id: int, item_ids: Collection[int] | None = None) -> SyncPlan:
    """What each live, unpaused listing of a store should show and which parts differ from the last push."""
    repo = PublishRepository(session)
    candidates = repo.sync_candidates(connection_id, item_ids)
    stock = repo.stock_of(candidate.item_id for candidate in candidates)
    rules = repo.vendor_rules(c.supplier_id for c in candidates if c.supplier_id is not None)
    suppliers = repo.supplier_listings((c.supplier_id, c.item_id) for c in candidates if c.supplier_id is not None)
    pending: list[PendingPush] = []
    unchanged = 0
    for candidate in candidates:
        supplier = candidate.supplier_id
        vendor_listing = suppliers.get((supplier, candidate.item_id)) if supplier is not None else None
        quantity = published_stock(
            supplier,
            stock.get(candidate.item_id, {}),
            rules.get(supplier) if supplier is not None else None,
            discontinued=vendor_listing.discontinued if vendor_listing else False,
        )
        wanted = PushState(candidate.price, candidate.sale_price, quantity)
        plan = plan_push(wanted, candidate.price_hash, candidate.stock_hash)
        if plan.any:
            pending.append(PendingPush(candidate, wanted, plan))
        else:
            unchanged += 1
    return SyncPlan(pending, unchanged)


def describe(plan: SyncPlan) -> list[dict[str, Any]]:
    """The dry-run view: per listing, the fields that would be pushed (last pushed → wanted)."""
    rows = []
    for push in plan.pending:
        last = push.candidate
        before = {"price": last.pushed_price, "sale_price": last.pushed_sale_price, "stock": last.pushed_stock}
        after: dict[str, Any] = {}
        if push.plan.price:
            after.update(price=push.wanted.price, sale_price=push.wanted.sale_price)
        if push.plan.stock:
            after["stock"] = push.wanted.stock
        rows.append({"sku": last.sku, "changes": field_diff(before, after)})
    return rows


def _price_payload(push: PendingPush) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": push.candidate.variant_id}
    if push.wanted.price is not None:
        payload["price"] = float(push.wanted.price)
    # no sale price means "not on sale": 0 clears a sale price the store may still have
    payload["sale_price"] = float(push.wanted.sale_price if push.wanted.sale_price is not None else Decimal(0))
    return payload


def adjustment(candidate: SyncCandidate, quantity: int) -> AdjustmentItem:
    """Product-level tracking (a product without variants) is adjusted by product id, variants by variant id."""
    if candidate.base_variant:
        return AdjustmentItem(location_id=DEFAULT_LOCATION, quantity=quantity, product_id=candidate.product_id)
    return AdjustmentItem(location_id=DEFAULT_LOCATION, quantity=quantity, variant_id=candidate.variant_id)


def _adjustment_key(item: AdjustmentItem) -> tuple[str, int]:
    return ("product", item.product_id) if item.product_id is not None else ("variant", item.variant_id or 0)


async def push(run: OperationRun, plan: SyncPlan, progress: Progress = no_progress, *, summarize: bool = True) -> None:
    """Send the plan's price and stock changes, then record each listing's outcome and push state.

    ``summarize`` adds the run's figures (unchanged, prices and stock pushed) to its counts.
    """
    writes = StoreWrites(run.client, run.connection)
    prices = {p.candidate.variant_id: p for p in plan.pending if p.plan.price}
    stocks: dict[tuple[str, int], PendingPush] = {}
    for pending in plan.pending:
        if pending.plan.stock and pending.wanted.stock is not None:
            stocks[_adjustment_key(adjustment(pending.candidate, pending.wanted.stock))] = pending
    price_result, stock_result = await asyncio.gather(
        writes.update_variants([_price_payload(p) for p in prices.values()]),
        writes.adjust_absolute([adjustment(p.candidate, p.wanted.stock or 0) for p in stocks.values()]),
    )
    price_done = {prices[payload["id"]].candidate.listing_id for payload in price_result.done}
    stock_done = {stocks[_adjustment_key(item)].candidate.listing_id for item in stock_result.done}
    errors = _errors(price_result, stock_result, prices, stocks)
    with run.sessions.begin() as session:
        _save(session, run.connection, plan, price_done, stock_done)
        for pending in plan.pending:
            listing_id = pending.candidate.listing_id
            reason = errors.get(listing_id)
            outcome = Outcome.FAILED if reason else Outcome.UPDATED
            run.record(session, ItemOutcome(KIND, pending.candidate.sku, outcome, reason))
    progress(len(plan.pending))
    if summarize:
        run.summary["unchanged"] = plan.unchanged
        run.summary["prices_pushed"] = len(price_done)
        run.summary["stock_pushed"] = len(stock_done)


def _errors(
    price_result: WriteResult[dict[str, Any]],
    stock_result: WriteResult[AdjustmentItem],
    prices: dict[int, PendingPush],
    stocks: dict[tuple[str, int], PendingPush],
) -> dict[int, str]:
    errors: dict[int, str] = {}
    for payload, error in price_result.failed:
        errors[prices[payload["id"]].candidate.listing_id] = f"price not pushed: {_reason(error)}"
    for item, error in stock_result.failed:
        listing_id = stocks[_adjustment_key(item)].candidate.listing_id
        text = f"stock not pushed: {_reason(error)}"
        errors[listing_id] = f"{errors[listing_id]}; {text}" if listing_id in errors else text
    return errors


def _reason(error: BigCommerceError) -> str:
    return str(error)


def _save(session: Session, connection: Connection, plan: SyncPlan, price_done: set[int], stock_done: set[int]) -> None:
    assert connection.id is not None
    rows: list[dict[str, Any]] = []
    for pending in plan.pending:
        listing_id = pending.candidate.listing_id
        row: dict[str, Any] = {"listing_id": listing_id, "connection_id": connection.id}
        if listing_id in price_done:
            row.update(
                price=pending.wanted.price,
                sale_price=pending.wanted.sale_price,
                price_hash=pending.wanted.price_hash(),
            )
        if listing_id in stock_done:
            row.update(stock=pending.wanted.stock, stock_hash=pending.wanted.stock_hash())
        if len(row) > 2:
            rows.append(row)
    PublishRepository(session).save_pushed(rows)
    listing_rows = [
        {"id": p.candidate.listing_id, "pushed_hash": p.wanted.combined_hash()}
        for p in plan.pending
        if (not p.plan.price or p.candidate.listing_id in price_done)
        and (not p.plan.stock or p.candidate.listing_id in stock_done)
    ]
    if listing_rows:
        session.execute(update(ListingRow), listing_rows)

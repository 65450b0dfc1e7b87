"""The push behind ``sync_listings`` (and publishing's catch-up): price and stock changed since the last push.

What a listing should show (the item's price and sale price, its supplier's stock under the
vendor's rule) is hashed and compared with the hash of what was last pushed, so a run with
nothing changed reads three tables and sends no request. Changed stock goes out as absolute
inventory adjustments (≤ 2,000 per request, by location; product-level tracking by product id,
variant-level by variant id), changed prices as variant batch updates (≤ 50). Paused, delisted
and deleted listings are left alone. An item the store refuses fails alone (see ``writes``).

A product with variants whose stock the store tracks for the whole product (an imported one;
the hub publishes variant-level tracking) is found out when its variant adjustment is refused:
one list call reads the products' ``inventory_tracking``, the answer is kept, and the stock is
sent by product id with the lowest of its variants' levels, so it never oversells.
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
from bchub.sync.catalog.writes import Progress, StoreWrites, no_progress
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


StockKey = tuple[str, int]  # ("product", product id) or ("variant", variant id)


def stock_key(candidate: SyncCandidate, tracking: str | None = None) -> StockKey:
    """Products tracked as a whole (every product without variants, and those set to product-level
    tracking) are adjusted by product id; variant-level tracking by variant id."""
    if candidate.base_variant or (tracking or candidate.tracking) == "product":
        return ("product", candidate.product_id)
    return ("variant", candidate.variant_id)


def _item_key(item: AdjustmentItem) -> StockKey:
    return ("product", item.product_id) if item.product_id is not None else ("variant", item.variant_id or 0)


def _adjustments(groups: dict[StockKey, list[PendingPush]]) -> list[AdjustmentItem]:
    items = []
    for (kind, identity), pending in groups.items():
        # variants sharing product-level stock get the lowest of their levels: never oversell
        quantity = min(p.wanted.stock or 0 for p in pending)
        if kind == "product":
            items.append(AdjustmentItem(location_id=DEFAULT_LOCATION, quantity=quantity, product_id=identity))
        else:
            items.append(AdjustmentItem(location_id=DEFAULT_LOCATION, quantity=quantity, variant_id=identity))
    return items


@dataclass
class StockOutcome:
    done: set[int]  # listing ids
    failed: dict[int, str]  # listing id → why
    tracking: dict[int, str]  # product id → inventory_tracking learned from the store


async def _push_stock(run: OperationRun, writes: StoreWrites, pending: list[PendingPush]) -> StockOutcome:
    """Absolute adjustments; variant-level ones the store refuses are checked against the product's
    tracking (one list call per 250 products) and re-sent by product when it tracks the whole product."""
    groups: dict[StockKey, list[PendingPush]] = {}
    for push_ in pending:
        groups.setdefault(stock_key(push_.candidate), []).append(push_)
    result = await writes.adjust_absolute(_adjustments(groups))
    outcome = StockOutcome(set(), {}, {})
    refused = [(groups[_item_key(item)], error) for item, error in result.failed]
    for item in result.done:
        outcome.done.update(p.candidate.listing_id for p in groups[_item_key(item)])
    retry = [group for group, error in refused if error.status == 422 and not group[0].candidate.base_variant]
    if retry:
        product_ids = sorted({group[0].candidate.product_id for group in retry})
        found = run.client.catalog.list_products(
            ids=product_ids, include=(), filters={"include_fields": "name,inventory_tracking"}
        )
        outcome.tracking = {p.id: p.inventory_tracking async for p in found if p.inventory_tracking}
        regrouped: dict[StockKey, list[PendingPush]] = {}
        for group in retry:
            tracking = outcome.tracking.get(group[0].candidate.product_id)
            if tracking == "product":
                for push_ in group:
                    regrouped.setdefault(stock_key(push_.candidate, tracking), []).append(push_)
        if regrouped:
            again = await writes.adjust_absolute(_adjustments(regrouped))
            for item in again.done:
                outcome.done.update(p.candidate.listing_id for p in regrouped[_item_key(item)])
            refused = [(g, e) for g, e in refused if g[0].candidate.listing_id not in outcome.done]
            refused += [(regrouped[_item_key(item)], error) for item, error in again.failed]
    for group, error in refused:
        for push_ in group:
            if push_.candidate.listing_id not in outcome.done:
                outcome.failed[push_.candidate.listing_id] = f"stock not pushed: {_reason(error)}"
    return outcome


async def push(run: OperationRun, plan: SyncPlan, progress: Progress = no_progress, *, summarize: bool = True) -> None:
    """Send the plan's price and stock changes, then record each listing's outcome and push state.

    ``summarize`` adds the run's figures (unchanged, prices and stock pushed) to its counts.
    """
    writes = StoreWrites(run.client, run.connection)
    prices = {p.candidate.variant_id: p for p in plan.pending if p.plan.price}
    stocked = [p for p in plan.pending if p.plan.stock and p.wanted.stock is not None]
    price_result, stock = await asyncio.gather(
        writes.update_variants([_price_payload(p) for p in prices.values()]),
        _push_stock(run, writes, stocked),
    )
    price_done = {prices[payload["id"]].candidate.listing_id for payload in price_result.done}
    errors = {
        prices[payload["id"]].candidate.listing_id: f"price not pushed: {_reason(error)}"
        for payload, error in price_result.failed
    }
    for listing_id, text in stock.failed.items():
        errors[listing_id] = f"{errors[listing_id]}; {text}" if listing_id in errors else text
    with run.sessions.begin() as session:
        _save(session, run.connection, plan, price_done, stock.done, stock.tracking)
        for pending in plan.pending:
            reason = errors.get(pending.candidate.listing_id)
            outcome = Outcome.FAILED if reason else Outcome.UPDATED
            run.record(session, ItemOutcome(KIND, pending.candidate.sku, outcome, reason))
    progress(len(plan.pending))
    if summarize:
        run.summary["unchanged"] = plan.unchanged
        run.summary["prices_pushed"] = len(price_done)
        run.summary["stock_pushed"] = len(stock.done)


def _reason(error: BigCommerceError) -> str:
    return str(error)


def _save(
    session: Session,
    connection: Connection,
    plan: SyncPlan,
    price_done: set[int],
    stock_done: set[int],
    tracking: dict[int, str],
) -> None:
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
        learned = tracking.get(pending.candidate.product_id)
        if learned is not None:
            row["tracking"] = learned
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

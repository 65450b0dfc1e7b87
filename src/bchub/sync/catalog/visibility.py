"""Hide, unhide, delist, pause and unpause merchant listings (one SKU, a list, or a filter).

BigCommerce hides a product as a whole: ``hide`` sets the parent product's availability to
``disabled`` (every variant; the storefront shows it as out of stock), ``unhide`` sets it back
to ``available`` and only for listings that are hidden. ``delist`` deletes the product (all its
variants) from the store; the listing stays in the hub, marked delisted, and comes back when it
is published again. Pausing is the hub's own flag: paused listings get no price or stock pushes.

``describe_visibility`` is the dry run of all five actions: per listing, the flag before and
after, worked out as the action itself would (a product-level action shows every variant of
the product, selected or not; a listing not in the store, or delisted, is a skip with why).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bchub.domain.catalog import Item
from bchub.domain.connections import Connection
from bchub.domain.runs import ItemOutcome, Outcome, Run
from bchub.errors import InputError
from bchub.storage.catalog_repository import CatalogRepository, chunked
from bchub.storage.catalog_tables import ListingRow
from bchub.storage.publish_tables import PublishStateRow
from bchub.storage.repositories import utc_now
from bchub.sync.catalog.publish import Selection
from bchub.sync.catalog.writes import PublishDeps, StoreWrites, require_merchant
from bchub.sync.runner import OperationRun

KIND = "product"
ACTIONS = ("hide", "unhide", "delist", "pause", "unpause")
STORE_ACTIONS = frozenset({"hide", "unhide", "delist"})  # the ones that write to the store
# the listing flag each action sets, and to what
FLAG_OF: dict[str, tuple[str, bool]] = {
    "hide": ("hidden", True),
    "unhide": ("hidden", False),
    "delist": ("delisted", True),
    "pause": ("paused", True),
    "unpause": ("paused", False),
}
NOT_LISTED = "not listed in this store"
ALREADY_HIDDEN = "already hidden"
NOT_HIDDEN = "not hidden: only hidden listings can be unhidden"


@dataclass(frozen=True)
class ProductListings:
    """The hub's listings of one store product (its variants) among the selection."""

    product_id: int
    listing_ids: list[int]
    skus: list[str]
    hidden: bool

    @property
    def key(self) -> str:
        return self.skus[0] if self.skus else f"product {self.product_id}"


def _live(row: ListingRow | None) -> bool:
    return row is not None and not row.delisted and row.deleted_at is None


def _product_rows(session: Session, connection_id: int, rows: Iterable[ListingRow]) -> dict[str, list[ListingRow]]:
    """Every live listing of the store products behind ``rows`` (their variants, selected or not)."""
    product_ids = sorted({row.product_id for row in rows if _live(row)})
    products: dict[str, list[ListingRow]] = {}
    for part in chunked(product_ids):
        query = select(ListingRow).where(
            ListingRow.connection_id == connection_id,
            ListingRow.product_id.in_(part),
            ListingRow.delisted.is_(False),
            ListingRow.deleted_at.is_(None),
        )
        for row in session.scalars(query):
            products.setdefault(row.product_id, []).append(row)
    return products


def selected_products(session: Session, connection_id: int, selection: Selection) -> list[ProductListings]:
    """The store products behind the selected items' live listings; a product counts as hidden if any variant is."""
    item_ids = [item.id for item in selection.items(session)]
    rows = CatalogRepository(session).listing_rows_by_item(connection_id, item_ids)
    products = _product_rows(session, connection_id, rows.values())
    return [
        ProductListings(
            int(product_id),
            [row.id for row in listed],
            sorted(row.sku or "" for row in listed),
            any(row.hidden for row in listed),
        )
        for product_id, listed in sorted(products.items(), key=lambda pair: int(pair[0]))
    ]


def plan_visibility(session: Session, connection_id: int, selection: Selection, action: str) -> list[dict[str, Any]]:
    """What ``action`` would change, per listing: ``{sku, action, changes: {flag: (before, after)}}``, and
    ``{sku, action: "skip", reason}`` for what it would leave; nothing is written."""
    _flag_of(action)
    items = selection.items(session)
    rows = CatalogRepository(session).listing_rows_by_item(connection_id, [item.id for item in items])
    changes = _skips(items, rows, action)
    if action in STORE_ACTIONS:
        products = _product_rows(session, connection_id, rows.values())
        return changes + _product_changes(products, {item.id: item.sku for item in items}, action)
    return changes + _pause_changes(items, rows, action)


def _skips(items: Sequence[Item], rows: dict[int, ListingRow], action: str) -> list[dict[str, Any]]:
    """Selected items the action leaves alone: not listed in the store, or delisted (store actions)."""
    skips: list[dict[str, Any]] = []
    for item in items:
        row = rows.get(item.id)
        if row is None or row.deleted_at is not None:
            skips.append(_skip(item.sku, NOT_LISTED))
        elif row.delisted and action in STORE_ACTIONS:
            skips.append(_skip(item.sku, "delisted: publish it again first"))
    return skips


def _pause_changes(items: Sequence[Item], rows: dict[int, ListingRow], action: str) -> list[dict[str, Any]]:
    """Pause and unpause: the hub's own flag on each selected listing whose flag differs."""
    flag, wanted = _flag_of(action)
    return [
        _change(item.sku, action, flag, wanted)
        for item in items
        if (row := rows.get(item.id)) is not None and row.deleted_at is None and bool(row.paused) != wanted
    ]


def _product_changes(
    products: dict[str, list[ListingRow]], selected: dict[int, str], action: str
) -> list[dict[str, Any]]:
    """Hide, unhide and delist act on whole products: every live variant of a selected one, as the action
    decides. ``selected`` maps the selected items' ids to their master SKUs (what the rows are keyed by)."""
    flag, wanted = _flag_of(action)
    changes: list[dict[str, Any]] = []
    for _, listed in sorted(products.items(), key=lambda pair: int(pair[0])):
        hidden = any(row.hidden for row in listed)  # as ``selected_products`` decides it
        first = min(row.sku or "" for row in listed)
        if action == "hide" and hidden:
            changes.append(_skip(first, ALREADY_HIDDEN))
        elif action == "unhide" and not hidden:
            changes.append(_skip(first, NOT_HIDDEN))
        else:
            for row in sorted(listed, key=lambda each: each.sku or ""):
                if bool(getattr(row, flag)) == wanted:
                    continue
                sku = selected.get(row.item_id) or row.sku or f"variant {row.variant_id}"
                change = _change(sku, action, flag, wanted)
                if row.item_id not in selected:
                    change["reason"] = "another variant of the same product: the store acts on whole products"
                changes.append(change)
    return changes


def _flag_of(action: str) -> tuple[str, bool]:
    if action not in FLAG_OF:
        raise InputError(f"unknown listing action {action!r}; choose from {', '.join(ACTIONS)}")
    return FLAG_OF[action]


def _skip(sku: str, reason: str) -> dict[str, Any]:
    return {"sku": sku, "action": "skip", "changes": {}, "reason": reason}


def _change(sku: str, action: str, flag: str, wanted: bool) -> dict[str, Any]:
    return {"sku": sku, "action": action, "changes": {flag: (not wanted, wanted)}}


def describe_visibility(
    deps: PublishDeps, connection: Connection | str | int, selection: Selection, action: str
) -> list[dict[str, Any]]:
    """The dry run of ``hide``, ``unhide``, ``delist``, ``pause`` or ``unpause``: nothing is sent or saved."""
    _flag_of(action)
    current = deps.connections.get(connection) if not isinstance(connection, Connection) else connection
    if action in STORE_ACTIONS:
        require_merchant(current)
    assert current.id is not None
    with deps.sessions() as session:
        return plan_visibility(session, current.id, selection, action)


def _mark(session: Session, listing_ids: Sequence[int], **values: Any) -> None:
    for part in chunked(list(listing_ids)):
        session.execute(update(ListingRow).where(ListingRow.id.in_(part)).values(updated_at=utc_now(), **values))


async def _availability(run: OperationRun, products: list[ProductListings], *, hide: bool) -> None:
    writes = StoreWrites(run.client, run.connection)
    wanted = [p for p in products if p.hidden != hide]
    skipped = [p for p in products if p.hidden == hide]
    by_id = {p.product_id: p for p in wanted}
    availability = "disabled" if hide else "available"
    result = await writes.update_products([{"id": p.product_id, "availability": availability} for p in wanted])
    with run.sessions.begin() as session:
        for payload in result.done:
            done = by_id[payload["id"]]
            _mark(session, done.listing_ids, hidden=hide)
            run.record(session, ItemOutcome(KIND, done.key, Outcome.UPDATED))
        for payload, error in result.failed:
            run.record(session, ItemOutcome(KIND, by_id[payload["id"]].key, Outcome.FAILED, str(error)))
        for product in skipped:
            why = ALREADY_HIDDEN if hide else NOT_HIDDEN
            run.record(session, ItemOutcome(KIND, product.key, Outcome.SKIPPED, why))


async def _delist(run: OperationRun, products: list[ProductListings]) -> None:
    writes = StoreWrites(run.client, run.connection)
    await writes.delete_products(p.product_id for p in products)
    with run.sessions.begin() as session:
        for product in products:
            _mark(session, product.listing_ids, delisted=True, hidden=False)
            # the push state described a product that no longer exists
            for part in chunked(product.listing_ids):
                session.execute(delete(PublishStateRow).where(PublishStateRow.listing_id.in_(part)))
            run.record(session, ItemOutcome(KIND, product.key, Outcome.DELETED))


async def change_visibility(
    deps: PublishDeps, connection: Connection | str | int, selection: Selection, action: str
) -> Run:
    """``hide``, ``unhide`` or ``delist`` the selected listings of a merchant store as one recorded run."""
    if action not in ("hide", "unhide", "delist"):
        raise ValueError(f"unknown visibility action {action!r}")
    current = deps.connections.get(connection) if not isinstance(connection, Connection) else connection
    require_merchant(current)
    connection_id = current.id or 0

    async def body(run: OperationRun) -> None:
        with run.sessions() as session:
            products = selected_products(session, connection_id, selection)
        if action == "delist":
            await _delist(run, products)
        else:
            await _availability(run, products, hide=action == "hide")

    return await deps.run(f"{action}_listings", current, body, selection.as_params())


def set_paused(deps: PublishDeps, connection: Connection | str | int, selection: Selection, paused: bool) -> int:
    """Pause (or unpause) the selected listings of a store; returns how many changed."""
    current = deps.connections.get(connection) if not isinstance(connection, Connection) else connection
    assert current.id is not None
    with deps.sessions.begin() as session:
        item_ids = None if selection.everything else [item.id for item in selection.items(session)]
        return CatalogRepository(session).set_paused(current.id, item_ids, paused)

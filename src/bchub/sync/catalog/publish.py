"""``publish_listings``: create hub items as products in a merchant store, or update the ones already there.

Items are grouped into products by their parent SKU (an item without one is a product of its
own, sold through its base variant). A new product goes out in one ``POST`` with its variants,
options and custom fields inline, brand by name (the store creates a missing brand), categories
by id (created by name first when missing), images by URL, price, weight and stock; the created
product and variant ids are bound as listings, and what was sent is kept as the push state, so
the next ``sync_listings`` has nothing to resend.

A product already bound in the store is updated instead (one batch ``PUT`` per 10 products),
only when its fields differ from what was last published, so publishing twice sends nothing the
second time. A 409 (the store already has that name or SKU) links to the store's product when
its SKU is the hub's, and is reported as a conflict otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bchub.bigcommerce.errors import BigCommerceError, Conflict
from bchub.bigcommerce.models.catalog import Product
from bchub.domain.catalog import Item, content_hash
from bchub.domain.connections import Connection
from bchub.domain.publishing import (
    AttributeTooLong,
    PublishOptions,
    PushState,
    apply_attribute_policy,
    field_diff,
    published_stock,
)
from bchub.domain.runs import ItemOutcome, Outcome, Run
from bchub.errors import InputError
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.catalog_tables import ListingRow
from bchub.storage.publish_repository import PublishRepository
from bchub.storage.repositories import utc_now
from bchub.sync.catalog.push import plan_sync, push
from bchub.sync.catalog.writes import Progress, PublishDeps, StoreWrites, no_progress, require_merchant
from bchub.sync.runner import OperationRun

KIND = "product"
CREATE_CONCURRENCY = 4  # product POSTs in flight; the client's limiter keeps them inside the quota


class CategoryMissing(Exception):
    """A product's category could not be found or created (the product is not sent)."""


ALL_ITEMS = 1_000_000  # "every item" when publishing by filter


@dataclass(frozen=True)
class Selection:
    """Which hub items to act on: SKUs, or a filter (text in SKU/name, supplier), or all of them."""

    skus: tuple[str, ...] = ()
    text: str | None = None
    supplier_id: int | None = None
    everything: bool = False

    def __post_init__(self) -> None:
        if not (self.skus or self.text or self.supplier_id is not None or self.everything):
            raise InputError("choose what to publish: SKUs, a filter (--search/--supplier) or --all")

    def items(self, session: Session) -> list[Item]:
        repo = CatalogRepository(session)
        if self.skus:
            found = repo.items_by_sku(self.skus)
            missing = [sku for sku in self.skus if sku not in found]
            if missing:
                raise InputError(f"no hub item has the SKU {', '.join(missing[:10])}")
            return [found[sku] for sku in self.skus]
        return repo.search_items(text=self.text, supplier_id=self.supplier_id, limit=ALL_ITEMS)

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.skus:
            params["skus"] = list(self.skus)
        if self.text:
            params["search"] = self.text
        if self.supplier_id is not None:
            params["supplier_id"] = self.supplier_id
        return params


@dataclass
class ProductGroup:
    """The items that become one product: one item (base variant) or the variants of a parent SKU."""

    sku: str
    items: list[Item]
    stock: dict[int, int | None] = field(default_factory=dict)  # item id → stock to publish

    @property
    def has_variants(self) -> bool:
        return len(self.items) > 1 or bool(self.items[0].data.parent_sku and self.items[0].data.options)

    @property
    def lead(self) -> Item:
        return self.items[0]


def group_items(items: Sequence[Item]) -> list[ProductGroup]:
    groups: dict[str, ProductGroup] = {}
    for item in items:
        key = item.data.parent_sku or item.sku
        groups.setdefault(key, ProductGroup(key, [])).items.append(item)
    return list(groups.values())


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def product_fields(
    group: ProductGroup, options: PublishOptions, *, with_name: bool = True, with_custom_fields: bool = True
) -> dict[str, Any]:
    """The product-level fields the hub manages, as sent (categories by name; resolved later).

    Custom fields are only sent when a product is created, so only then does the length policy apply.
    """
    data = group.lead.data
    fields: dict[str, Any] = {
        "description": data.description or "",
        "price": _number(data.price) or 0.0,
        "sale_price": _number(data.sale_price) or 0.0,
        "weight": _number(data.weight) or 0.0,
    }
    if with_name:
        fields["name"] = _product_name(group)
    for name in ("cost_price", "retail_price", "width", "height", "depth"):
        value = _number(getattr(data, name))
        if value is not None:
            fields[name] = value
    if data.brand:
        fields["brand_name"] = data.brand
    if data.categories:
        fields["categories"] = list(data.categories)
    if not group.has_variants:
        for name in ("upc", "mpn", "gtin"):
            if getattr(data, name):
                fields[name] = getattr(data, name)
    custom = apply_attribute_policy(data.custom_fields, options.attribute_policy) if with_custom_fields else ()
    if custom:
        fields["custom_fields"] = [{"name": f.name, "value": f.value} for f in custom]
    return fields


def _product_name(group: ProductGroup) -> str:
    return group.lead.name[:250]


def new_product(group: ProductGroup, options: PublishOptions) -> dict[str, Any]:
    """The complete ``POST /v3/catalog/products`` body (categories still by name)."""
    body = {**product_fields(group, options), "type": "physical", "sku": group.sku}
    body["images"] = [
        {"image_url": url, "is_thumbnail": index == 0} for index, url in enumerate(group.lead.data.images)
    ]
    if not body["images"]:
        del body["images"]
    if not group.has_variants:
        body["inventory_tracking"] = "product"
        stock = group.stock.get(group.lead.id)
        if stock is not None:
            body["inventory_level"] = stock
        return body
    body["inventory_tracking"] = "variant"
    body["variants"] = [_variant(item, group.stock.get(item.id)) for item in group.items]
    return body


def _variant(item: Item, stock: int | None) -> dict[str, Any]:
    data = item.data
    values = [{"option_display_name": o.name, "label": o.value} for o in data.options] or [
        {"option_display_name": "Option", "label": item.sku}
    ]
    variant: dict[str, Any] = {"sku": item.sku, "option_values": values}
    for name in ("price", "sale_price", "weight"):
        value = _number(getattr(data, name))
        if value is not None:
            variant[name] = value
    for name in ("upc", "mpn", "gtin"):
        if getattr(data, name):
            variant[name] = getattr(data, name)
    if stock is not None:
        variant["inventory_level"] = stock
    return variant


def _hashable(fields: dict[str, Any]) -> str:
    return content_hash(fields)


# -- planning ----------------------------------------------------------------------------------


@dataclass
class Planned:
    group: ProductGroup
    action: str  # create | update | unchanged | failed
    body: dict[str, Any]
    listings: dict[int, ListingRow]  # item id → its listing in the store (update)
    changes: dict[str, tuple[Any, Any]]
    reason: str | None = None


def _stock_for(session: Session, items: Sequence[Item]) -> dict[int, int | None]:
    repo = PublishRepository(session)
    rules = repo.vendor_rules(i.supplier_connection_id for i in items if i.supplier_connection_id is not None)
    suppliers = repo.supplier_listings(
        (i.supplier_connection_id, i.id) for i in items if i.supplier_connection_id is not None
    )
    result: dict[int, int | None] = {}
    for item in items:
        supplier = item.supplier_connection_id
        vendor = suppliers.get((supplier, item.id)) if supplier is not None else None
        rule = rules.get(supplier) if supplier is not None else None
        discontinued = vendor.discontinued if vendor else False
        result[item.id] = published_stock(supplier, item.stock, rule, discontinued=discontinued)
    return result


def plan_publish(session: Session, connection_id: int, items: Sequence[Item], options: PublishOptions) -> list[Planned]:
    """Per product: create it, update it, or leave it (already as published); nothing is sent here."""
    stock = _stock_for(session, items)
    listings = CatalogRepository(session).listing_rows_by_item(connection_id, [item.id for item in items])
    live = {item_id: row for item_id, row in listings.items() if not row.delisted and row.deleted_at is None}
    published = PublishRepository(session).published_state(row.id for row in live.values())
    plans: list[Planned] = []
    for group in group_items(items):
        group.stock = {item.id: stock.get(item.id) for item in group.items}
        bound = {item.id: live[item.id] for item in group.items if item.id in live}
        try:
            if bound:
                plans.append(_plan_update(group, options, bound, published))
            else:
                body = new_product(group, options)
                plans.append(Planned(group, "create", body, {}, field_diff({}, body)))
        except AttributeTooLong as problem:
            plans.append(Planned(group, "failed", {}, bound, {}, str(problem)))
    return plans


def _plan_update(
    group: ProductGroup,
    options: PublishOptions,
    bound: dict[int, ListingRow],
    published: dict[int, tuple[dict[str, Any], str | None]],
) -> Planned:
    fields = product_fields(group, options, with_name=options.override_names, with_custom_fields=False)
    first = next(iter(bound.values()))
    before, before_hash = published.get(first.id, ({}, None))
    changes = field_diff(before, fields)
    action = "unchanged" if before_hash == _hashable(fields) else "update"
    return Planned(group, action, fields, bound, changes)


def describe(plans: Sequence[Planned]) -> list[dict[str, Any]]:
    """The dry-run view: per product, what would happen and the fields that would change."""
    return [
        {"sku": p.group.sku, "action": p.action, "changes": p.changes, **({"reason": p.reason} if p.reason else {})}
        for p in plans
    ]


# -- sending -----------------------------------------------------------------------------------


class Publisher:
    def __init__(self, run: OperationRun, options: PublishOptions, progress: Progress) -> None:
        assert run.connection.id is not None
        self.run = run
        self.connection_id = run.connection.id
        self.options = options
        self.progress = progress
        self.writes = StoreWrites(run.client, run.connection)
        self._categories: dict[str, int] = {}
        self._category_errors: dict[str, str] = {}

    async def publish(self, plans: Sequence[Planned]) -> None:
        await self._resolve_categories(plans)
        creates: list[Planned] = []
        for plan in plans:
            self._report_new_variants(plan)
            if plan.action == "failed":
                self._record(plan, Outcome.FAILED, plan.reason)
            elif plan.action == "unchanged":
                self._record(plan, Outcome.UNCHANGED, None)
            elif plan.action == "create":
                creates.append(plan)
            if plan.action not in ("update", "create"):
                self.progress(1)
        gate = asyncio.Semaphore(CREATE_CONCURRENCY)

        async def create(plan: Planned) -> None:
            async with gate:
                await self._create(plan)
            self.progress(1)

        await asyncio.gather(*(create(plan) for plan in creates))
        updates = [plan for plan in plans if plan.action == "update"]
        await self._update(updates)
        self.progress(len(updates))

    async def _resolve_categories(self, plans: Sequence[Planned]) -> None:
        """Category ids by name, created when missing, once per name and before any product goes out."""
        names = sorted({name for plan in plans if plan.action in ("create", "update")
                        for name in plan.body.get("categories", ())})  # fmt: skip
        for name in names:
            try:
                found = [c async for c in self.run.client.catalog.list_categories(name=name)]
                category = found[0] if found else await self.writes.create_category(name)
            except BigCommerceError as error:
                self._category_errors[name] = f"category {name!r} could not be found or created: {error}"
                continue
            self._categories[name] = category.id

    def _category_ids(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with category names replaced by ids; raises ``CategoryMissing`` for one that failed."""
        if "categories" not in body:
            return body
        for name in body["categories"]:
            if name not in self._categories:
                raise CategoryMissing(self._category_errors.get(name, f"category {name!r} was not resolved"))
        return {**body, "categories": [self._categories[name] for name in body["categories"]]}

    def _report_new_variants(self, plan: Planned) -> None:
        """Items of a product already in the store that are not variants of it there are reported, not sent."""
        if plan.action not in ("update", "unchanged"):
            return
        for item in plan.group.items:
            if item.id not in plan.listings:
                why = (
                    f"product {plan.group.sku} is already in the store without this variant; adding variants to "
                    "a published product is not supported: delist the product and publish it again"
                )
                self._record(plan, Outcome.SKIPPED, why, key=item.sku, kind="variant")

    async def _create(self, plan: Planned) -> None:
        try:
            product = await self.writes.create_product(self._category_ids(plan.body))
        except CategoryMissing as missing:
            self._record(plan, Outcome.FAILED, str(missing))
            return
        except Conflict as conflict:
            await self._link_existing(plan, conflict)
            return
        except BigCommerceError as error:
            self._record(plan, Outcome.FAILED, str(error))
            return
        self._bind(plan, product, Outcome.CREATED, None)

    async def _link_existing(self, plan: Planned, conflict: Conflict) -> None:
        found = [p async for p in self.run.client.catalog.list_products(skus=[plan.group.sku], include=("variants",))]
        match = next((p for p in found if (p.sku or "").casefold() == plan.group.sku.casefold()), None)
        if match is None:
            self._record(plan, Outcome.FAILED, f"conflict: {conflict.message} ({_details(conflict)}); not linked")
            return
        self._bind(plan, match, Outcome.LINKED, f"the store already had SKU {plan.group.sku}: linked")

    def _bind(self, plan: Planned, product: Product, outcome: Outcome, note: str | None) -> None:
        variants = {(v.sku or "").casefold(): v for v in product.variants}
        now = utc_now()
        with self.run.sessions.begin() as session:
            catalog = CatalogRepository(session)
            existing = catalog.listing_rows_by_item(self.connection_id, [i.id for i in plan.group.items])
            fresh: list[dict[str, Any]] = []
            updated: list[dict[str, Any]] = []
            for item in plan.group.items:
                variant = product.variants[0] if not plan.group.has_variants else variants.get(item.sku.casefold())
                if variant is None:
                    continue
                columns = {
                    "product_id": str(product.id),
                    "variant_id": str(variant.id),
                    "base_variant": not plan.group.has_variants,
                    "sku": variant.sku,
                    "price": item.data.price,
                    "inventory_level": plan.group.stock.get(item.id),
                    "delisted": False,
                    "hidden": False,
                    "deleted_at": None,
                    "updated_at": now,
                }
                row = existing.get(item.id)
                if row is None:
                    fresh.append(
                        {**columns, "connection_id": self.connection_id, "item_id": item.id, "created_at": now}
                    )
                else:
                    updated.append({**columns, "id": row.id})
            catalog.update_listings(updated)
            catalog.insert_listings(fresh)
            rows = catalog.listing_rows_by_item(self.connection_id, [i.id for i in plan.group.items])
            sent = outcome is Outcome.CREATED  # a linked product keeps the store's data until published again
            fields = product_fields(plan.group, self.options, with_custom_fields=False)
            tracking = product.inventory_tracking or ("variant" if plan.group.has_variants else "product")
            self._save_state(session, plan, rows, fields=fields, sent=sent, tracking=tracking)
            self._record_in(session, plan, outcome, note)

    def _save_state(
        self,
        session: Session,
        plan: Planned,
        rows: dict[int, ListingRow],
        *,
        fields: dict[str, Any],
        sent: bool = True,
        prices_and_stock: bool = True,
        tracking: str | None = None,
    ) -> None:
        """Keep what was published: the product fields and the price and stock the store now has."""
        fields = dict(fields)
        fields.pop("custom_fields", None)
        if not self.options.override_names:
            fields.pop("name", None)
        state = []
        for item in plan.group.items:
            row = rows.get(item.id)
            if row is None:
                continue
            pushed = PushState(item.data.price, item.data.sale_price, plan.group.stock.get(item.id))
            known = {"tracking": tracking} if tracking else {}
            if not sent:  # linked: nothing of the hub's is in the store yet
                state.append({"listing_id": row.id, "connection_id": self.connection_id, "published": {}, **known})
                continue
            if not prices_and_stock:  # a product update: variant prices and stock go out with the sync step
                state.append(
                    {
                        "listing_id": row.id,
                        "connection_id": self.connection_id,
                        "published": fields,
                        "published_hash": _hashable(fields),
                    }
                )
                continue
            state.append(
                {
                    "listing_id": row.id,
                    "connection_id": self.connection_id,
                    "price": pushed.price,
                    "sale_price": pushed.sale_price,
                    "stock": pushed.stock,
                    "price_hash": pushed.price_hash(),
                    "stock_hash": pushed.stock_hash(),
                    "published": fields,
                    "published_hash": _hashable(fields),
                    **known,
                }
            )
        PublishRepository(session).save_pushed(state)

    async def _update(self, plans: Sequence[Planned]) -> None:
        if not plans:
            return
        payloads: list[dict[str, Any]] = []
        by_id: dict[int, Planned] = {}
        for plan in plans:
            try:
                body = self._category_ids(plan.body)
            except CategoryMissing as missing:
                self._record(plan, Outcome.FAILED, str(missing))
                continue
            product_id = int(next(iter(plan.listings.values())).product_id)
            by_id[product_id] = plan
            payloads.append({"id": product_id, **body})
        result = await self.writes.update_products(payloads)
        with self.run.sessions.begin() as session:
            for payload in result.done:
                plan = by_id[payload["id"]]
                self._save_state(session, plan, plan.listings, fields=plan.body, prices_and_stock=False)
                self._record_in(session, plan, Outcome.UPDATED, None)
            for payload, refused in result.failed:
                self._record_in(session, by_id[payload["id"]], Outcome.FAILED, str(refused))

    def _record(
        self, plan: Planned, outcome: Outcome, reason: str | None, *, key: str | None = None, kind: str = KIND
    ) -> None:
        with self.run.sessions.begin() as session:
            self._record_in(session, plan, outcome, reason, key=key, kind=kind)

    def _record_in(
        self,
        session: Session,
        plan: Planned,
        outcome: Outcome,
        reason: str | None,
        *,
        key: str | None = None,
        kind: str = KIND,
    ) -> None:
        self.run.record(session, ItemOutcome(kind, key or plan.group.sku, outcome, reason))


def _details(error: BigCommerceError) -> str:
    return "; ".join(f"{key}: {text}" for key, text in error.field_errors.items()) or "duplicate"


async def publish_listings(
    deps: PublishDeps,
    connection: Connection | str | int,
    selection: Selection,
    options: PublishOptions = PublishOptions(),
    *,
    progress: Progress = no_progress,
) -> tuple[Run | None, list[dict[str, Any]]]:
    """Publish the selected hub items to a merchant store; with ``dry_run`` describe it and send nothing."""
    current = deps.connections.get(connection) if not isinstance(connection, Connection) else connection
    require_merchant(current)
    assert current.id is not None
    connection_id = current.id
    if options.dry_run:
        with deps.sessions() as session:
            return None, describe(plan_publish(session, connection_id, selection.items(session), options))

    async def body(run: OperationRun) -> None:
        with run.sessions() as session:
            items = selection.items(session)
            plans = plan_publish(session, connection_id, items, options)
        await Publisher(run, options, progress).publish(plans)
        # products that were already in the store (or just linked) get their price and stock brought up to date
        with run.sessions() as session:
            catching_up = plan_sync(session, connection_id, [item.id for item in items])
        if catching_up.pending:
            await push(run, catching_up, summarize=False)

    run = await deps.run("publish_listings", current, body, {**selection.as_params(), **options.as_params()})
    return run, []

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

Items of such a product that the store does not have yet are added as variants: the product's
options and variants are read (two GETs), a variant the store already has under that SKU is
linked, option values it lacks are created (``POST …/options/{id}/values``), then the variant
(``POST …/variants``, by option value ids, with its price); it is bound as a listing and the
catch-up push sends its stock. A lost response is looked up by SKU before anything is sent
again, so a re-run never creates a variant twice. A product published without variants, a
variant whose options are not the product's, and a variant removed at the vendor are skipped
with why; a published variant removed at the vendor is kept and the run says so (see
``domain.publishing``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bchub.bigcommerce.errors import BigCommerceError, Conflict, WriteOutcomeUnknown
from bchub.bigcommerce.models.catalog import OptionValue, Product, ProductOption, Variant
from bchub.domain.catalog import Item, content_hash
from bchub.domain.connections import Connection
from bchub.domain.publishing import (
    NEW_VARIANT_REMOVED_AT_VENDOR,
    AttributeTooLong,
    PublishOptions,
    PushState,
    apply_attribute_policy,
    base_product_problem,
    field_diff,
    missing_option_values,
    option_mismatch,
    published_stock,
    removed_variant_note,
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
class Addition:
    """An item of a product already in the store that the store has no variant for."""

    item: Item
    body: dict[str, Any]  # the variant as ``_variant`` builds it (option values by name and label)
    problem: str | None = None  # why it will not be added


@dataclass
class Planned:
    group: ProductGroup
    action: str  # create | update | unchanged | failed
    body: dict[str, Any]
    listings: dict[int, ListingRow]  # item id → its listing in the store (update)
    changes: dict[str, tuple[Any, Any]]
    reason: str | None = None
    additions: list[Addition] = field(default_factory=list)  # variants to add (update, unchanged)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (SKU, note): published, removed at the vendor


@dataclass
class VendorFacts:
    stock: dict[int, int | None]  # item id → stock to publish
    removed: dict[int, bool]  # item id → True when removed at its vendor; the value: its stock is zeroed


def _vendor_facts(session: Session, items: Sequence[Item]) -> VendorFacts:
    repo = PublishRepository(session)
    rules = repo.vendor_rules(i.supplier_connection_id for i in items if i.supplier_connection_id is not None)
    suppliers = repo.supplier_listings(
        (i.supplier_connection_id, i.id) for i in items if i.supplier_connection_id is not None
    )
    facts = VendorFacts({}, {})
    for item in items:
        supplier = item.supplier_connection_id
        vendor = suppliers.get((supplier, item.id)) if supplier is not None else None
        rule = rules.get(supplier) if supplier is not None else None
        discontinued = vendor.discontinued if vendor else False
        facts.stock[item.id] = published_stock(supplier, item.stock, rule, discontinued=discontinued)
        if vendor is not None and vendor.deleted:
            facts.removed[item.id] = bool(rule and rule.zero_when_discontinued)
    return facts


def _with_published_siblings(session: Session, connection_id: int, items: Sequence[Item]) -> Sequence[Item]:
    """``items`` plus the other variants of their products that are live in the store, so a new variant
    selected alone (``--skus NEW-VARIANT``) joins its product there instead of making a product of its own."""
    parents = {item.data.parent_sku for item in items if item.data.parent_sku}
    if not parents:
        return items
    chosen = {item.id for item in items}
    repository = CatalogRepository(session)
    others = repository.items_by_parent_sku(parents, excluding=chosen)
    rows = repository.listing_rows_by_item(connection_id, [item.id for item in others])
    live = [
        item for item in others if item.id in rows and not rows[item.id].delisted and rows[item.id].deleted_at is None
    ]
    if not live:
        return items
    return sorted([*items, *live], key=lambda item: item.sku)  # the order a search gives: the same lead item


def plan_publish(session: Session, connection_id: int, items: Sequence[Item], options: PublishOptions) -> list[Planned]:
    """Per product: create it, update it, or leave it (already as published); nothing is sent here."""
    items = _with_published_siblings(session, connection_id, items)
    facts = _vendor_facts(session, items)
    stock = facts.stock
    listings = CatalogRepository(session).listing_rows_by_item(connection_id, [item.id for item in items])
    live = {item_id: row for item_id, row in listings.items() if not row.delisted and row.deleted_at is None}
    published = PublishRepository(session).published_state(row.id for row in live.values())
    plans: list[Planned] = []
    for group in group_items(items):
        group.stock = {item.id: stock.get(item.id) for item in group.items}
        bound = {item.id: live[item.id] for item in group.items if item.id in live}
        try:
            if bound:
                plans.append(_plan_update(group, options, bound, published, facts.removed))
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
    removed: dict[int, bool],
) -> Planned:
    fields = product_fields(group, options, with_name=options.override_names, with_custom_fields=False)
    first = next(iter(bound.values()))
    before, before_hash = published.get(first.id, ({}, None))
    changes = field_diff(before, fields)
    action = "unchanged" if before_hash == _hashable(fields) else "update"
    planned = Planned(group, action, fields, bound, changes)
    base = any(row.base_variant for row in bound.values())
    for item in group.items:
        if item.id in bound:
            if item.id in removed:
                planned.kept.append((item.sku, removed_variant_note(removed[item.id])))
            continue
        problem = base_product_problem(group.sku) if base else None
        if problem is None and item.id in removed:
            problem = NEW_VARIANT_REMOVED_AT_VENDOR
        planned.additions.append(Addition(item, _variant(item, None), problem))
    return planned


def _option_text(body: dict[str, Any]) -> str:
    return ", ".join(f"{value['option_display_name']}: {value['label']}" for value in body["option_values"])


def describe(plans: Sequence[Planned]) -> list[dict[str, Any]]:
    """The dry-run view: per product, what would happen and the fields that would change; then the
    variants it would add (or skip, with why) and the published ones kept though removed at the vendor."""
    rows: list[dict[str, Any]] = []
    for p in plans:
        rows.append(
            {"sku": p.group.sku, "action": p.action, "changes": p.changes, **({"reason": p.reason} if p.reason else {})}
        )
        for addition in p.additions:
            if addition.problem is not None:
                rows.append({"sku": addition.item.sku, "action": "skip", "changes": {}, "reason": addition.problem})
                continue
            shown = {key: value for key, value in addition.body.items() if key not in ("sku", "option_values")}
            shown["options"] = _option_text(addition.body)
            rows.append({"sku": addition.item.sku, "action": "add variant", "changes": field_diff({}, shown)})
        rows.extend({"sku": sku, "action": "keep", "changes": {}, "reason": note} for sku, note in p.kept)
    return rows


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
            self._report_additions(plan)
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

        async def add(plan: Planned) -> None:
            async with gate:
                await self._add_variants(plan)

        growing = [p for p in plans if p.action in ("update", "unchanged") and _addable(p)]
        await asyncio.gather(*(add(plan) for plan in growing))

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

    def _report_additions(self, plan: Planned) -> None:
        """Variants that will not be added are skipped with why; published ones removed at the vendor are noted."""
        if plan.action not in ("update", "unchanged"):
            return
        for addition in plan.additions:
            if addition.problem is not None:
                self._record(plan, Outcome.SKIPPED, addition.problem, key=addition.item.sku, kind="variant")
        for sku, note in plan.kept:
            self._record(plan, Outcome.UNCHANGED, note, key=sku, kind="variant")
        if plan.kept:
            self.run.summary["removed_at_vendor"] = self.run.summary.get("removed_at_vendor", 0) + len(plan.kept)

    # -- variants added to a product already in the store -----------------------------------------

    async def _add_variants(self, plan: Planned) -> None:
        """Read the product's options and variants once, then add each missing variant (see the module doc)."""
        product_id = int(next(iter(plan.listings.values())).product_id)
        wanted = [addition for addition in plan.additions if addition.problem is None]
        catalog = self.run.client.catalog
        try:
            options = [option async for option in catalog.list_options(product_id)]
            existing = {(v.sku or "").casefold(): v async for v in catalog.list_variants(product_id=product_id)}
        except BigCommerceError as error:
            why = f"product {plan.group.sku}'s options and variants could not be read: {error}"
            for addition in wanted:
                self._record(plan, Outcome.FAILED, why, key=addition.item.sku, kind="variant")
            return
        for addition in wanted:
            await self._add_variant(plan, product_id, options, existing, addition)

    async def _add_variant(
        self,
        plan: Planned,
        product_id: int,
        options: list[ProductOption],
        existing: dict[str, Variant],
        addition: Addition,
    ) -> None:
        item = addition.item
        found = existing.get(item.sku.casefold())
        if found is not None:  # created by a run whose answer was lost, or by hand: link, never create twice
            self._bind_variant(plan, item, found, Outcome.LINKED, f"the store's product already had variant {item.sku}")
            return
        pairs = [(str(v["option_display_name"]), str(v["label"])) for v in addition.body["option_values"]]
        mismatch = option_mismatch(plan.group.sku, [o.display_name for o in options], [name for name, _ in pairs])
        if mismatch is not None:
            self._record(plan, Outcome.SKIPPED, mismatch, key=item.sku, kind="variant")
            return
        try:
            values = await self._option_value_ids(product_id, options, pairs)
            variant = await self.writes.create_variant(product_id, {**addition.body, "option_values": values})
        except WriteOutcomeUnknown as lost:
            try:
                variant_or_none = await self._variant_by_sku(item.sku)
            except BigCommerceError as error:
                why = f"{lost}; looking it up failed ({error}): the next publish looks it up again before adding it"
                self._record(plan, Outcome.FAILED, why, key=item.sku, kind="variant")
                return
            if variant_or_none is None or variant_or_none.product_id != product_id:
                why = f"{lost}; no variant {item.sku} is in the store, so the next publish adds it"
                self._record(plan, Outcome.FAILED, why, key=item.sku, kind="variant")
                return
            variant = variant_or_none
        except Conflict as conflict:
            await self._link_variant(plan, product_id, item, conflict)
            return
        except BigCommerceError as error:
            self._record(plan, Outcome.FAILED, str(error), key=item.sku, kind="variant")
            return
        self._bind_variant(plan, item, variant, Outcome.CREATED, None, sent=True)

    async def _option_value_ids(
        self, product_id: int, options: list[ProductOption], pairs: list[tuple[str, str]]
    ) -> list[dict[str, int]]:
        """The variant's option values by id, creating the labels the store's options lack (kept in
        ``options`` so the next variant of the product reuses them)."""
        by_name = {option.display_name.casefold(): option for option in options}
        for name, label in missing_option_values(
            {option.display_name: [value.label for value in option.option_values] for option in options}, pairs
        ):
            option = by_name[name.casefold()]
            option.option_values.append(await self._create_value(product_id, option, label))
        ids: list[dict[str, int]] = []
        for name, label in pairs:
            option = by_name[name.casefold()]
            value = next(v for v in option.option_values if v.label.casefold() == label.casefold())
            assert value.id is not None
            ids.append({"id": value.id, "option_id": option.id})
        return ids

    async def _create_value(self, product_id: int, option: ProductOption, label: str) -> OptionValue:
        try:
            return await self.writes.create_option_value(product_id, option.id, label, len(option.option_values))
        except WriteOutcomeUnknown:
            # the answer was lost: the value may exist; read the options again rather than post twice
            async for fresh in self.run.client.catalog.list_options(product_id):
                if fresh.id == option.id:
                    for value in fresh.option_values:
                        if value.label.casefold() == label.casefold():
                            return value
            raise

    async def _variant_by_sku(self, sku: str) -> Variant | None:
        found = [v async for v in self.run.client.catalog.list_variants(skus=[sku])]
        return next((v for v in found if (v.sku or "").casefold() == sku.casefold()), None)

    async def _link_variant(self, plan: Planned, product_id: int, item: Item, conflict: Conflict) -> None:
        """A 409 on a new variant: its SKU is this product's variant (link it) or another product's (fail)."""
        try:
            found = await self._variant_by_sku(item.sku)
        except BigCommerceError as error:
            why = f"conflict: {conflict.message}; looking up SKU {item.sku} failed: {error}"
            self._record(plan, Outcome.FAILED, why, key=item.sku, kind="variant")
            return
        if found is not None and found.product_id == product_id:
            self._bind_variant(plan, item, found, Outcome.LINKED, f"the store's product already had variant {item.sku}")
            return
        where = f" (SKU {item.sku} belongs to product {found.product_id})" if found is not None else ""
        why = f"conflict: {conflict.message} ({_details(conflict)}){where}; not added"
        self._record(plan, Outcome.FAILED, why, key=item.sku, kind="variant")

    def _bind_variant(
        self, plan: Planned, item: Item, variant: Variant, outcome: Outcome, note: str | None, *, sent: bool = False
    ) -> None:
        """Bind ``variant`` as the item's listing; its push state takes the product's published fields
        (so the product compares as before), the price when it was just sent, and no stock (the
        catch-up push sends it)."""
        now = utc_now()
        sibling = next(iter(plan.listings.values()))
        with self.run.sessions.begin() as session:
            catalog = CatalogRepository(session)
            columns = {
                "product_id": str(variant.product_id),
                "variant_id": str(variant.id),
                "base_variant": False,
                "sku": variant.sku,
                "price": item.data.price,
                "inventory_level": None,
                "delisted": False,
                "hidden": any(row.hidden for row in plan.listings.values()),  # the store hides whole products
                "paused": all(row.paused for row in plan.listings.values()),  # a paused product stays paused
                "deleted_at": None,
                "updated_at": now,
            }
            row = catalog.listing_rows_by_item(self.connection_id, [item.id]).get(item.id)
            if row is None:
                fresh = {**columns, "connection_id": self.connection_id, "item_id": item.id, "created_at": now}
                catalog.insert_listings([fresh])
            else:
                catalog.update_listings([{**columns, "id": row.id}])
            listing = catalog.listing_rows_by_item(self.connection_id, [item.id])[item.id]
            publish = PublishRepository(session)
            pushed = PushState(item.data.price, item.data.sale_price, None) if sent else PushState()
            state = {
                "listing_id": listing.id,
                "connection_id": self.connection_id,
                "published": {},
                "published_hash": None,
                "tracking": None,
                **publish.copy_state(sibling.id),
                "price": pushed.price,
                "sale_price": pushed.sale_price,
                "price_hash": pushed.price_hash(),
                "stock": None,
                "stock_hash": None,
            }
            publish.save_pushed([state])
            self._record_in(session, plan, outcome, note, key=item.sku, kind="variant")

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


def _addable(plan: Planned) -> bool:
    return any(addition.problem is None for addition in plan.additions)


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

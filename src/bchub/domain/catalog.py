"""The hub's catalog: items (one per sellable SKU), listings (an item in one store), import rules.

An **item** is keyed by its *master SKU*, taken from the store's SKU, UPC or MPN as the import
chooses. A **listing** is the item's presence in one connected store (its product and variant
ids there and the listing's flags). Matching across stores falls out of the key: a merchant
listing and a vendor listing with the same master SKU point at the same item; the vendor
listing of an item's *supplier* is where its orders are routed.

Everything here is pure: no I/O, no database, no HTTP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson

from bchub.errors import InputError

DEFAULT_UNIT = "Each"
DEFAULT_INCOME_ACCOUNT = "Sales"
DEFAULT_COGS_ACCOUNT = "Cost of Goods Sold"
DEFAULT_ASSET_ACCOUNT = "Stock Asset"
DEFAULT_LOOKBACK = timedelta(minutes=5)


class MasterSkuSource(StrEnum):
    """Which store field becomes the item's master SKU."""

    SKU = "sku"
    UPC = "upc"
    MPN = "mpn"


class ImportMode(StrEnum):
    CREATE_ONLY = "create_only"  # link existing items by master SKU, create the others
    CREATE_AND_OVERWRITE = "create_and_overwrite"  # also overwrite the hub data of matched items


class Overwrite(StrEnum):
    """What ``create_and_overwrite`` overwrites on matched items."""

    PRODUCT_DATA = "product_data"  # everything the store says about the item
    PRICE_STOCK = "price_stock"  # only prices and stock


class MatchStatus(StrEnum):
    MATCHED = "matched"  # exactly one vendor lists the SKU
    UNMATCHED = "unmatched"  # no vendor lists it
    CONFLICT = "conflict"  # several vendors list it: the supplier is kept, the others reported


class Origin(StrEnum):
    STORE = "store"
    CSV = "csv"


@dataclass(frozen=True)
class Attribute:
    """A named value: a custom field or an option value (``Size`` = ``L``)."""

    name: str
    value: str


# Option names that mean the same attribute, and the name the hub keeps for them.
_OPTION_NAMES = {
    "color": "Color",
    "colour": "Color",
    "size": "Size",
    "hs code": "HS Code",
    "hs_code": "HS Code",
    "hscode": "HS Code",
    "hs-code": "HS Code",
}


def normalise_option_name(name: str) -> str:
    """``Colour``/``color `` → ``Color``, ``size`` → ``Size``, ``hs code`` → ``HS Code``; others trimmed."""
    cleaned = " ".join(name.split())
    return _OPTION_NAMES.get(cleaned.casefold(), cleaned)


def normalise_options(options: Iterable[Attribute]) -> tuple[Attribute, ...]:
    return tuple(Attribute(normalise_option_name(option.name), option.value.strip()) for option in options)


def hs_code_of(options: Iterable[Attribute], custom_fields: Iterable[Attribute]) -> str | None:
    """The HS code an option or a custom field carries (options first), if any."""
    for attribute in (*options, *custom_fields):
        if normalise_option_name(attribute.name) == "HS Code" and attribute.value.strip():
            return attribute.value.strip()
    return None


@dataclass(frozen=True)
class ItemData:
    """What a source (a store, a spreadsheet) says about one item; hub-only settings are on ``Item``."""

    sku: str
    name: str
    parent_sku: str | None = None  # the product's SKU, for an item that is one variant of it
    description: str | None = None
    price: Decimal | None = None
    cost_price: Decimal | None = None
    sale_price: Decimal | None = None
    retail_price: Decimal | None = None
    upc: str | None = None
    mpn: str | None = None
    gtin: str | None = None
    weight: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    depth: Decimal | None = None
    brand: str | None = None
    categories: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    custom_fields: tuple[Attribute, ...] = ()
    options: tuple[Attribute, ...] = ()
    hs_code: str | None = None

    def content_hash(self) -> str:
        # fields in order, by hand: ``asdict`` would dominate a 30,000-item import
        return content_hash(
            [
                self.sku,
                self.name,
                self.parent_sku,
                self.description,
                self.price,
                self.cost_price,
                self.sale_price,
                self.retail_price,
                self.upc,
                self.mpn,
                self.gtin,
                self.weight,
                self.width,
                self.height,
                self.depth,
                self.brand,
                self.categories,
                self.images,
                # attributes as sets: reordering them (a spreadsheet's columns) is no change
                sorted((field.name, field.value) for field in self.custom_fields),
                sorted((option.name, option.value) for option in self.options),
                self.hs_code,
            ]
        )

    def with_prices_of(self, other: ItemData) -> ItemData:
        return replace(
            self,
            price=other.price,
            cost_price=other.cost_price,
            sale_price=other.sale_price,
            retail_price=other.retail_price,
        )


PRICE_FIELDS = ("price", "cost_price", "sale_price", "retail_price")


@dataclass(frozen=True)
class Accounting:
    """The hub-only defaults of an item: unit of measure and the accounts it posts to."""

    unit_of_measure: str = DEFAULT_UNIT
    income_account: str = DEFAULT_INCOME_ACCOUNT
    cogs_account: str = DEFAULT_COGS_ACCOUNT
    asset_account: str = DEFAULT_ASSET_ACCOUNT


@dataclass(frozen=True)
class Item:
    """One sellable SKU in the hub's catalog."""

    id: int
    data: ItemData
    accounting: Accounting
    origin: Origin
    supplier_connection_id: int | None = None  # the vendor connection it is drop-shipped from
    origin_connection_id: int | None = None
    stock: Mapping[str, int] = field(default_factory=dict)  # by source ("connection:<id>", "csv")
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def sku(self) -> str:
        return self.data.sku

    @property
    def name(self) -> str:
        return self.data.name


@dataclass(frozen=True)
class Listing:
    """An item's presence in one store."""

    id: int
    connection_id: int
    item_id: int
    product_id: int
    variant_id: int  # the base variant's id for a product without variants
    base_variant: bool
    sku: str | None
    price: Decimal | None = None
    inventory_level: int | None = None
    visible: bool = True
    paused: bool = False
    hidden: bool = False
    delisted: bool = False
    deleted_at: datetime | None = None
    vendor_listing_id: int | None = None
    match_status: MatchStatus | None = None
    match_note: str | None = None
    remote_modified_at: datetime | None = None
    read_hash: str | None = None
    pushed_hash: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class VendorListing:
    """Where an item's orders go: the supplier's store and its ids for the item there."""

    connection_id: int
    listing_id: int
    product_id: int
    variant_id: int
    sku: str | None


@dataclass(frozen=True)
class ImportOptions:
    """The options of one listing import (the Flxpoint/Onport/Salesorder ones)."""

    master_sku: MasterSkuSource = MasterSkuSource.SKU
    mode: ImportMode = ImportMode.CREATE_ONLY
    overwrite: Overwrite = Overwrite.PRODUCT_DATA
    paused: bool = False  # new listings start paused: no price or stock is pushed for them
    incremental: bool = False
    lookback: timedelta = DEFAULT_LOOKBACK
    product_ids: tuple[int, ...] = ()  # selective import, the Salesorder way
    skus: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.lookback < timedelta(0):
            raise InputError("the lookback window cannot be negative")
        if self.incremental and self.selective:
            raise InputError("an import is either incremental or of chosen products (--ids/--skus), not both")

    @property
    def selective(self) -> bool:
        return bool(self.product_ids or self.skus)

    @property
    def full(self) -> bool:
        """A full import reads the whole store, so products missing from it were deleted."""
        return not self.incremental and not self.selective

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "master_sku": self.master_sku.value,
            "mode": self.mode.value,
            "overwrite": self.overwrite.value,
            "paused": self.paused,
            "incremental": self.incremental,
            "lookback_seconds": int(self.lookback.total_seconds()),
        }
        if self.product_ids:
            params["product_ids"] = list(self.product_ids)
        if self.skus:
            params["skus"] = list(self.skus)
        return params


def merged(existing: ItemData, incoming: ItemData, options: ImportOptions) -> ItemData:
    """The hub data of a matched item after an import with ``options`` (the master SKU never changes)."""
    if options.mode is ImportMode.CREATE_ONLY:
        return existing
    if options.overwrite is Overwrite.PRICE_STOCK:
        return existing.with_prices_of(incoming)
    return replace(incoming, sku=existing.sku)


@dataclass(frozen=True)
class MatchResult:
    status: MatchStatus
    vendor_listing_id: int | None
    note: str | None


def match_listing(
    supplier_connection_id: int | None, vendor_listings: Mapping[int, int], names: Mapping[int, str]
) -> MatchResult:
    """How a merchant listing of an item matches the vendors that list the item.

    ``vendor_listings`` maps each vendor connection id listing the item (not deleted) to its
    listing id; the supplier's listing is the match. Several vendors are a conflict, reported
    with their names, and the supplier (the first vendor imported) is kept.
    """
    if not vendor_listings:
        return MatchResult(MatchStatus.UNMATCHED, None, "no vendor lists this SKU")
    chosen = (
        supplier_connection_id
        if supplier_connection_id is not None and supplier_connection_id in vendor_listings
        else min(vendor_listings)
    )
    if len(vendor_listings) == 1:
        return MatchResult(MatchStatus.MATCHED, vendor_listings[chosen], None)
    others = sorted(names.get(vendor, f"#{vendor}") for vendor in vendor_listings)
    note = f"listed by {len(others)} vendors ({', '.join(others)}); supplier kept: {names.get(chosen, f'#{chosen}')}"
    return MatchResult(MatchStatus.CONFLICT, vendor_listings[chosen], note)


def content_hash(value: Any) -> str:
    """A stable SHA-256 of plain data (dicts, lists, decimals, dates), for change detection."""
    return hashlib.sha256(orjson.dumps(value, default=_plain, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    raise TypeError(f"cannot hash {type(value).__name__}")

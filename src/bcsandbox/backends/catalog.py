"""Catalog state and rules: products, variants, options, custom fields, brands, categories.

Shapes and limits follow ``reference/catalog/*.yml`` and DIGEST §5. Stock is not kept here: the
Catalog API reads and writes inventory through the store's ``InventoryBackend`` (default location
only), as BigCommerce does since its Inventory API took over. Products live in a dict keyed by id,
in id order, and each holds its public fields ready to copy, so a list page costs one shallow copy
per product and variant.

Python API for other backends and the demo seeder (all documented below): ``create_product``,
``get_product``, ``get_variant``, ``find_sku``, ``record_sale`` and ``set_stock``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bcsandbox.dates import iso, parse_date
from bcsandbox.errors import STATUS_TYPE, ApiError, conflict, not_found, unprocessable

if TYPE_CHECKING:
    from bcsandbox.state import Store

JsonObject = dict[str, Any]
ItemKey = tuple[str, int]  # ("product", id) or ("variant", id): whose stock an inventory record holds

MAX_STOCK = 2_147_483_647
MAX_PRODUCT_BATCH = 10
MAX_VARIANT_BATCH = 50
MAX_PRODUCT_DELETE = 250
MAX_VARIANTS = 600
MAX_CUSTOM_FIELDS = 200
MAX_OPTION_VALUES = 250
MAX_IMAGES = 1000
INVALID = "JSON data is missing or invalid"
OPTION_TYPES = ("radio_buttons", "rectangles", "dropdown", "product_list", "product_list_with_images", "swatch")


def batch_too_large(limit: int) -> ApiError:
    """The 413 BigCommerce answers to an oversized batch (DIGEST §3)."""
    return ApiError(413, f"The request payload is too large. The maximum items allowed in the array is {limit}.")


# -- field rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What one JSON field may hold; ``low``/``high`` bound numbers (or list lengths)."""

    kind: str  # str | int | num | bool | enum | ints | strs | date | object | list
    low: float | None = None
    high: float | None = None
    min_len: int = 0
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False


def _text(max_len: int | None = None, min_len: int = 0, *, nullable: bool = False) -> Rule:
    return Rule("str", min_len=min_len, max_len=max_len, nullable=nullable)


def _number(low: float | None = None, high: float | None = None, *, nullable: bool = False) -> Rule:
    return Rule("num", low, high, nullable=nullable)


def _integer(low: float | None = None, high: float | None = None, *, nullable: bool = False) -> Rule:
    return Rule("int", low, high, nullable=nullable)


def _enum(*choices: str) -> Rule:
    return Rule("enum", choices=choices)


BOOL = Rule("bool")
DIMENSION = _number(0, 9_999_999_999)
PRICE = _number(0)
SORT_ORDER = _integer(-2_147_483_648, 2_147_483_647)

PRODUCT_RULES: dict[str, Rule] = {
    "name": _text(250, 1),
    "type": _enum("physical", "digital"),
    "sku": _text(255),
    "description": _text(),
    "weight": DIMENSION,
    "width": DIMENSION,
    "depth": DIMENSION,
    "height": DIMENSION,
    "price": PRICE,
    "cost_price": PRICE,
    "retail_price": PRICE,
    "sale_price": PRICE,
    "map_price": _number(),
    "tax_class_id": _number(0, 255),
    "product_tax_code": _text(255),
    "categories": Rule("ints", high=1000),
    "brand_id": _integer(0, 1_000_000_000),
    "brand_name": _text(255),
    "inventory_level": _integer(0),  # above the maximum the Catalog API clamps (DIGEST §5)
    "inventory_warning_level": _integer(0, MAX_STOCK),
    "inventory_tracking": _enum("none", "product", "variant"),
    "fixed_cost_shipping_price": PRICE,
    "is_free_shipping": BOOL,
    "is_visible": BOOL,
    "is_featured": BOOL,
    "related_products": Rule("ints"),
    "warranty": _text(65535),
    "bin_picking_number": _text(255),
    "layout_file": _text(500),
    "upc": _text(14),
    "search_keywords": _text(65535),
    "availability_description": _text(255),
    "availability": _enum("available", "disabled", "preorder"),
    "gift_wrapping_options_type": _enum("any", "none", "list"),
    "gift_wrapping_options_list": Rule("ints"),
    "sort_order": SORT_ORDER,
    "condition": _enum("New", "Used", "Refurbished"),
    "is_condition_shown": BOOL,
    "order_quantity_minimum": _integer(0, 1_000_000_000),
    "order_quantity_maximum": _integer(0, 1_000_000_000),
    "page_title": _text(255),
    "meta_keywords": Rule("strs"),
    "meta_description": _text(65535),
    "view_count": _integer(0, 1_000_000_000),
    "preorder_release_date": Rule("date", nullable=True),
    "preorder_message": _text(255),
    "is_preorder_only": BOOL,
    "is_price_hidden": BOOL,
    "price_hidden_label": _text(200),
    "custom_url": Rule("object"),
    "open_graph_type": _enum("product", "album", "book", "drink", "food", "game", "movie", "song", "tv_show"),
    "open_graph_title": _text(),
    "open_graph_description": _text(),
    "open_graph_use_meta_description": BOOL,
    "open_graph_use_product_name": BOOL,
    "open_graph_use_image": BOOL,
    "gtin": _text(14),
    "mpn": _text(),
    "date_last_imported": Rule("date"),
    "reviews_rating_sum": _number(0),
    "reviews_count": _integer(0),
    "total_sold": _integer(0),
    "custom_fields": Rule("list", high=MAX_CUSTOM_FIELDS),
    "images": Rule("list", high=MAX_IMAGES),
    "videos": Rule("list"),
    "bulk_pricing_rules": Rule("list"),
    "variants": Rule("list", high=MAX_VARIANTS),
}
REQUIRED_PRODUCT_FIELDS = ("name", "type", "weight", "price")
# Fields a write touches but which are not copied into the stored product as they are.
_PRODUCT_SPECIAL = frozenset(
    {
        "brand_name",
        "inventory_level",
        "inventory_warning_level",
        "bin_picking_number",
        "custom_url",
        "custom_fields",
        "images",
        "videos",
        "bulk_pricing_rules",
        "variants",
        "preorder_release_date",
        "date_last_imported",
    }
)

VARIANT_RULES: dict[str, Rule] = {
    "sku": _text(255, 1),
    "cost_price": _number(0, nullable=True),
    "price": _number(0, nullable=True),
    "sale_price": _number(0, nullable=True),
    "retail_price": _number(0, nullable=True),
    "map_price": _number(nullable=True),
    "weight": _number(0, nullable=True),
    "width": _number(0, nullable=True),
    "height": _number(0, nullable=True),
    "depth": _number(0, nullable=True),
    "is_free_shipping": BOOL,
    "fixed_cost_shipping_price": _number(0, nullable=True),
    "purchasing_disabled": BOOL,
    "purchasing_disabled_message": _text(255),
    "upc": _text(14, nullable=True),
    "image_url": _text(),
    "inventory_level": _integer(0, nullable=True),
    "inventory_warning_level": _integer(0, MAX_STOCK, nullable=True),
    "bin_picking_number": _text(255, nullable=True),
    "gtin": _text(14, nullable=True),
    "mpn": _text(nullable=True),
    "option_values": Rule("list"),
    "product_id": _integer(1),
}
_VARIANT_STORED = (
    "cost_price",
    "price",
    "sale_price",
    "retail_price",
    "map_price",
    "weight",
    "width",
    "height",
    "depth",
    "is_free_shipping",
    "fixed_cost_shipping_price",
    "purchasing_disabled",
    "purchasing_disabled_message",
    "upc",
    "image_url",
    "gtin",
    "mpn",
)

# What a base variant shares with its product (written to the product, inherited by the variant).
_BASE_VARIANT_SHARED = (
    "price",
    "sale_price",
    "retail_price",
    "cost_price",
    "map_price",
    "weight",
    "width",
    "height",
    "depth",
    "fixed_cost_shipping_price",
    "is_free_shipping",
)

OPTION_RULES: dict[str, Rule] = {
    "display_name": _text(255, 1),
    "type": _enum(*OPTION_TYPES),
    "sort_order": SORT_ORDER,
    "config": Rule("object"),
    "option_values": Rule("list"),
    "image_url": _text(),
}
OPTION_VALUE_RULES: dict[str, Rule] = {
    "label": _text(255, 1),
    "sort_order": SORT_ORDER,
    "is_default": BOOL,
    "value_data": Rule("object", nullable=True),
}
CUSTOM_FIELD_RULES: dict[str, Rule] = {"name": _text(250, 1), "value": _text(250, 1)}
IMAGE_RULES: dict[str, Rule] = {
    "image_url": _text(),
    "is_thumbnail": BOOL,
    "sort_order": SORT_ORDER,
    "description": _text(),
}
VIDEO_RULES: dict[str, Rule] = {
    "title": _text(255),
    "description": _text(),
    "sort_order": SORT_ORDER,
    "type": _enum("youtube"),
    "video_id": _text(),
}
BULK_RULE_RULES: dict[str, Rule] = {
    "quantity_min": _integer(0),
    "quantity_max": _integer(0),
    "type": _enum("price", "percent", "fixed"),
    "amount": _number(),
}
BRAND_RULES: dict[str, Rule] = {
    "name": _text(255, 1),
    "page_title": _text(255),
    "meta_keywords": Rule("strs"),
    "meta_description": _text(65535),
    "image_url": _text(),
    "search_keywords": _text(65535),
    "custom_url": Rule("object"),
}
CATEGORY_RULES: dict[str, Rule] = {
    "parent_id": _integer(0),
    "name": _text(50, 1),
    "description": _text(65535),
    "views": _integer(0),
    "sort_order": SORT_ORDER,
    "page_title": _text(255),
    "meta_keywords": Rule("strs"),
    "meta_description": _text(65535),
    "layout_file": _text(500),
    "image_url": _text(),
    "is_visible": BOOL,
    "search_keywords": _text(65535),
    "default_product_sort": _enum(
        "use_store_settings",
        "featured",
        "newest",
        "best_selling",
        "alpha_asc",
        "alpha_desc",
        "avg_customer_review",
        "price_asc",
        "price_desc",
    ),
    "custom_url": Rule("object"),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range_problem(value: float, rule: Rule) -> str | None:
    if rule.low is not None and value < rule.low:
        return f"must be at least {rule.low:g}"
    if rule.high is not None and value > rule.high:
        return f"must be at most {rule.high:g}"
    return None


def _problem(value: Any, rule: Rule) -> str | None:
    """Why ``value`` breaks ``rule``, or None when it is fine."""
    if value is None:
        return None if rule.nullable else "must not be null"
    kind = rule.kind
    if kind == "str":
        if not isinstance(value, str):
            return "must be a string"
        if len(value) < rule.min_len or (rule.max_len is not None and len(value) > rule.max_len):
            return f"must be {rule.min_len} to {rule.max_len} characters long"
        return None
    if kind in ("num", "int"):
        if not _is_number(value) or (kind == "int" and not float(value).is_integer()):
            return "must be an integer" if kind == "int" else "must be a number"
        return _range_problem(value, rule)
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "enum":
        return None if value in rule.choices else f"must be one of: {', '.join(rule.choices)}"
    if kind == "ints":
        if not isinstance(value, list) or not all(_is_number(item) and float(item).is_integer() for item in value):
            return "must be an array of integers"
        return None if rule.high is None or len(value) <= rule.high else f"must hold at most {rule.high:g} items"
    if kind == "strs":
        return None if isinstance(value, list) and all(isinstance(item, str) for item in value) else "must be strings"
    if kind == "date":
        return _date_problem(value)
    if kind == "object":
        return None if isinstance(value, dict) else "must be an object"
    if not isinstance(value, list):
        return "must be an array"
    return None if rule.high is None or len(value) <= rule.high else f"must hold at most {rule.high:g} items"


def _date_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be an ISO-8601 date"
    try:
        parse_date(value)
    except (ValueError, OverflowError, OSError):  # a huge Unix timestamp overflows the platform's time_t
        return "must be an ISO-8601 date"
    return None


def field_errors(body: JsonObject, rules: dict[str, Rule], prefix: str = "") -> dict[str, str]:
    """``{path: message}`` for every field of ``body`` that breaks its rule (unknown fields pass)."""
    errors: dict[str, str] = {}
    for key, value in body.items():
        rule = rules.get(key)
        if rule is None:
            continue
        problem = _problem(value, rule)
        if problem is not None:
            errors[prefix + key] = f"The field '{key}' {problem}."
    return errors


def _normalized(value: Any, rule: Rule) -> Any:
    """JSON gives 5.0 for an integer at times; store integers as ints."""
    if rule.kind == "int" and isinstance(value, float):
        return int(value)
    if rule.kind == "ints":
        return [int(item) for item in value]
    return value


def require(body: JsonObject, names: Iterable[str], prefix: str = "") -> dict[str, str]:
    return {prefix + name: f"The field '{name}' is required." for name in names if body.get(name) is None}


def reject_invalid(errors: dict[str, str]) -> None:
    if errors:
        raise unprocessable(INVALID, errors)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _custom_url_problem(value: Any) -> str | None:
    url = value.get("url") if isinstance(value, dict) else None
    if not isinstance(url, str) or not 1 <= len(url) <= 255:
        return "The field 'custom_url.url' must be 1 to 255 characters long."
    if "is_customized" in value and not isinstance(value["is_customized"], bool):
        return "The field 'custom_url.is_customized' must be true or false."
    return None


# -- records -------------------------------------------------------------------------------------


@dataclass
class ProductRecord:
    """One product: its public fields (ready to copy) and the ids of what hangs off it."""

    fields: JsonObject
    variant_ids: list[int] = field(default_factory=list)
    option_ids: list[int] = field(default_factory=list)
    custom_fields: list[JsonObject] = field(default_factory=list)
    images: list[JsonObject] = field(default_factory=list)
    videos: list[JsonObject] = field(default_factory=list)
    bulk_pricing_rules: list[JsonObject] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.fields["id"])

    @property
    def has_variants(self) -> bool:
        """True once the product has option variants (and so no base variant)."""
        return self.fields["base_variant_id"] is None

    @property
    def tracks_variants(self) -> bool:
        return self.has_variants and self.fields["inventory_tracking"] == "variant"

    @property
    def stock_key(self) -> ItemKey:
        return ("product", self.id)


@dataclass(frozen=True)
class View:
    """How to render: ``include`` sub-resources and ``include_fields``/``exclude_fields``."""

    includes: frozenset[str] = frozenset()
    include_fields: frozenset[str] | None = None
    exclude_fields: frozenset[str] = frozenset()

    @property
    def selects(self) -> bool:
        return self.include_fields is not None or bool(self.exclude_fields)


FULL_VIEW = View(frozenset({"variants", "options", "custom_fields", "images"}))


def select_fields(item: JsonObject, view: View) -> JsonObject:
    """Apply ``include_fields``/``exclude_fields``; the id is always kept."""
    if view.include_fields is not None:
        return {key: value for key, value in item.items() if key == "id" or key in view.include_fields}
    return {key: value for key, value in item.items() if key == "id" or key not in view.exclude_fields}


@dataclass(frozen=True)
class StockItem:
    """An Inventory-API item: whose stock (``key``) and the identity the API shows for it."""

    key: ItemKey
    product_id: int
    variant_id: int | None  # None: product-level stock of a product with variants
    sku: str
    sku_id: int | None


class TrackingMismatch(Exception):
    """An inventory identity names an item tracked the other way (product vs variant)."""


@dataclass(frozen=True)
class Condition:
    """One parsed list filter, e.g. ``Condition("id", "in", [1, 2])`` from ``id:in=1,2``."""

    field: str
    op: str  # eq | in | not_in | min | max | greater | less | like | not
    value: Any


@dataclass(frozen=True)
class FilterSpec:
    kind: str  # int | num | text | sku | enum | bool | date | keyword
    ops: frozenset[str]


_NUMERIC = frozenset({"eq", "in", "not_in", "min", "max", "greater", "less"})
_EQ = frozenset({"eq"})
PRODUCT_FILTERS: dict[str, FilterSpec] = {
    "id": FilterSpec("int", _NUMERIC),
    "name": FilterSpec("text", frozenset({"eq", "like"})),
    "sku": FilterSpec("sku", frozenset({"eq", "in"})),
    "upc": FilterSpec("text", _EQ),
    "mpn": FilterSpec("text", _EQ),
    "gtin": FilterSpec("text", _EQ),
    "price": FilterSpec("num", _NUMERIC),
    "weight": FilterSpec("num", _NUMERIC),
    "condition": FilterSpec("enum", _EQ),
    "brand_id": FilterSpec("int", frozenset({"eq", "in", "not_in"})),
    "type": FilterSpec("enum", _EQ),
    "availability": FilterSpec("enum", _EQ),
    "is_visible": FilterSpec("bool", _EQ),
    "is_featured": FilterSpec("bool", _EQ),
    "is_free_shipping": FilterSpec("bool", _EQ),
    "inventory_level": FilterSpec("int", _NUMERIC),
    "inventory_low": FilterSpec("bool", _EQ),
    "out_of_stock": FilterSpec("bool", _EQ),
    "total_sold": FilterSpec("int", _NUMERIC),
    "categories": FilterSpec("int", frozenset({"eq", "in", "not_in"})),
    "keyword": FilterSpec("keyword", _EQ),
    "date_modified": FilterSpec("date", frozenset({"eq", "min", "max"})),
    "date_last_imported": FilterSpec("date", frozenset({"eq", "not", "min", "max"})),
    "channel_id": FilterSpec("int", frozenset({"in"})),
}
# The filters DELETE /v3/catalog/products accepts (products_catalog.v3.yml).
PRODUCT_DELETE_FILTERS = frozenset(
    {
        "id",
        "name",
        "sku",
        "price",
        "weight",
        "condition",
        "brand_id",
        "date_modified",
        "date_last_imported",
        "is_visible",
        "is_featured",
        "inventory_level",
        "total_sold",
        "type",
        "categories",
        "keyword",
    }
)
VARIANT_FILTERS: dict[str, FilterSpec] = {
    "id": FilterSpec("int", _NUMERIC),
    "sku": FilterSpec("sku", frozenset({"eq", "in"})),
    "upc": FilterSpec("text", _EQ),
    "mpn": FilterSpec("text", _EQ),
    "gtin": FilterSpec("text", _EQ),
    "product_id": FilterSpec("int", frozenset({"eq", "in", "not_in"})),
}
BRAND_FILTERS: dict[str, FilterSpec] = {
    "id": FilterSpec("int", _NUMERIC),
    "name": FilterSpec("text", frozenset({"eq", "like"})),
    "page_title": FilterSpec("text", _EQ),
}
CATEGORY_FILTERS: dict[str, FilterSpec] = {
    "id": FilterSpec("int", _NUMERIC),
    "name": FilterSpec("text", frozenset({"eq", "like"})),
    "parent_id": FilterSpec("int", frozenset({"eq", "in", "not_in"})),
    "page_title": FilterSpec("text", _EQ),
    "is_visible": FilterSpec("bool", _EQ),
    "keyword": FilterSpec("keyword", _EQ),
}
PRODUCT_SORTS = (
    "id",
    "name",
    "sku",
    "price",
    "date_modified",
    "date_last_imported",
    "inventory_level",
    "is_visible",
    "total_sold",
    "calculated_price",
)

Predicate = Callable[[Any], bool]


def like_matcher(pattern: str) -> Callable[[str], bool]:
    """SQL ``LIKE`` (``%``/``_`` wildcards) case-insensitively; a plain word matches as a substring."""
    if "%" not in pattern and "_" not in pattern:
        needle = pattern.casefold()
        return lambda text: needle in text.casefold()
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern.casefold())
    compiled = re.compile(f"^{regex}$", re.DOTALL)
    return lambda text: compiled.match(text.casefold()) is not None


def compare(op: str, wanted: Any) -> Predicate:
    """A predicate on a plain value for the comparison operators."""
    if op == "eq":
        return lambda value: bool(value == wanted)
    if op == "not":
        return lambda value: bool(value != wanted)
    if op == "in":
        members = frozenset(wanted)
        return lambda value: value in members
    if op == "not_in":
        excluded = frozenset(wanted)
        return lambda value: value not in excluded
    if op == "min":
        return lambda value: value is not None and value >= wanted
    if op == "max":
        return lambda value: value is not None and value <= wanted
    if op == "greater":
        return lambda value: value is not None and value > wanted
    if op == "less":
        return lambda value: value is not None and value < wanted
    if op == "like":
        matches = like_matcher(str(wanted))
        return lambda value: matches(str(value))
    raise ValueError(f"unknown filter operator {op!r}")


def text_predicate(op: str, wanted: Any) -> Predicate:
    """Text compares case-insensitively, as the store's collation does."""
    if op == "like":
        return compare(op, wanted)
    folded = [str(item).casefold() for item in wanted] if op in ("in", "not_in") else str(wanted).casefold()
    test = compare(op, folded)
    return lambda value: test(str(value).casefold() if value is not None else None)


def date_predicate(op: str, wanted: str) -> Predicate:
    """Dates are stored as UTC ISO strings, which order like the instants they name.

    ``wanted`` is an ISO timestamp, or ``YYYY-MM-DD`` for an equality on a whole day.
    """
    if op in ("eq", "not") and len(wanted) == 10:
        same_day: Predicate = lambda value: isinstance(value, str) and value.startswith(wanted)  # noqa: E731
        return same_day if op == "eq" else (lambda value: not same_day(value))
    return compare(op, wanted)


# -- the backend ---------------------------------------------------------------------------------


class CatalogBackend:
    """One store's catalog. Every public method raises ``ApiError`` with BigCommerce's status."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.products: dict[int, ProductRecord] = {}
        self.variants: dict[int, JsonObject] = {}
        self.options: dict[int, JsonObject] = {}
        self.option_value_owner: dict[int, int] = {}  # option value id -> option id
        self.custom_field_owner: dict[int, int] = {}  # custom field id -> product id
        self.brands: dict[int, JsonObject] = {}
        self.categories: dict[int, JsonObject] = {}
        self.product_names: dict[str, int] = {}  # casefolded name -> product id
        self.skus: dict[str, ItemKey] = {}  # casefolded SKU -> its owner, unique across products and variants
        self._counters: dict[str, int] = {}

    # -- small helpers ------------------------------------------------------------------------
    def _next_id(self, kind: str) -> int:
        value = self._counters.get(kind, 0) + 1
        self._counters[kind] = value
        return value

    def _now(self) -> str:
        return iso(self.store.now())

    def _touch(self, record: ProductRecord) -> None:
        record.fields["date_modified"] = self._now()

    def _emit_product(self, scope: str, product_id: int) -> None:
        self.store.emit(scope, {"type": "product", "id": product_id})

    def _emit_sku(self, scope: str, variant: JsonObject) -> None:
        """``store/sku/*`` events exist for option variants only (base variants have no SKU id)."""
        if variant["sku_id"] is not None:
            self.store.emit(
                scope,
                {
                    "type": "sku",
                    "id": variant["sku_id"],
                    "sku": {"product_id": variant["product_id"], "variant_id": variant["id"]},
                },
            )

    def record(self, product_id: int) -> ProductRecord:
        found = self.products.get(product_id)
        if found is None:
            raise not_found("The requested product was not found.")
        return found

    def product_variant(self, product_id: int, variant_id: int) -> JsonObject:
        record = self.record(product_id)
        variant = self.variants.get(variant_id)
        if variant is None or variant["product_id"] != record.id:
            raise not_found("The requested variant was not found.")
        return variant

    def _sku_taken(self, sku: str | None, owner: ItemKey | None) -> bool:
        if not sku:
            return False
        found = self.skus.get(sku.casefold())
        return found is not None and found != owner

    def _name_taken(self, name: str, product_id: int | None) -> bool:
        found = self.product_names.get(name.casefold())
        return found is not None and found != product_id

    # -- rendering ----------------------------------------------------------------------------
    def render_product(self, record: ProductRecord, view: View = View()) -> JsonObject:
        """The product as the API shows it; nested values are shared, so serialize right away."""
        out = dict(record.fields)
        stock = self.store.inventory.default_stock(record.stock_key)
        out["inventory_level"] = self.inventory_level(record)
        if stock is not None:
            out["inventory_warning_level"] = stock.warning_level
            out["bin_picking_number"] = stock.bin_picking_number
        if view.selects:
            out = select_fields(out, view)
        if view.includes:
            self._add_includes(record, out, view.includes)
        return out

    def _add_includes(self, record: ProductRecord, out: JsonObject, includes: frozenset[str]) -> None:
        if "variants" in includes:
            out["variants"] = [self.render_variant(self.variants[vid], record) for vid in record.variant_ids]
        if "options" in includes:
            out["options"] = [self.options[oid] for oid in record.option_ids]
        if "modifiers" in includes:
            out["modifiers"] = []
        if "custom_fields" in includes:
            out["custom_fields"] = record.custom_fields
        if "images" in includes:
            out["images"] = record.images
        if "primary_image" in includes and record.images:
            out["primary_image"] = next((image for image in record.images if image["is_thumbnail"]), record.images[0])
        if "videos" in includes:
            out["videos"] = record.videos
        if "bulk_pricing_rules" in includes:
            out["bulk_pricing_rules"] = record.bulk_pricing_rules
        if "channels" in includes:
            out["channels"] = [1]
        if "parent_relations" in includes:
            out["parent_relations"] = []
        if "reviews" in includes:
            out["reviews"] = []

    def render_variant(
        self, variant: JsonObject, record: ProductRecord | None = None, view: View = View()
    ) -> JsonObject:
        """The variant as the API shows it: inherited price and weight computed, stock from location 1."""
        product = (record or self.products[variant["product_id"]]).fields
        out = dict(variant)
        price = variant["price"] if variant["price"] is not None else product["price"]
        sale = variant["sale_price"] if variant["sale_price"] is not None else product["sale_price"]
        out["calculated_price"] = sale if sale else price
        out["calculated_weight"] = variant["weight"] if variant["weight"] is not None else product["weight"]
        key: ItemKey = (
            ("variant", variant["id"]) if variant["sku_id"] is not None else ("product", variant["product_id"])
        )
        stock = self.store.inventory.default_stock(key)
        if stock is not None:
            out["inventory_level"] = stock.level
            out["inventory_warning_level"] = stock.warning_level
            out["bin_picking_number"] = stock.bin_picking_number
        return select_fields(out, view) if view.selects else out

    def render_option(self, option: JsonObject, view: View = View()) -> JsonObject:
        return select_fields(option, view) if view.selects else dict(option)

    # -- listing ------------------------------------------------------------------------------
    def list_products(
        self, conditions: Sequence[Condition] = (), sort: str = "id", direction: str = "asc"
    ) -> list[ProductRecord]:
        """Products matching every condition, sorted (ties by id)."""
        records = list(self.products.values())
        if conditions:
            tests = [self._product_predicate(condition) for condition in conditions]
            records = [record for record in records if all(test(record) for test in tests)]
        if sort != "id":
            key = self._product_sort_key(sort)
            records.sort(key=lambda record: (key(record), record.id))
        if direction == "desc":
            records.reverse()
        return records

    def _product_sort_key(self, sort: str) -> Callable[[ProductRecord], Any]:
        if sort in ("name", "sku"):
            return lambda record: str(record.fields[sort]).casefold()
        if sort == "inventory_level":
            return self.inventory_level
        if sort == "date_last_imported":
            return lambda record: record.fields.get("date_last_imported", "")
        return lambda record: record.fields[sort]

    def inventory_level(self, record: ProductRecord) -> int:
        """What the catalog shows as the product's ``inventory_level`` (location 1)."""
        inventory = self.store.inventory
        if record.tracks_variants:
            return min(MAX_STOCK, sum(inventory.level(("variant", vid)) for vid in record.variant_ids))
        return inventory.level(record.stock_key)

    def _product_predicate(self, condition: Condition) -> Callable[[ProductRecord], bool]:
        name, op, wanted = condition.field, condition.op, condition.value
        if name == "categories":
            return self._categories_predicate(op, wanted)
        if name == "keyword":
            return self._keyword_predicate(str(wanted))
        if name == "channel_id":
            # Every sandbox product is assigned to the default channel (1).
            return lambda record: 1 in wanted
        if name in ("inventory_low", "out_of_stock"):
            return self._stock_flag_predicate(name, bool(wanted))
        spec = PRODUCT_FILTERS[name]
        test = _value_predicate(spec.kind, op, wanted)
        if name == "inventory_level":
            return lambda record: test(self.inventory_level(record))
        if name == "date_last_imported":
            return lambda record: test(record.fields.get("date_last_imported"))
        return lambda record: test(record.fields[name])

    @staticmethod
    def _categories_predicate(op: str, wanted: Any) -> Callable[[ProductRecord], bool]:
        if op == "eq":
            # products_catalog.v3.yml: a product in more than one category does not match `categories=`.
            return lambda record: record.fields["categories"] == [wanted]
        members = frozenset(wanted)
        if op == "in":
            return lambda record: not members.isdisjoint(record.fields["categories"])
        return lambda record: members.isdisjoint(record.fields["categories"])

    def _keyword_predicate(self, word: str) -> Callable[[ProductRecord], bool]:
        needle = word.casefold()

        def test(record: ProductRecord) -> bool:
            fields = record.fields
            brand = self.brands.get(fields["brand_id"])
            haystack = (fields["name"], fields["description"], fields["sku"], brand["name"] if brand else "")
            return any(needle in text.casefold() for text in haystack)

        return test

    def _stock_flag_predicate(self, name: str, wanted: bool) -> Callable[[ProductRecord], bool]:
        if name == "out_of_stock" and not wanted:
            return lambda record: True  # the filter is enabled by out_of_stock=1 only

        def flagged(record: ProductRecord) -> bool:
            if record.fields["inventory_tracking"] == "none":
                return False
            level = self.inventory_level(record)
            if name == "out_of_stock":
                return level <= 0
            stock = self.store.inventory.default_stock(record.stock_key)
            return level <= (stock.warning_level if stock else 0)

        return flagged if wanted else (lambda record: not flagged(record))

    def list_variants(self, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        """Every variant (base variants included) matching every condition, in id order."""
        variants = list(self.variants.values())
        if not conditions:
            return variants
        tests = [self._field_predicate(VARIANT_FILTERS, condition) for condition in conditions]
        return [variant for variant in variants if all(test(variant) for test in tests)]

    @staticmethod
    def _field_predicate(specs: dict[str, FilterSpec], condition: Condition) -> Callable[[JsonObject], bool]:
        spec = specs[condition.field]
        if spec.kind == "keyword":
            needle = str(condition.value).casefold()
            return lambda item: (
                needle in str(item.get("name", "")).casefold() or needle in str(item.get("description", "")).casefold()
            )
        test = _value_predicate(spec.kind, condition.op, condition.value)
        name = condition.field
        return lambda item: test(item.get(name))

    # -- products: create ---------------------------------------------------------------------
    def create_product(self, body: JsonObject) -> JsonObject:
        """Create a product exactly as ``POST /v3/catalog/products`` does (same validation, events).

        ``body`` may carry inline ``variants`` (options are created from their
        ``option_display_name``/``label``), ``custom_fields``, ``images`` (by ``image_url``),
        ``videos``, ``bulk_pricing_rules`` and ``brand_name`` (found or created). Raises
        ``ApiError`` (409 duplicate name or SKU, 422 invalid). Returns a deep copy of the stored
        product with its variants, options, custom fields and images.
        """
        return self.snapshot(self.add_product(body))

    def add_product(self, body: JsonObject) -> ProductRecord:
        """``POST /v3/catalog/products``: validate everything, then create; returns the record."""
        reject_invalid(self._product_field_errors(body, creating=True))
        self._check_product_conflicts(body, product_id=None, owner=None)
        plan = self._plan_inline_variants(body.get("variants") or [], body.get("sku") or "")
        product_id = self._next_id("product")
        now = self._now()
        fields = _product_defaults()
        fields.update(id=product_id, date_created=now, date_modified=now)
        record = ProductRecord(fields)
        self._apply_product_fields(record, body)
        if "custom_url" not in body:
            fields["custom_url"] = {"url": f"/{_slug(fields['name'])}/", "is_customized": False}
        self.products[product_id] = record
        self.product_names[fields["name"].casefold()] = product_id
        if fields["sku"]:
            self.skus[fields["sku"].casefold()] = record.stock_key
        self._apply_nested(record, body)
        self.store.inventory.track(record.stock_key, self._clamped(body.get("inventory_level")))
        self._apply_product_stock_settings(record, body)
        if plan:
            self._create_inline_variants(record, plan)
        else:
            self._add_base_variant(record)
        self._emit_product("store/product/created", product_id)
        for variant_id in record.variant_ids:
            self._emit_sku("store/sku/created", self.variants[variant_id])
        return record

    def _product_field_errors(self, body: JsonObject, *, creating: bool) -> dict[str, str]:
        errors = field_errors(body, PRODUCT_RULES)
        if creating:
            errors.update(require(body, REQUIRED_PRODUCT_FIELDS))
        if isinstance(body.get("custom_url"), dict):
            problem = _custom_url_problem(body["custom_url"])
            if problem:
                errors["custom_url"] = problem
        for name, rules, needed in (
            ("custom_fields", CUSTOM_FIELD_RULES, ("name", "value")),
            ("images", IMAGE_RULES, ()),
            ("videos", VIDEO_RULES, ("video_id",)),
            ("bulk_pricing_rules", BULK_RULE_RULES, ("quantity_min", "type", "amount")),
        ):
            if isinstance(body.get(name), list):
                errors.update(self._nested_errors(body[name], rules, needed, name))
        if isinstance(body.get("images"), list):
            errors.update(_image_url_errors(body["images"]))
        return errors

    @staticmethod
    def _nested_errors(items: list[Any], rules: dict[str, Rule], needed: Sequence[str], name: str) -> dict[str, str]:
        errors: dict[str, str] = {}
        for index, item in enumerate(items):
            prefix = f"{name}.{index}."
            if not isinstance(item, dict):
                errors[prefix.rstrip(".")] = f"Each item of '{name}' must be an object."
                continue
            errors.update(field_errors(item, rules, prefix))
            if "id" not in item:
                errors.update(require(item, needed, prefix))
        return errors

    def _check_product_conflicts(self, body: JsonObject, *, product_id: int | None, owner: ItemKey | None) -> None:
        """409s: duplicate name or SKU, unknown brand or category, clashing custom fields."""
        name = body.get("name")
        if isinstance(name, str) and self._name_taken(name, product_id):
            raise conflict("The product name is a duplicate", {"name": f"A product named '{name}' already exists."})
        sku = body.get("sku")
        if isinstance(sku, str) and self._sku_taken(sku, owner):
            raise conflict("The product SKU is a duplicate", {"sku": f"The SKU '{sku}' is already in use."})
        brand_id = body.get("brand_id")
        if brand_id and int(brand_id) not in self.brands:
            raise conflict("The brand does not exist", {"brand_id": f"No brand with id {brand_id} exists."})
        missing = [cat for cat in body.get("categories") or [] if int(cat) not in self.categories]
        if missing:
            raise conflict("The category does not exist", {"categories": f"No category with id {missing[0]} exists."})
        record = self.products.get(product_id) if product_id is not None else None
        self._check_custom_field_batch(record, body.get("custom_fields") or [])
        self._check_child_ids(record, body)

    @staticmethod
    def _check_child_ids(record: ProductRecord | None, body: JsonObject) -> None:
        """Images, videos and bulk pricing rules given with an ``id`` must be the product's own."""
        for name in ("images", "videos", "bulk_pricing_rules"):
            known = {item["id"] for item in getattr(record, name)} if record else set()
            for index, item in enumerate(body.get(name) or []):
                if item.get("id") is not None and item["id"] not in known:
                    raise unprocessable(
                        INVALID, {f"{name}.{index}.id": f"The product has no {name} item {item['id']}."}
                    )

    def _check_custom_field_batch(self, record: ProductRecord | None, items: list[JsonObject]) -> None:
        existing = {field["id"]: field for field in record.custom_fields} if record else {}
        pairs: dict[tuple[Any, Any], int] = {(f["name"], f["value"]): f["id"] for f in existing.values()}
        new_count = 0
        for index, item in enumerate(items):
            field_id = item.get("id")
            if field_id is not None and field_id not in existing:
                raise unprocessable(INVALID, {f"custom_fields.{index}.id": f"No custom field with id {field_id}."})
            old = existing.get(field_id) if field_id is not None else None
            name = item.get("name", old["name"] if old else None)
            value = item.get("value", old["value"] if old else None)
            marker = field_id if field_id is not None else -(index + 1)  # new fields clash with each other too
            if pairs.get((name, value), marker) != marker:
                raise conflict(
                    "The custom field is a duplicate",
                    {f"custom_fields.{index}": f"The product already has a custom field '{name}' = '{value}'."},
                )
            if old is not None:
                pairs.pop((old["name"], old["value"]), None)
            pairs[(name, value)] = marker
            new_count += field_id is None
        if len(existing) + new_count > MAX_CUSTOM_FIELDS:
            raise unprocessable(
                INVALID, {"custom_fields": f"A product can have at most {MAX_CUSTOM_FIELDS} custom fields."}
            )

    def _apply_product_fields(self, record: ProductRecord, body: JsonObject) -> set[str]:
        """Copy plain fields of ``body`` into the product; returns the names that changed."""
        fields = record.fields
        changed: set[str] = set()
        for key, value in body.items():
            rule = PRODUCT_RULES.get(key)
            if rule is None or key in _PRODUCT_SPECIAL:
                continue
            value = _normalized(value, rule)
            if fields.get(key) != value:
                fields[key] = copy.deepcopy(value)
                changed.add(key)
        for key in ("preorder_release_date", "date_last_imported"):
            if key in body:
                value = iso(parse_date(body[key])) if body[key] is not None else None
                if fields.get(key) != value:
                    fields[key] = value
                    changed.add(key)
        if "custom_url" in body:
            given = body["custom_url"]
            url = {"url": given["url"], "is_customized": bool(given.get("is_customized", True))}
            if url != fields["custom_url"]:
                fields["custom_url"] = url
                changed.add("custom_url")
        if body.get("brand_name"):
            brand_id = self._brand_for_name(str(body["brand_name"]))
            if brand_id != fields["brand_id"]:
                fields["brand_id"] = brand_id
                changed.add("brand_id")
        sale = fields["sale_price"]
        fields["calculated_price"] = sale if sale else fields["price"]
        return changed

    def _brand_for_name(self, name: str) -> int:
        for brand in self.brands.values():
            if brand["name"].casefold() == name.casefold():
                return int(brand["id"])
        return int(self.add_brand({"name": name})["id"])

    def _apply_nested(self, record: ProductRecord, body: JsonObject) -> bool:
        """Upsert custom fields, images, videos and bulk pricing rules; True when any changed."""
        changed = False
        for item in body.get("custom_fields") or []:
            changed |= self._upsert_custom_field(record, item)
        images = body.get("images") or []
        for index, item in enumerate(images):
            changed |= self._upsert_image(record, item, index)
        if images and not any(image["is_thumbnail"] for image in record.images):
            record.images[0]["is_thumbnail"] = True
        for item in body.get("videos") or []:
            changed |= self._upsert_child(record.videos, item, "video", record.id, VIDEO_RULES, _video_defaults)
        for item in body.get("bulk_pricing_rules") or []:
            changed |= self._upsert_child(
                record.bulk_pricing_rules, item, "bulk_rule", None, BULK_RULE_RULES, _bulk_rule_defaults
            )
        return changed

    def _upsert_custom_field(self, record: ProductRecord, item: JsonObject) -> bool:
        if item.get("id") is not None:
            target = next(field for field in record.custom_fields if field["id"] == item["id"])
            before = dict(target)
            target.update({key: item[key] for key in ("name", "value") if key in item})
            return before != target
        field_id = self._next_id("custom_field")
        record.custom_fields.append({"id": field_id, "name": item["name"], "value": item["value"]})
        self.custom_field_owner[field_id] = record.id
        return True

    def _upsert_image(self, record: ProductRecord, item: JsonObject, index: int) -> bool:
        target = next((image for image in record.images if image["id"] == item.get("id")), None)
        if target is None:
            image_id = self._next_id("image")
            url = str(item.get("image_url", ""))
            target = {
                "id": image_id,
                "product_id": record.id,
                "is_thumbnail": False,
                "sort_order": len(record.images) + index,
                "description": "",
                "image_file": url.rsplit("/", 1)[-1].split("?", 1)[0],
                # The sandbox hosts no images: every size points at the source URL.
                "url_zoom": url,
                "url_standard": url,
                "url_thumbnail": url,
                "url_tiny": url,
                "date_modified": self._now(),
                "image_url": url,
            }
            record.images.append(target)
        for key in ("is_thumbnail", "sort_order", "description"):
            if key in item:
                target[key] = item[key]
        if item.get("is_thumbnail"):
            for other in record.images:
                other["is_thumbnail"] = other is target
        return True

    def _upsert_child(
        self,
        items: list[JsonObject],
        item: JsonObject,
        kind: str,
        product_id: int | None,
        rules: dict[str, Rule],
        defaults: Callable[[], JsonObject],
    ) -> bool:
        target = next((existing for existing in items if existing["id"] == item.get("id")), None)
        if target is None:
            target = {"id": self._next_id(kind), **defaults()}
            if product_id is not None:
                target["product_id"] = product_id
            items.append(target)
        target.update({key: value for key, value in item.items() if key in rules})
        return True

    def _apply_product_stock_settings(self, record: ProductRecord, body: JsonObject) -> None:
        settings = {
            key: body[key] for key in ("inventory_warning_level", "bin_picking_number") if body.get(key) is not None
        }
        if settings:
            self.store.inventory.update_settings(record.stock_key, 1, settings)

    @staticmethod
    def _clamped(level: Any) -> int:
        return min(int(level), MAX_STOCK) if level is not None else 0

    # -- inline variants ----------------------------------------------------------------------
    def _plan_inline_variants(
        self, items: list[Any], product_sku: str
    ) -> list[tuple[JsonObject, list[tuple[str, str]]]]:
        """Validate ``variants`` of a product POST; returns each body with its (option, label) pairs."""
        if not items:
            return []
        errors: dict[str, str] = {}
        plan: list[tuple[JsonObject, list[tuple[str, str]]]] = []
        for index, item in enumerate(items):
            prefix = f"variants.{index}."
            if not isinstance(item, dict):
                errors[f"variants.{index}"] = "Each variant must be an object."
                continue
            errors.update(field_errors(item, VARIANT_RULES, prefix))
            errors.update(require(item, ("sku", "option_values"), prefix))
            pairs = _option_pairs(item.get("option_values"), prefix, errors)
            plan.append((item, pairs))
        reject_invalid(errors)
        reject_invalid(_inline_shape_errors(plan))
        seen: set[str] = {product_sku.casefold()} if product_sku else set()
        for index, (item, _) in enumerate(plan):
            sku = str(item["sku"])
            if sku.casefold() in seen or self._sku_taken(sku, None):
                raise conflict(
                    "The variant SKU is a duplicate", {f"variants.{index}.sku": f"The SKU '{sku}' is already in use."}
                )
            seen.add(sku.casefold())
        return plan

    def _create_inline_variants(
        self, record: ProductRecord, plan: list[tuple[JsonObject, list[tuple[str, str]]]]
    ) -> None:
        by_name: dict[str, JsonObject] = {}
        for _, pairs in plan:
            for name, label in pairs:
                option = by_name.get(name)
                if option is None:
                    option = self._new_option(record, {"display_name": name, "type": "rectangles"})
                    by_name[name] = option
                if not any(value["label"] == label for value in option["option_values"]):
                    self._new_option_value(option, {"label": label, "sort_order": len(option["option_values"])})
        for body, pairs in plan:
            values = [_value_by_label(by_name[name], label) for name, label in pairs]
            self._new_variant(
                record, body, [(by_name[name], value) for (name, _), value in zip(pairs, values, strict=True)]
            )

    # -- products: read, update, delete -------------------------------------------------------
    def update_product(self, product_id: int, body: JsonObject) -> ProductRecord:
        """``PUT /v3/catalog/products/{id}``: a partial update; ``variants`` are not accepted here."""
        record = self.record(product_id)
        self._check_product_update(record, body)
        self._apply_product_update(record, body)
        return record

    def update_products(self, items: list[Any]) -> list[ProductRecord]:
        """``PUT /v3/catalog/products``: up to 10 products, each with ``id``; all or nothing."""
        if len(items) > MAX_PRODUCT_BATCH:
            raise batch_too_large(MAX_PRODUCT_BATCH)
        if not items:
            raise unprocessable(INVALID, {"body": "At least one product is required."})
        records: list[ProductRecord] = []
        names: set[str] = set()
        skus: set[str] = set()
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise unprocessable(INVALID, {str(index): "Each product must be an object."})
            product_id = item.get("id")
            if not isinstance(product_id, int) or isinstance(product_id, bool):
                raise unprocessable(INVALID, {f"{index}.id": "The field 'id' is required."})
            record = self.record(product_id)
            self._check_product_update(record, item)
            _claim(names, item.get("name"), "The product name is a duplicate", "name")
            _claim(skus, item.get("sku"), "The product SKU is a duplicate", "sku")
            records.append(record)
        for record, item in zip(records, items, strict=True):
            self._apply_product_update(record, item)
        return records

    def _check_product_update(self, record: ProductRecord, body: JsonObject) -> None:
        reject_invalid(self._product_field_errors(body, creating=False))
        self._check_product_conflicts(body, product_id=record.id, owner=record.stock_key)

    def _apply_product_update(self, record: ProductRecord, body: JsonObject) -> None:
        fields = record.fields
        old_name, old_sku = fields["name"], fields["sku"]
        changed = self._apply_product_fields(record, body)
        if "name" in changed:
            self.product_names.pop(old_name.casefold(), None)
            self.product_names[fields["name"].casefold()] = record.id
            if not fields["custom_url"]["is_customized"]:
                fields["custom_url"] = {"url": f"/{_slug(fields['name'])}/", "is_customized": False}
        if "sku" in changed:
            if old_sku:
                self.skus.pop(old_sku.casefold(), None)
            if fields["sku"]:
                self.skus[fields["sku"].casefold()] = record.stock_key
        self._sync_base_variant(record)
        nested = self._apply_nested(record, body)
        self._apply_product_stock_settings(record, body)
        level = body.get("inventory_level")
        # The Catalog API writes stock through the Inventory API (which raises its events).
        if (
            level is not None
            and not record.tracks_variants
            and self.store.inventory.set_stock(self.product_item(record), 1, self._clamped(level))
        ):
            nested = True
            if fields["inventory_tracking"] != "none":
                changed.add("inventory_level")
        if changed or nested:
            self._touch(record)
        if changed:
            self._emit_product("store/product/updated", record.id)

    def _sync_base_variant(self, record: ProductRecord) -> None:
        """A simple product's base variant carries the product's SKU and codes."""
        base_id = record.fields["base_variant_id"]
        if base_id is not None:
            base = self.variants[base_id]
            for key in ("sku", "upc", "mpn", "gtin"):
                base[key] = record.fields[key]

    def delete_product(self, product_id: int) -> None:
        """``DELETE /v3/catalog/products/{id}``: deleting an unknown product is a no-op (204)."""
        record = self.products.get(product_id)
        if record is None:
            return
        for variant_id in list(record.variant_ids):
            variant = self.variants.pop(variant_id)
            self._release_variant(variant)
            self._emit_sku("store/sku/deleted", variant)
        for option_id in record.option_ids:
            option = self.options.pop(option_id)
            for value in option["option_values"]:
                self.option_value_owner.pop(value["id"], None)
        for custom_field in record.custom_fields:
            self.custom_field_owner.pop(custom_field["id"], None)
        fields = record.fields
        self.product_names.pop(fields["name"].casefold(), None)
        if fields["sku"]:
            self.skus.pop(fields["sku"].casefold(), None)
        self.store.inventory.forget(record.stock_key)
        del self.products[product_id]
        self._emit_product("store/product/deleted", product_id)

    def delete_products(self, conditions: Sequence[Condition]) -> int:
        """``DELETE /v3/catalog/products?…``: a filter is required; at most 250 products at once."""
        if not conditions:
            raise unprocessable(
                "A filter is required to delete products.",
                {"filter": "Pass a filter such as id:in=1,2,3 so that the whole catalog is not deleted."},
            )
        records = self.list_products(conditions)
        if len(records) > MAX_PRODUCT_DELETE:
            raise ApiError(
                413,
                f"The request payload is too large. The maximum items allowed in the array is {MAX_PRODUCT_DELETE}.",
            )
        for record in records:
            self.delete_product(record.id)
        return len(records)

    # -- variants -----------------------------------------------------------------------------
    def _add_base_variant(self, record: ProductRecord) -> None:
        variant = _variant_defaults()
        variant_id = self._next_id("variant")
        variant.update(id=variant_id, product_id=record.id)
        for key in ("sku", "upc", "mpn", "gtin"):
            variant[key] = record.fields[key]
        self.variants[variant_id] = variant
        record.variant_ids = [variant_id]
        record.fields["base_variant_id"] = variant_id

    def _drop_base_variant(self, record: ProductRecord) -> None:
        base_id = record.fields["base_variant_id"]
        if base_id is not None:
            del self.variants[base_id]
            record.variant_ids.remove(base_id)
            record.fields["base_variant_id"] = None

    def _new_variant(
        self, record: ProductRecord, body: JsonObject, values: list[tuple[JsonObject, JsonObject]]
    ) -> JsonObject:
        """Create an option variant; the product loses its base variant with its first one."""
        self._drop_base_variant(record)
        variant = _variant_defaults()
        variant_id = self._next_id("variant")
        variant.update(id=variant_id, product_id=record.id, sku=body["sku"], sku_id=self._next_id("sku"))
        for name in _VARIANT_STORED:
            if name in body:
                variant[name] = _normalized(body[name], VARIANT_RULES[name])
        variant["option_values"] = [_variant_option_value(option, value) for option, value in values]
        self.variants[variant_id] = variant
        record.variant_ids.append(variant_id)
        self.skus[variant["sku"].casefold()] = ("variant", variant_id)
        key: ItemKey = ("variant", variant_id)
        self.store.inventory.track(key, self._clamped(body.get("inventory_level")))
        settings = {k: body[k] for k in ("inventory_warning_level", "bin_picking_number") if body.get(k) is not None}
        if settings:
            self.store.inventory.update_settings(key, 1, settings)
        return variant

    def _release_variant(self, variant: JsonObject) -> None:
        if variant["sku_id"] is not None:
            if variant["sku"]:
                self.skus.pop(variant["sku"].casefold(), None)
            self.store.inventory.forget(("variant", variant["id"]))

    def create_variant(self, product_id: int, body: JsonObject) -> JsonObject:
        """``POST /v3/catalog/products/{id}/variants``: needs ``sku`` and one value per option."""
        record = self.record(product_id)
        errors = field_errors(body, VARIANT_RULES)
        errors.update(require(body, ("sku", "option_values")))
        reject_invalid(errors)
        values = self._resolve_option_values(record, body["option_values"], "option_values")
        self._check_new_variant(record, body, values, claimed=set())
        variant = self._new_variant(record, body, values)
        self._touch(record)
        self._emit_sku("store/sku/created", variant)
        return variant

    def _check_new_variant(
        self, record: ProductRecord, body: JsonObject, values: list[tuple[JsonObject, JsonObject]], claimed: set[str]
    ) -> None:
        sku = str(body["sku"])
        if self._sku_taken(sku, None) or sku.casefold() in claimed:
            raise conflict("The variant SKU is a duplicate", {"sku": f"The SKU '{sku}' is already in use."})
        if len([vid for vid in record.variant_ids if self.variants[vid]["sku_id"] is not None]) >= MAX_VARIANTS:
            raise unprocessable(
                f"A product can have at most {MAX_VARIANTS} SKUs.",
                {"option_values": f"The product already has {MAX_VARIANTS} variants."},
            )
        combination = sorted(value["id"] for _, value in values)
        taken = [sorted(item["id"] for item in self.variants[vid]["option_values"]) for vid in record.variant_ids]
        if combination in taken or _combination_key(record.id, combination) in claimed:
            raise conflict(
                "A variant with these option values already exists",
                {"option_values": "The product already has a variant with these option values."},
            )

    def _resolve_option_values(
        self, record: ProductRecord, items: Any, path: str
    ) -> list[tuple[JsonObject, JsonObject]]:
        """Map ``[{id, option_id}]`` or ``[{option_display_name, label}]`` to the product's options."""
        if not isinstance(items, list) or not items:
            raise unprocessable(INVALID, {path: "At least one option value is required."})
        options = [self.options[oid] for oid in record.option_ids]
        resolved: list[tuple[JsonObject, JsonObject]] = []
        for index, item in enumerate(items):
            found = _find_option_value(options, item) if isinstance(item, dict) else None
            if found is None:
                raise unprocessable(
                    INVALID, {f"{path}.{index}": "This option value does not exist on the product's options."}
                )
            resolved.append(found)
        used = sorted(option["id"] for option, _ in resolved)
        if used != sorted(record.option_ids):
            raise unprocessable(INVALID, {path: "A variant needs exactly one value for each of the product's options."})
        return resolved

    def update_variant(self, product_id: int, variant_id: int, body: JsonObject) -> JsonObject:
        """``PUT /v3/catalog/products/{id}/variants/{id}``."""
        variant = self.product_variant(product_id, variant_id)
        self._check_variant_update(variant, body, claimed=set())
        self._apply_variant_update(variant, body)
        return variant

    def _check_variant_update(self, variant: JsonObject, body: JsonObject, claimed: set[str]) -> None:
        reject_invalid(field_errors(body, VARIANT_RULES))
        sku = body.get("sku")
        owner: ItemKey = (
            ("variant", variant["id"]) if variant["sku_id"] is not None else ("product", variant["product_id"])
        )
        if isinstance(sku, str) and (self._sku_taken(sku, owner) or sku.casefold() in claimed):
            raise conflict("The variant SKU is a duplicate", {"sku": f"The SKU '{sku}' is already in use."})

    def _apply_variant_update(self, variant: JsonObject, body: JsonObject) -> None:
        record = self.products[variant["product_id"]]
        is_base = variant["sku_id"] is None
        key: ItemKey = record.stock_key if is_base else ("variant", variant["id"])
        before = dict(variant)
        for name in _VARIANT_STORED:
            if name in body and not (is_base and name in _BASE_VARIANT_SHARED):
                variant[name] = _normalized(body[name], VARIANT_RULES[name])
        if is_base:
            # A simple product and its base variant are one item: SKU, codes, prices and
            # dimensions written through the variant are the product's (the variant inherits them).
            shared: JsonObject = {name: body[name] for name in _BASE_VARIANT_SHARED if body.get(name) is not None}
            shared.update({name: body[name] or "" for name in ("upc", "mpn", "gtin") if name in body})
            if body.get("sku") is not None:
                shared["sku"] = body["sku"]
            if shared:
                self._apply_product_update(record, shared)
        elif "sku" in body and body["sku"] != variant["sku"]:
            self._move_variant_sku(variant, str(body["sku"]))
        settings = {k: body[k] for k in ("inventory_warning_level", "bin_picking_number") if body.get(k) is not None}
        if settings:
            self.store.inventory.update_settings(key, 1, settings)
        if body.get("inventory_level") is not None:
            self.store.inventory.set_stock(self.variant_item(variant), 1, self._clamped(body["inventory_level"]))
        if variant != before or settings:
            self._touch(record)
            self._emit_sku("store/sku/updated", variant)

    def _move_variant_sku(self, variant: JsonObject, sku: str) -> None:
        if variant["sku"]:
            self.skus.pop(variant["sku"].casefold(), None)
        variant["sku"] = sku
        self.skus[sku.casefold()] = ("variant", variant["id"])

    def delete_variant(self, product_id: int, variant_id: int) -> None:
        """``DELETE /v3/catalog/products/{id}/variants/{id}``; unknown ids are a no-op (204)."""
        record = self.products.get(product_id)
        variant = self.variants.get(variant_id)
        if record is None or variant is None or variant["product_id"] != product_id:
            return
        if variant["sku_id"] is None:
            raise unprocessable(
                "The base variant of a product without options cannot be deleted.",
                {"variant_id": "Delete the product instead, or add option variants first."},
            )
        self._remove_variants(record, [variant_id])
        self._touch(record)

    def _remove_variants(self, record: ProductRecord, variant_ids: Iterable[int]) -> None:
        for variant_id in list(variant_ids):
            variant = self.variants.pop(variant_id)
            record.variant_ids.remove(variant_id)
            self._release_variant(variant)
            self._emit_sku("store/sku/deleted", variant)
        if not record.variant_ids:
            self._add_base_variant(record)

    def update_variants(self, items: list[Any]) -> list[JsonObject]:
        """``PUT /v3/catalog/variants``: ≤50 items; with ``id`` update, without it create.

        Raises ``BatchFailed`` (422 with ``batch_errors``) when any item is invalid; nothing is
        written then.
        """
        if len(items) > MAX_VARIANT_BATCH:
            raise batch_too_large(MAX_VARIANT_BATCH)
        failures: list[JsonObject] = []
        plan: list[tuple[str, JsonObject, Any]] = []
        claimed: set[str] = set()
        for index, item in enumerate(items):
            try:
                plan.append(self._plan_variant_item(item, claimed))
            except ApiError as error:
                details = {f"{index}.{key}": text for key, text in error.errors.items()} or {str(index): error.title}
                failures.append({**error.v3_body(), "errors": details})
        if not items:
            failures.append({"status": 422, "title": INVALID, "type": STATUS_TYPE, "errors": {"body": "empty batch"}})
        if failures:
            raise BatchFailed(failures)
        results: list[JsonObject] = []
        for action, body, target in plan:
            if action == "update":
                self._apply_variant_update(target, body)
                results.append(target)
            else:
                record, values = target
                variant = self._new_variant(record, body, values)
                self._touch(record)
                self._emit_sku("store/sku/created", variant)
                results.append(variant)
        return results

    def _plan_variant_item(self, item: Any, claimed: set[str]) -> tuple[str, JsonObject, Any]:
        if not isinstance(item, dict):
            raise unprocessable(INVALID, {"item": "Each variant must be an object."})
        if item.get("id") is not None:
            variant = self.variants.get(item["id"]) if isinstance(item["id"], int) else None
            if variant is None:
                raise not_found(f"The variant with id {item['id']} was not found.")
            self._check_variant_update(variant, item, claimed)
            _remember(claimed, item.get("sku"))
            return "update", item, variant
        errors = field_errors(item, VARIANT_RULES)
        errors.update(require(item, ("product_id", "sku", "option_values")))
        reject_invalid(errors)
        record = self.record(int(item["product_id"]))
        values = self._resolve_option_values(record, item["option_values"], "option_values")
        self._check_new_variant(record, item, values, claimed)
        _remember(claimed, item.get("sku"))
        claimed.add(_combination_key(record.id, sorted(value["id"] for _, value in values)))
        return "create", item, (record, values)

    # -- options and option values ------------------------------------------------------------
    def product_option(self, product_id: int, option_id: int) -> JsonObject:
        record = self.record(product_id)
        if option_id not in record.option_ids:
            raise not_found("The requested option was not found.")
        return self.options[option_id]

    def create_option(self, product_id: int, body: JsonObject) -> JsonObject:
        """``POST /v3/catalog/products/{id}/options``: display_name, type and ≥1 option value."""
        record = self.record(product_id)
        errors = field_errors(body, OPTION_RULES)
        errors.update(require(body, ("display_name", "type", "option_values")))
        if isinstance(body.get("option_values"), list):
            if not body["option_values"]:
                errors["option_values"] = "At least one option value is required."
            errors.update(_option_value_errors(body["option_values"], creating=True))
        reject_invalid(errors)
        self._check_option_name(record, str(body["display_name"]), None)
        _check_labels([value["label"] for value in body["option_values"]])
        option = self._new_option(record, body)
        for value in body["option_values"]:
            self._new_option_value(option, value)
        self._touch(record)
        return option

    def _check_option_name(self, record: ProductRecord, name: str, option_id: int | None) -> None:
        for oid in record.option_ids:
            if oid != option_id and self.options[oid]["display_name"].casefold() == name.casefold():
                raise conflict(
                    "The option name is a duplicate", {"display_name": f"The product already has an option '{name}'."}
                )

    def _new_option(self, record: ProductRecord, body: JsonObject) -> JsonObject:
        option_id = self._next_id("option")
        display_name = str(body["display_name"])
        option: JsonObject = {
            "id": option_id,
            "product_id": record.id,
            "display_name": display_name,
            "type": body.get("type", "rectangles"),
            "config": copy.deepcopy(body.get("config") or {}),
            "sort_order": int(body.get("sort_order", len(record.option_ids))),
            "option_values": [],
            # "auto-generated from the display name, a timestamp, and the product ID" (spec)
            "name": f"{display_name.replace(' ', '-')}{int(self.store.now().timestamp())}-{record.id}",
        }
        self.options[option_id] = option
        record.option_ids.append(option_id)
        return option

    def _new_option_value(self, option: JsonObject, body: JsonObject) -> JsonObject:
        value_id = self._next_id("option_value")
        value = {
            "id": value_id,
            "label": str(body["label"]),
            "sort_order": int(body.get("sort_order", len(option["option_values"]))),
            "value_data": copy.deepcopy(body.get("value_data")) or {},
            "is_default": bool(body.get("is_default", False)),
        }
        option["option_values"].append(value)
        self.option_value_owner[value_id] = option["id"]
        return value

    def update_option(self, product_id: int, option_id: int, body: JsonObject) -> JsonObject:
        """``PUT …/options/{id}``: rename, retype, reorder; ``option_values`` upserted by ``id``."""
        option = self.product_option(product_id, option_id)
        record = self.products[product_id]
        errors = field_errors(body, OPTION_RULES)
        if isinstance(body.get("option_values"), list):
            errors.update(_option_value_errors(body["option_values"], creating=False))
            known = {value["id"] for value in option["option_values"]}
            for index, item in enumerate(body["option_values"]):
                if item.get("id") is not None and item["id"] not in known:
                    errors[f"option_values.{index}.id"] = f"No value with id {item['id']} on this option."
        reject_invalid(errors)
        if "display_name" in body:
            self._check_option_name(record, str(body["display_name"]), option_id)
        labels: dict[int, Any] = {value["id"]: value["label"] for value in option["option_values"]}
        added: list[Any] = []
        for item in body.get("option_values") or []:
            if item.get("id") is None:
                added.append(item["label"])
            elif "label" in item:
                labels[item["id"]] = item["label"]
        _check_labels([*labels.values(), *added])
        for key in ("display_name", "type", "sort_order", "config"):
            if key in body:
                option[key] = copy.deepcopy(body[key])
        for item in body.get("option_values") or []:
            if item.get("id") is None:
                self._new_option_value(option, item)
            else:
                _update_value(option, item)
        self._refresh_variant_labels(record)
        self._touch(record)
        return option

    def _refresh_variant_labels(self, record: ProductRecord) -> None:
        """Variants show option names and labels; keep them current after a rename."""
        for variant_id in record.variant_ids:
            for entry in self.variants[variant_id]["option_values"]:
                option = self.options[entry["option_id"]]
                value = next(value for value in option["option_values"] if value["id"] == entry["id"])
                entry["label"] = value["label"]
                entry["option_display_name"] = option["display_name"]

    def delete_option(self, product_id: int, option_id: int) -> None:
        """``DELETE …/options/{id}``: the option's variants go with it; unknown ids are a no-op."""
        record = self.products.get(product_id)
        if record is None or option_id not in record.option_ids:
            return
        option = self.options.pop(option_id)
        record.option_ids.remove(option_id)
        for value in option["option_values"]:
            self.option_value_owner.pop(value["id"], None)
        self._remove_variants(record, [vid for vid in record.variant_ids if self._uses(vid, option_id=option_id)])
        self._touch(record)

    def _uses(self, variant_id: int, *, option_id: int | None = None, value_id: int | None = None) -> bool:
        for entry in self.variants[variant_id]["option_values"]:
            if entry["option_id"] == option_id or entry["id"] == value_id:
                return True
        return False

    def option_value(self, product_id: int, option_id: int, value_id: int) -> JsonObject:
        option = self.product_option(product_id, option_id)
        found: JsonObject | None = next((value for value in option["option_values"] if value["id"] == value_id), None)
        if found is None:
            raise not_found("The requested option value was not found.")
        return found

    def create_option_value(self, product_id: int, option_id: int, body: JsonObject) -> JsonObject:
        """``POST …/options/{id}/values``: ``label`` and ``sort_order`` required; 250 per option."""
        option = self.product_option(product_id, option_id)
        errors = _option_value_errors([body], creating=True)
        reject_invalid({key.removeprefix("option_values.0."): text for key, text in errors.items()})
        if len(option["option_values"]) >= MAX_OPTION_VALUES:
            raise unprocessable(
                f"An option can have at most {MAX_OPTION_VALUES} values.",
                {"label": f"The option already has {MAX_OPTION_VALUES} values."},
            )
        _check_labels([value["label"] for value in option["option_values"]] + [body["label"]])
        value = self._new_option_value(option, body)
        self._touch(self.products[product_id])
        return value

    def update_option_value(self, product_id: int, option_id: int, value_id: int, body: JsonObject) -> JsonObject:
        """``PUT …/options/{id}/values/{id}``."""
        option = self.product_option(product_id, option_id)
        value = self.option_value(product_id, option_id, value_id)
        errors = _option_value_errors([{**body, "id": value_id}], creating=False)
        reject_invalid({key.removeprefix("option_values.0."): text for key, text in errors.items()})
        labels = [other["label"] for other in option["option_values"] if other["id"] != value_id]
        _check_labels([*labels, body.get("label", value["label"])])
        _update_value(option, {**body, "id": value_id})
        record = self.products[product_id]
        self._refresh_variant_labels(record)
        self._touch(record)
        return value

    def delete_option_value(self, product_id: int, option_id: int, value_id: int) -> None:
        """``DELETE …/values/{id}``: variants using the value are deleted; unknown ids are a no-op."""
        record = self.products.get(product_id)
        if record is None or option_id not in record.option_ids:
            return
        option = self.options[option_id]
        if not any(value["id"] == value_id for value in option["option_values"]):
            return
        option["option_values"] = [value for value in option["option_values"] if value["id"] != value_id]
        self.option_value_owner.pop(value_id, None)
        self._remove_variants(record, [vid for vid in record.variant_ids if self._uses(vid, value_id=value_id)])
        self._touch(record)

    # -- custom fields ------------------------------------------------------------------------
    def custom_field(self, product_id: int, field_id: int) -> JsonObject:
        record = self.record(product_id)
        found = next((item for item in record.custom_fields if item["id"] == field_id), None)
        if found is None:
            raise not_found("The requested custom field was not found.")
        return found

    def create_custom_field(self, product_id: int, body: JsonObject) -> JsonObject:
        """``POST …/custom-fields``: name and value 1–250 chars, ≤200 per product, pair unique (409)."""
        record = self.record(product_id)
        errors = field_errors(body, CUSTOM_FIELD_RULES)
        errors.update(require(body, ("name", "value")))
        reject_invalid(errors)
        self._check_custom_field_batch(record, [{"name": body["name"], "value": body["value"]}])
        self._upsert_custom_field(record, body)
        self._touch(record)
        return record.custom_fields[-1]

    def update_custom_field(self, product_id: int, field_id: int, body: JsonObject) -> JsonObject:
        record = self.record(product_id)
        target = self.custom_field(product_id, field_id)
        reject_invalid(field_errors(body, CUSTOM_FIELD_RULES))
        change: JsonObject = {key: body[key] for key in ("name", "value") if key in body}
        self._check_custom_field_batch(record, [{**change, "id": field_id}])
        if self._upsert_custom_field(record, {**change, "id": field_id}):
            self._touch(record)
        return target

    def delete_custom_field(self, product_id: int, field_id: int) -> None:
        record = self.record(product_id)
        target = self.custom_field(product_id, field_id)
        record.custom_fields.remove(target)
        self.custom_field_owner.pop(field_id, None)
        self._touch(record)

    # -- brands -------------------------------------------------------------------------------
    def brand(self, brand_id: int) -> JsonObject:
        found = self.brands.get(brand_id)
        if found is None:
            raise not_found("The requested brand was not found.")
        return found

    def list_brands(self, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        tests = [self._field_predicate(BRAND_FILTERS, condition) for condition in conditions]
        return [brand for brand in self.brands.values() if all(test(brand) for test in tests)]

    def add_brand(self, body: JsonObject) -> JsonObject:
        """``POST /v3/catalog/brands``: ``name`` required and unique (409)."""
        errors = field_errors(body, BRAND_RULES)
        errors.update(require(body, ("name",)))
        errors.update(_url_errors(body))
        reject_invalid(errors)
        self._check_brand_name(str(body["name"]), None)
        brand_id = self._next_id("brand")
        brand: JsonObject = {
            "id": brand_id,
            "name": "",
            "page_title": "",
            "meta_keywords": [],
            "meta_description": "",
            "image_url": "",
            "search_keywords": "",
            "custom_url": {"url": f"/brands/{_slug(str(body['name']))}.html", "is_customized": False},
        }
        _copy_known(brand, body, BRAND_RULES)
        self.brands[brand_id] = brand
        return brand

    def _check_brand_name(self, name: str, brand_id: int | None) -> None:
        for brand in self.brands.values():
            if brand["id"] != brand_id and brand["name"].casefold() == name.casefold():
                raise conflict("The brand name is a duplicate", {"name": f"A brand named '{name}' already exists."})

    def update_brand(self, brand_id: int, body: JsonObject) -> JsonObject:
        brand = self.brand(brand_id)
        errors = field_errors(body, BRAND_RULES)
        errors.update(_url_errors(body))
        reject_invalid(errors)
        if "name" in body:
            self._check_brand_name(str(body["name"]), brand_id)
        _copy_known(brand, body, BRAND_RULES)
        return brand

    def delete_brand(self, brand_id: int) -> None:
        """Deleting a brand leaves its products without one (``brand_id`` 0)."""
        if self.brands.pop(brand_id, None) is None:
            return
        for record in self.products.values():
            if record.fields["brand_id"] == brand_id:
                record.fields["brand_id"] = 0

    # -- categories ---------------------------------------------------------------------------
    def category(self, category_id: int) -> JsonObject:
        found = self.categories.get(category_id)
        if found is None:
            raise not_found("The requested category was not found.")
        return found

    def list_categories(self, conditions: Sequence[Condition] = ()) -> list[JsonObject]:
        tests = [self._field_predicate(CATEGORY_FILTERS, condition) for condition in conditions]
        return [category for category in self.categories.values() if all(test(category) for test in tests)]

    def add_category(self, body: JsonObject) -> JsonObject:
        """``POST /v3/catalog/categories``: ``name`` and ``parent_id`` (0 = top level) required."""
        errors = field_errors(body, CATEGORY_RULES)
        errors.update(require(body, ("name", "parent_id")))
        errors.update(_url_errors(body))
        reject_invalid(errors)
        parent_id = int(body["parent_id"])
        self._check_category(str(body["name"]), parent_id, None)
        category_id = self._next_id("category")
        category: JsonObject = {
            "id": category_id,
            "parent_id": parent_id,
            "name": "",
            "description": "",
            "views": 0,
            "sort_order": 0,
            "page_title": "",
            "meta_keywords": [],
            "meta_description": "",
            "layout_file": "category.html",
            "image_url": "",
            "is_visible": True,
            "search_keywords": "",
            "default_product_sort": "use_store_settings",
            "custom_url": {"url": f"/{_slug(str(body['name']))}/", "is_customized": False},
        }
        _copy_known(category, body, CATEGORY_RULES)
        self.categories[category_id] = category
        return category

    def _check_category(self, name: str, parent_id: int, category_id: int | None) -> None:
        if parent_id and parent_id not in self.categories:
            raise unprocessable(INVALID, {"parent_id": f"No category with id {parent_id} exists."})
        if category_id is not None and parent_id in self._descendants(category_id):
            raise unprocessable(INVALID, {"parent_id": "A category cannot be moved under itself."})
        for category in self.categories.values():
            same_level = category["parent_id"] == parent_id
            if category["id"] != category_id and same_level and category["name"].casefold() == name.casefold():
                raise conflict(
                    "The category name is a duplicate",
                    {"name": f"The parent category already has a category named '{name}'."},
                )

    def _descendants(self, category_id: int) -> set[int]:
        found = {category_id}
        changed = True
        while changed:
            more = {c["id"] for c in self.categories.values() if c["parent_id"] in found} - found
            found |= more
            changed = bool(more)
        return found

    def update_category(self, category_id: int, body: JsonObject) -> JsonObject:
        category = self.category(category_id)
        errors = field_errors(body, CATEGORY_RULES)
        errors.update(_url_errors(body))
        reject_invalid(errors)
        self._check_category(
            str(body.get("name", category["name"])), int(body.get("parent_id") or category["parent_id"]), category_id
        )
        _copy_known(category, body, CATEGORY_RULES)
        return category

    def delete_category(self, category_id: int) -> None:
        """Deleting a category deletes its subcategories and takes products out of them."""
        if category_id not in self.categories:
            return
        gone = self._descendants(category_id)
        for removed in gone:
            del self.categories[removed]
        for record in self.products.values():
            categories = record.fields["categories"]
            if not gone.isdisjoint(categories):
                record.fields["categories"] = [cat for cat in categories if cat not in gone]

    # -- the inventory bridge -----------------------------------------------------------------
    def stock_item(self, kind: str, value: Any) -> StockItem | None:
        """Resolve an Inventory-API identity (``product_id``, ``variant_id`` or ``sku``).

        Returns None for an unknown item; raises ``TrackingMismatch`` when the item is tracked
        the other way (e.g. a variant id of a product tracked by product).
        """
        if kind == "sku":
            owner = self.skus.get(str(value).casefold())
            if owner is None:
                return None
            kind_found, owner_id = owner
            if kind_found == "product":
                return self._product_stock_item(self.products[owner_id], kind, value)
            return self._variant_stock_item(self.variants[owner_id], kind, value)
        if kind == "product_id":
            record = self.products.get(value)
            return self._product_stock_item(record, kind, value) if record else None
        variant = self.variants.get(value)
        return self._variant_stock_item(variant, kind, value) if variant else None

    def _product_stock_item(self, record: ProductRecord, kind: str, value: Any) -> StockItem:
        if record.tracks_variants:
            raise TrackingMismatch(f"Item with {kind} {value} is tracked by variant, please update stock by variant id")
        return self.product_item(record)

    def _variant_stock_item(self, variant: JsonObject, kind: str, value: Any) -> StockItem:
        if not self.products[variant["product_id"]].tracks_variants:
            # A simple product's base variant counts as tracked by product, as in the spec's example.
            raise TrackingMismatch(f"Item with {kind} {value} is tracked by product, please update stock by product id")
        return self.variant_item(variant)

    @staticmethod
    def product_item(record: ProductRecord) -> StockItem:
        """The product-level stock item (a simple product's base variant is that item too)."""
        fields = record.fields
        return StockItem(record.stock_key, record.id, fields["base_variant_id"], fields["sku"], None)

    def variant_item(self, variant: JsonObject) -> StockItem:
        """A variant's own stock item; a base variant's stock is its product's."""
        if variant["sku_id"] is None:
            return self.product_item(self.products[variant["product_id"]])
        return StockItem(
            ("variant", variant["id"]), variant["product_id"], variant["id"], variant["sku"], variant["sku_id"]
        )

    def stock_items(self) -> list[StockItem]:
        """Every item the Inventory API lists: a product, or each variant of a variant-tracked one."""
        items: list[StockItem] = []
        for record in self.products.values():
            if record.tracks_variants:
                items.extend(self.variant_item(self.variants[vid]) for vid in record.variant_ids)
            else:
                items.append(self.product_item(record))
        return items

    def stock_changed(self, item: StockItem, method: str, value: int, *, by_order: bool = False) -> None:
        """Called by the inventory backend after it changed ``item``'s stock; raises the events."""
        record = self.products.get(item.product_id)
        if record is not None:
            self._touch(record)
            self._stock_event(record, item.key, method, value, by_order=by_order)

    def stock_touched(self, item: StockItem) -> None:
        """Inventory settings (warning level …) changed: the product counts as modified."""
        record = self.products.get(item.product_id)
        if record is not None:
            self._touch(record)

    def _stock_event(self, record: ProductRecord, key: ItemKey, method: str, value: int, *, by_order: bool) -> None:
        """``store/product/inventory/…`` for product-level stock, ``store/sku/inventory/…`` for variants.

        Product events fire for products without variants whatever the tracking, and for products
        with variants only when tracked by product; SKU events only for variant tracking (events docs).
        """
        suffix = "inventory/order/updated" if by_order else "inventory/updated"
        if key[0] == "product":
            if not record.has_variants or record.fields["inventory_tracking"] == "product":
                self.store.emit(
                    f"store/product/{suffix}",
                    {
                        "type": "product",
                        "id": record.id,
                        "inventory": {"product_id": record.id, "method": method, "value": value},
                    },
                )
            return
        variant = self.variants.get(key[1])
        if variant is not None and record.tracks_variants:
            self.store.emit(
                f"store/sku/{suffix}",
                {
                    "type": "sku",
                    "id": variant["sku_id"],
                    "inventory": {
                        "product_id": record.id,
                        "method": method,
                        "value": value,
                        "variant_id": variant["id"],
                    },
                },
            )

    # -- Python API for other backends and the seeder -----------------------------------------
    def snapshot(self, record: ProductRecord) -> JsonObject:
        """A deep copy of the product with variants, options, custom fields and images."""
        return copy.deepcopy(self.render_product(record, FULL_VIEW))

    def get_product(self, product_id: int) -> JsonObject | None:
        """The product as ``GET …/products/{id}?include=variants,options,custom_fields,images`` shows it.

        A deep copy (safe to keep or change), or None when there is no such product. A product
        without options has one base variant in ``variants`` (``option_values`` empty).
        """
        record = self.products.get(product_id)
        return self.snapshot(record) if record else None

    def get_variant(self, variant_id: int) -> JsonObject | None:
        """The variant (base variants included) as the Catalog API shows it, or None."""
        variant = self.variants.get(variant_id)
        return copy.deepcopy(self.render_variant(variant)) if variant else None

    def find_sku(self, sku: str) -> tuple[JsonObject, JsonObject | None] | None:
        """``(product, variant)`` for a SKU, matched case-insensitively, or None.

        A simple product's SKU gives its base variant; a variant SKU gives that variant; the
        product-level SKU of a product with variants gives ``(product, None)`` since it names
        no single variant. Both are deep copies as ``get_product``/``get_variant`` return them.
        """
        owner = self.skus.get(sku.casefold())
        if owner is None:
            return None
        kind, owner_id = owner
        if kind == "variant":
            variant = self.variants[owner_id]
            product = self.get_product(variant["product_id"])
            return (product, self.get_variant(owner_id)) if product else None
        record = self.products[owner_id]
        base_id = record.fields["base_variant_id"]
        return self.snapshot(record), self.get_variant(base_id) if base_id is not None else None

    def record_sale(self, product_id: int, variant_id: int | None, quantity: int) -> None:
        """An order took ``quantity`` items (negative: returned them); update tracked stock.

        Stock at the default location (1) drops by ``quantity`` but never below 0, only when the
        product tracks inventory (by variant: the variant's stock; by product: the product's),
        and ``total_sold`` moves by ``quantity`` (never below 0). Emits
        ``store/product/inventory/order/updated`` or ``store/sku/inventory/order/updated``
        (method ``relative``, value = the change) plus the channel low/out-of-stock events.
        Raises ApiError 404 for an unknown product, or a variant not of that product.
        """
        record = self.record(product_id)
        fields = record.fields
        fields["total_sold"] = max(0, fields["total_sold"] + quantity)
        self._touch(record)
        if fields["inventory_tracking"] == "none":
            return
        item = self._sale_item(record, variant_id)
        if item is not None:
            self.store.inventory.sell(item, quantity)

    def _sale_item(self, record: ProductRecord, variant_id: int | None) -> StockItem | None:
        if variant_id is not None:
            variant = self.product_variant(record.id, variant_id)
            if record.tracks_variants:
                return self.variant_item(variant)
        if record.tracks_variants:
            return None  # a variant-tracked product sold without naming the variant moves no stock
        return self.product_item(record)

    def set_stock(self, product_id: int, quantity: int, *, variant_id: int | None = None, location_id: int = 1) -> None:
        """Set stock absolutely (as an absolute adjustment would), bypassing tracking rules.

        ``variant_id`` names an option variant's own stock; without it (or with a base
        variant's id) the product-level stock is set. Emits the inventory events when the level
        changes. Raises ApiError 404 for unknown ids or location, 422 for a negative quantity.
        """
        record = self.record(product_id)
        if variant_id is not None:
            item = self.variant_item(self.product_variant(product_id, variant_id))
        else:
            item = self.product_item(record)
        self.store.inventory.set_stock(item, location_id, quantity)


class BatchFailed(Exception):
    """``PUT /v3/catalog/variants`` rejected: the 422 body's ``batch_errors``."""

    def __init__(self, errors: list[JsonObject]) -> None:
        super().__init__(f"{len(errors)} variant(s) rejected")
        self.errors = errors


# -- module helpers ------------------------------------------------------------------------------


def _value_predicate(kind: str, op: str, wanted: Any) -> Predicate:
    if kind in ("text", "sku", "enum"):
        return text_predicate(op, wanted)
    if kind == "date":
        return date_predicate(op, str(wanted))
    return compare(op, wanted)


def _claim(seen: set[str], value: Any, title: str, name: str) -> None:
    """Two items of one batch may not take the same name or SKU."""
    if isinstance(value, str) and value:
        if value.casefold() in seen:
            raise conflict(title, {name: f"'{value}' appears twice in the batch."})
        seen.add(value.casefold())


def _combination_key(product_id: int, value_ids: list[int]) -> str:
    """Marks an option-value combination taken earlier in the same batch (beside claimed SKUs)."""
    return f"\x00{product_id}:{value_ids}"


def _remember(seen: set[str], value: Any) -> None:
    if isinstance(value, str) and value:
        seen.add(value.casefold())


def _image_url_errors(items: list[Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        if isinstance(item, dict) and "id" not in item:
            url = item.get("image_url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                errors[f"images.{index}.image_url"] = "An image needs an http(s) 'image_url'."
    return errors


def _url_errors(body: JsonObject) -> dict[str, str]:
    if isinstance(body.get("custom_url"), dict):
        problem = _custom_url_problem(body["custom_url"])
        if problem:
            return {"custom_url": problem}
    return {}


def _copy_known(target: JsonObject, body: JsonObject, rules: dict[str, Rule]) -> None:
    for key, value in body.items():
        if key in rules:
            target[key] = copy.deepcopy(_normalized(value, rules[key]))
    if isinstance(body.get("custom_url"), dict):
        url = body["custom_url"]
        target["custom_url"] = {"url": url["url"], "is_customized": bool(url.get("is_customized", True))}


def _option_pairs(items: Any, prefix: str, errors: dict[str, str]) -> list[tuple[str, str]]:
    """``[(option_display_name, label)]`` of an inline variant, collecting problems in ``errors``."""
    if not isinstance(items, list) or not items:
        if items is not None:
            errors[prefix + "option_values"] = "A variant needs at least one option value."
        return []
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        path = f"{prefix}option_values.{index}"
        name = item.get("option_display_name") if isinstance(item, dict) else None
        label = item.get("label") if isinstance(item, dict) else None
        if not (isinstance(name, str) and 1 <= len(name) <= 255 and isinstance(label, str) and 1 <= len(label) <= 255):
            errors[path] = "'option_display_name' and 'label' are required, each 1 to 255 characters long."
            continue
        pairs.append((name, label))
    return pairs


def _inline_shape_errors(plan: list[tuple[JsonObject, list[tuple[str, str]]]]) -> dict[str, str]:
    """Every inline variant names the same options once each, and no two share a combination."""
    errors: dict[str, str] = {}
    expected = sorted(name for name, _ in plan[0][1]) if plan else []
    combinations: set[tuple[tuple[str, str], ...]] = set()
    for index, (_, pairs) in enumerate(plan):
        names = sorted(name for name, _ in pairs)
        if len(set(names)) != len(names) or names != expected:
            errors[f"variants.{index}.option_values"] = "Every variant needs one value for each of the same options."
            continue
        combination = tuple(sorted(pairs))
        if combination in combinations:
            errors[f"variants.{index}.option_values"] = "Two variants have the same option values."
        combinations.add(combination)
    for name in expected:
        labels = {label for pairs in (pairs for _, pairs in plan) for option, label in pairs if option == name}
        if len(labels) > MAX_OPTION_VALUES:
            errors["variants"] = f"The option '{name}' would have more than {MAX_OPTION_VALUES} values."
    return errors


def _value_by_label(option: JsonObject, label: str) -> JsonObject:
    return next(value for value in option["option_values"] if value["label"] == label)


def _variant_option_value(option: JsonObject, value: JsonObject) -> JsonObject:
    return {
        "id": value["id"],
        "label": value["label"],
        "option_id": option["id"],
        "option_display_name": option["display_name"],
    }


def _find_option_value(options: list[JsonObject], item: JsonObject) -> tuple[JsonObject, JsonObject] | None:
    """By ``id`` (and ``option_id`` when given), else by ``option_display_name`` and ``label``."""
    by_id = "id" in item
    for option in options:
        if by_id and item.get("option_id", option["id"]) != option["id"]:
            continue
        if not by_id and option["display_name"] != item.get("option_display_name"):
            continue
        for value in option["option_values"]:
            if (value["id"] == item["id"]) if by_id else (value["label"] == item.get("label")):
                return option, value
    return None


def _option_value_errors(items: list[Any], *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        prefix = f"option_values.{index}."
        if not isinstance(item, dict):
            errors[prefix.rstrip(".")] = "Each option value must be an object."
            continue
        errors.update(field_errors(item, OPTION_VALUE_RULES, prefix))
        if creating or item.get("id") is None:
            errors.update(require(item, ("label", "sort_order"), prefix))
    return errors


def _check_labels(labels: list[Any]) -> None:
    folded = [str(label).casefold() for label in labels]
    if len(set(folded)) != len(folded):
        raise unprocessable(INVALID, {"label": "Option value labels must be unique within an option."})


def _update_value(option: JsonObject, item: JsonObject) -> None:
    value = next(v for v in option["option_values"] if v["id"] == item["id"])
    for key in ("label", "sort_order", "is_default"):
        if key in item:
            value[key] = item[key]
    if "value_data" in item:
        value["value_data"] = copy.deepcopy(item["value_data"]) or {}


def _product_defaults() -> JsonObject:
    """A new product's fields in the order BigCommerce returns them."""
    return {
        "id": 0,
        "name": "",
        "type": "physical",
        "sku": "",
        "description": "",
        "weight": 0,
        "width": 0,
        "depth": 0,
        "height": 0,
        "price": 0,
        "cost_price": 0,
        "retail_price": 0,
        "sale_price": 0,
        "map_price": 0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "calculated_price": 0,
        "categories": [],
        "brand_id": 0,
        "option_set_display": "right",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "inventory_tracking": "none",
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": 0,
        "fixed_cost_shipping_price": 0,
        "is_free_shipping": False,
        "is_visible": True,
        "is_featured": False,
        "related_products": [-1],  # -1: let the store pick related products automatically
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "mpn": "",
        "gtin": "",
        "search_keywords": "",
        "availability": "available",
        "availability_description": "",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "date_created": "",
        "date_modified": "",
        "view_count": 0,
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "custom_url": {"url": "/", "is_customized": False},
        "base_variant_id": None,
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": True,
        "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }


def _variant_defaults() -> JsonObject:
    """A new variant: null prices and dimensions inherit the product's."""
    return {
        "id": 0,
        "product_id": 0,
        "sku": "",
        "sku_id": None,
        "price": None,
        "calculated_price": 0,
        "sale_price": None,
        "retail_price": None,
        "map_price": None,
        "weight": None,
        "calculated_weight": 0,
        "width": None,
        "height": None,
        "depth": None,
        "is_free_shipping": False,
        "fixed_cost_shipping_price": None,
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "cost_price": 0,
        "upc": "",
        "mpn": "",
        "gtin": "",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "option_values": [],
    }


def _video_defaults() -> JsonObject:
    return {"title": "", "description": "", "sort_order": 0, "type": "youtube", "video_id": "", "length": ""}


def _bulk_rule_defaults() -> JsonObject:
    return {"quantity_min": 0, "quantity_max": 0, "type": "price", "amount": 0}

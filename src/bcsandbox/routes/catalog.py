"""Routes for the catalog: products, variants, options, custom fields, brands and categories.

Handlers parse the query and body, call ``store.catalog`` and wrap the result in the V3
envelope; every rule lives in ``bcsandbox.backends.catalog``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.datastructures import QueryParams

from bcsandbox import scopes
from bcsandbox.backends.catalog import (
    BRAND_FILTERS,
    CATEGORY_FILTERS,
    PRODUCT_DELETE_FILTERS,
    PRODUCT_FILTERS,
    PRODUCT_SORTS,
    VARIANT_FILTERS,
    BatchFailed,
    CatalogBackend,
    Condition,
    FilterSpec,
    JsonObject,
    View,
    select_fields,
)
from bcsandbox.dates import iso, parse_date
from bcsandbox.errors import bad_request
from bcsandbox.routes.registry import Call, Reply, RouteTable, no_content, page_window, v3, v3_page

table = RouteTable()

PRODUCTS = "/v3/catalog/products"
PRODUCT = PRODUCTS + "/{product_id:int}"
VARIANTS = PRODUCT + "/variants"
VARIANT = VARIANTS + "/{variant_id:int}"
OPTIONS = PRODUCT + "/options"
OPTION = OPTIONS + "/{option_id:int}"
VALUES = OPTION + "/values"
VALUE = VALUES + "/{value_id:int}"
CUSTOM_FIELDS = PRODUCT + "/custom-fields"
CUSTOM_FIELD = CUSTOM_FIELDS + "/{custom_field_id:int}"
BRANDS = "/v3/catalog/brands"
CATEGORIES = "/v3/catalog/categories"
LIMITED_INCLUDES = frozenset({"options", "modifiers"})
LIMITED_PAGE = 10  # "If options or modifiers is used, results are limited to 10 per page."


# -- query parsing -------------------------------------------------------------------------------


def conditions(call: Call, specs: dict[str, FilterSpec], allowed: frozenset[str] | None = None) -> list[Condition]:
    """Every recognised ``field[:op]=value`` filter of the query, parsed; unknown keys are ignored."""
    found: list[Condition] = []
    for key, raw in call.query.multi_items():
        name, _, op = key.partition(":")
        op = op or "eq"
        spec = specs.get(name)
        if spec is None or op not in spec.ops or (allowed is not None and name not in allowed):
            continue
        found.append(Condition(name, op, _filter_value(call, key, spec.kind, op, raw)))
    return found


def _filter_value(call: Call, key: str, kind: str, op: str, raw: str) -> Any:
    if op in ("in", "not_in"):
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        return [_scalar(call, key, kind, "eq", part) for part in parts]
    return _scalar(call, key, kind, op, raw)


def _scalar(call: Call, key: str, kind: str, op: str, raw: str) -> Any:
    try:
        if kind == "int":
            return int(raw)
        if kind == "num":
            return float(raw)
        if kind == "bool":
            return _boolean(raw)
        if kind == "date":
            return _date(call, op, raw)
    except (ValueError, OverflowError, OSError):  # OverflowError/OSError: a timestamp beyond time_t
        raise bad_request(f"The query parameter '{key}' has an invalid value '{raw}'.") from None
    return raw


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(raw)


def _date(call: Call, op: str, raw: str) -> str:
    """A date filter as a UTC ISO string; an equality on a bare date keeps the whole day."""
    text = raw.strip()
    if op in ("eq", "not") and len(text) == 10 and text[4] == "-" and text[7] == "-":
        parse_date(text)  # validates the date
        return text
    return iso(parse_date(text, now=call.store.now()))


def view(call: Call) -> View:
    """``include``, ``include_fields`` and ``exclude_fields`` of the query."""
    include_fields = call.str_list("include_fields")
    return View(
        frozenset(call.includes()),
        frozenset(name.strip() for name in include_fields) if include_fields else None,
        frozenset(name.strip() for name in call.str_list("exclude_fields") or []),
    )


def sorting(call: Call) -> tuple[str, str]:
    sort = call.query.get("sort") or "id"
    if sort not in PRODUCT_SORTS:
        raise bad_request(f"The query parameter 'sort' must be one of: {', '.join(PRODUCT_SORTS)}.")
    direction = (call.query.get("direction") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise bad_request("The query parameter 'direction' must be 'asc' or 'desc'.")
    return sort, direction


def capped(call: Call, shown: View) -> Call:
    """With ``include=options`` or ``modifiers`` a page holds at most 10 products."""
    if shown.includes.isdisjoint(LIMITED_INCLUDES):
        return call
    _, limit = page_window(call)
    if limit <= LIMITED_PAGE:
        return call
    items = [(key, value) for key, value in call.query.multi_items() if key != "limit"]
    return dataclasses.replace(call, query=QueryParams([*items, ("limit", str(LIMITED_PAGE))]))


def _catalog(call: Call) -> CatalogBackend:
    return call.store.catalog


def _id(call: Call, name: str) -> int:
    return int(call.params[name])


# -- products ------------------------------------------------------------------------------------


@table.route("GET", PRODUCTS, scope=scopes.PRODUCTS)
def list_products(call: Call) -> Reply:
    catalog = _catalog(call)
    records = catalog.list_products(conditions(call, PRODUCT_FILTERS), *sorting(call))
    shown = view(call)
    return v3_page(capped(call, shown), records, render=lambda record: catalog.render_product(record, shown))


@table.route("POST", PRODUCTS, scope=scopes.PRODUCTS)
def create_product(call: Call) -> Reply:
    catalog = _catalog(call)
    record = catalog.add_product(call.json_object())
    return v3(catalog.render_product(record, view(call)))


@table.route("PUT", PRODUCTS, scope=scopes.PRODUCTS)
def update_products(call: Call) -> Reply:
    catalog = _catalog(call)
    records = catalog.update_products(call.json_array())
    shown = view(call)
    return v3([catalog.render_product(record, shown) for record in records])


@table.route("DELETE", PRODUCTS, scope=scopes.PRODUCTS)
def delete_products(call: Call) -> Reply:
    _catalog(call).delete_products(conditions(call, PRODUCT_FILTERS, PRODUCT_DELETE_FILTERS))
    return no_content()


@table.route("GET", PRODUCT, scope=scopes.PRODUCTS)
def get_product(call: Call) -> Reply:
    catalog = _catalog(call)
    return v3(catalog.render_product(catalog.record(_id(call, "product_id")), view(call)))


@table.route("PUT", PRODUCT, scope=scopes.PRODUCTS)
def update_product(call: Call) -> Reply:
    catalog = _catalog(call)
    record = catalog.update_product(_id(call, "product_id"), call.json_object())
    return v3(catalog.render_product(record, view(call)))


@table.route("DELETE", PRODUCT, scope=scopes.PRODUCTS)
def delete_product(call: Call) -> Reply:
    _catalog(call).delete_product(_id(call, "product_id"))
    return no_content()


# -- variants ------------------------------------------------------------------------------------


@table.route("GET", VARIANTS, scope=scopes.PRODUCTS)
def list_product_variants(call: Call) -> Reply:
    catalog = _catalog(call)
    record = catalog.record(_id(call, "product_id"))
    shown = view(call)
    variants = [catalog.variants[variant_id] for variant_id in record.variant_ids]
    return v3_page(call, variants, render=lambda variant: catalog.render_variant(variant, record, shown))


@table.route("POST", VARIANTS, scope=scopes.PRODUCTS)
def create_variant(call: Call) -> Reply:
    catalog = _catalog(call)
    variant = catalog.create_variant(_id(call, "product_id"), call.json_object())
    return v3(catalog.render_variant(variant))


@table.route("GET", VARIANT, scope=scopes.PRODUCTS)
def get_variant(call: Call) -> Reply:
    catalog = _catalog(call)
    variant = catalog.product_variant(_id(call, "product_id"), _id(call, "variant_id"))
    return v3(catalog.render_variant(variant, view=view(call)))


@table.route("PUT", VARIANT, scope=scopes.PRODUCTS)
def update_variant(call: Call) -> Reply:
    catalog = _catalog(call)
    variant = catalog.update_variant(_id(call, "product_id"), _id(call, "variant_id"), call.json_object())
    return v3(catalog.render_variant(variant))


@table.route("DELETE", VARIANT, scope=scopes.PRODUCTS)
def delete_variant(call: Call) -> Reply:
    _catalog(call).delete_variant(_id(call, "product_id"), _id(call, "variant_id"))
    return no_content()


@table.route("GET", "/v3/catalog/variants", scope=scopes.PRODUCTS)
def list_variants(call: Call) -> Reply:
    catalog = _catalog(call)
    shown = view(call)
    variants = catalog.list_variants(conditions(call, VARIANT_FILTERS))
    return v3_page(call, variants, render=lambda variant: catalog.render_variant(variant, view=shown))


@table.route("PUT", "/v3/catalog/variants", scope=scopes.PRODUCTS)
def update_variants(call: Call) -> Reply:
    catalog = _catalog(call)
    try:
        variants = catalog.update_variants(call.json_array())
    except BatchFailed as failed:
        return Reply({"batch_errors": failed.errors}, 422)
    return v3([catalog.render_variant(variant) for variant in variants])


# -- options and option values -------------------------------------------------------------------


@table.route("GET", OPTIONS, scope=scopes.PRODUCTS)
def list_options(call: Call) -> Reply:
    catalog = _catalog(call)
    record = catalog.record(_id(call, "product_id"))
    shown = view(call)
    options = [catalog.options[option_id] for option_id in record.option_ids]
    return v3_page(call, options, render=lambda option: catalog.render_option(option, shown))


@table.route("POST", OPTIONS, scope=scopes.PRODUCTS)
def create_option(call: Call) -> Reply:
    return v3(_catalog(call).create_option(_id(call, "product_id"), call.json_object()))


@table.route("GET", OPTION, scope=scopes.PRODUCTS)
def get_option(call: Call) -> Reply:
    catalog = _catalog(call)
    option = catalog.product_option(_id(call, "product_id"), _id(call, "option_id"))
    return v3(catalog.render_option(option, view(call)))


@table.route("PUT", OPTION, scope=scopes.PRODUCTS)
def update_option(call: Call) -> Reply:
    return v3(_catalog(call).update_option(_id(call, "product_id"), _id(call, "option_id"), call.json_object()))


@table.route("DELETE", OPTION, scope=scopes.PRODUCTS)
def delete_option(call: Call) -> Reply:
    _catalog(call).delete_option(_id(call, "product_id"), _id(call, "option_id"))
    return no_content()


@table.route("GET", VALUES, scope=scopes.PRODUCTS)
def list_option_values(call: Call) -> Reply:
    option = _catalog(call).product_option(_id(call, "product_id"), _id(call, "option_id"))
    return v3_page(call, option["option_values"])


@table.route("POST", VALUES, scope=scopes.PRODUCTS)
def create_option_value(call: Call) -> Reply:
    catalog = _catalog(call)
    return v3(catalog.create_option_value(_id(call, "product_id"), _id(call, "option_id"), call.json_object()))


@table.route("GET", VALUE, scope=scopes.PRODUCTS)
def get_option_value(call: Call) -> Reply:
    catalog = _catalog(call)
    return v3(catalog.option_value(_id(call, "product_id"), _id(call, "option_id"), _id(call, "value_id")))


@table.route("PUT", VALUE, scope=scopes.PRODUCTS)
def update_option_value(call: Call) -> Reply:
    catalog = _catalog(call)
    ids = (_id(call, "product_id"), _id(call, "option_id"), _id(call, "value_id"))
    return v3(catalog.update_option_value(*ids, call.json_object()))


@table.route("DELETE", VALUE, scope=scopes.PRODUCTS)
def delete_option_value(call: Call) -> Reply:
    _catalog(call).delete_option_value(_id(call, "product_id"), _id(call, "option_id"), _id(call, "value_id"))
    return no_content()


# -- custom fields -------------------------------------------------------------------------------


def _selected(item: JsonObject, shown: View) -> JsonObject:
    return select_fields(item, shown) if shown.selects else item


@table.route("GET", CUSTOM_FIELDS, scope=scopes.PRODUCTS)
def list_custom_fields(call: Call) -> Reply:
    record = _catalog(call).record(_id(call, "product_id"))
    shown = view(call)
    return v3_page(call, record.custom_fields, render=lambda item: _selected(item, shown))


@table.route("POST", CUSTOM_FIELDS, scope=scopes.PRODUCTS)
def create_custom_field(call: Call) -> Reply:
    return v3(_catalog(call).create_custom_field(_id(call, "product_id"), call.json_object()))


@table.route("GET", CUSTOM_FIELD, scope=scopes.PRODUCTS)
def get_custom_field(call: Call) -> Reply:
    item = _catalog(call).custom_field(_id(call, "product_id"), _id(call, "custom_field_id"))
    return v3(_selected(item, view(call)))


@table.route("PUT", CUSTOM_FIELD, scope=scopes.PRODUCTS)
def update_custom_field(call: Call) -> Reply:
    catalog = _catalog(call)
    return v3(catalog.update_custom_field(_id(call, "product_id"), _id(call, "custom_field_id"), call.json_object()))


@table.route("DELETE", CUSTOM_FIELD, scope=scopes.PRODUCTS)
def delete_custom_field(call: Call) -> Reply:
    _catalog(call).delete_custom_field(_id(call, "product_id"), _id(call, "custom_field_id"))
    return no_content()


# -- brands and categories -----------------------------------------------------------------------


@table.route("GET", BRANDS, scope=scopes.PRODUCTS)
def list_brands(call: Call) -> Reply:
    return v3_page(call, _catalog(call).list_brands(conditions(call, BRAND_FILTERS)))


@table.route("POST", BRANDS, scope=scopes.PRODUCTS)
def create_brand(call: Call) -> Reply:
    return v3(_catalog(call).add_brand(call.json_object()))


@table.route("GET", BRANDS + "/{brand_id:int}", scope=scopes.PRODUCTS)
def get_brand(call: Call) -> Reply:
    return v3(_catalog(call).brand(_id(call, "brand_id")))


@table.route("PUT", BRANDS + "/{brand_id:int}", scope=scopes.PRODUCTS)
def update_brand(call: Call) -> Reply:
    return v3(_catalog(call).update_brand(_id(call, "brand_id"), call.json_object()))


@table.route("DELETE", BRANDS + "/{brand_id:int}", scope=scopes.PRODUCTS)
def delete_brand(call: Call) -> Reply:
    _catalog(call).delete_brand(_id(call, "brand_id"))
    return no_content()


@table.route("GET", CATEGORIES, scope=scopes.PRODUCTS)
def list_categories(call: Call) -> Reply:
    return v3_page(call, _catalog(call).list_categories(conditions(call, CATEGORY_FILTERS)))


@table.route("POST", CATEGORIES, scope=scopes.PRODUCTS)
def create_category(call: Call) -> Reply:
    return v3(_catalog(call).add_category(call.json_object()))


@table.route("GET", CATEGORIES + "/{category_id:int}", scope=scopes.PRODUCTS)
def get_category(call: Call) -> Reply:
    return v3(_catalog(call).category(_id(call, "category_id")))


@table.route("PUT", CATEGORIES + "/{category_id:int}", scope=scopes.PRODUCTS)
def update_category(call: Call) -> Reply:
    return v3(_catalog(call).update_category(_id(call, "category_id"), call.json_object()))


@table.route("DELETE", CATEGORIES + "/{category_id:int}", scope=scopes.PRODUCTS)
def delete_category(call: Call) -> Reply:
    _catalog(call).delete_category(_id(call, "category_id"))
    return no_content()

"""Catalog V3: products, variants, options, custom fields, brands and categories.

Products are listed with ``include=variants,custom_fields`` by default so one page of 250
carries everything an import needs; asking for ``options`` or ``modifiers`` makes the API cap
pages at 10, so those are only included on request. Batch updates are split at the API limits
(10 products, 50 variants per PUT) and deletes at 250 ids per ``id:in``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bchub.bigcommerce.batching import DELETE_BATCH, PRODUCT_BATCH, VARIANT_BATCH, BatchResult, chunked, run_batches
from bchub.bigcommerce.models.base import InputModel, as_payload
from bchub.bigcommerce.models.catalog import (
    Brand,
    BrandInput,
    Category,
    CategoryInput,
    CustomField,
    CustomFieldInput,
    OptionInput,
    OptionValue,
    OptionValueInput,
    Product,
    ProductInput,
    ProductOption,
    Variant,
    VariantInput,
)
from bchub.bigcommerce.pagination import iterate_v3
from bchub.bigcommerce.resources.base import Service, joined, parse, parse_each, parse_list
from bchub.bigcommerce.transport import Params

DEFAULT_PRODUCT_INCLUDE = ("variants", "custom_fields")
_SMALL_PAGE_INCLUDES = frozenset({"options", "modifiers"})
SMALL_PAGE = 10  # the API's page size when options or modifiers are included

Body = InputModel | Mapping[str, Any]


def _product_page_size(include: Iterable[str]) -> int | None:
    return SMALL_PAGE if _SMALL_PAGE_INCLUDES.intersection(include) else None


def _require_ids(payloads: list[dict[str, Any]], what: str) -> None:
    missing = [index for index, payload in enumerate(payloads) if not payload.get("id")]
    if missing:
        raise ValueError(f"every {what} in a batch update needs an 'id'; missing at positions {missing[:10]}")


class CatalogService(Service):
    # -- products -----------------------------------------------------------------------------

    def list_products(
        self,
        *,
        include: Iterable[str] = DEFAULT_PRODUCT_INCLUDE,
        ids: Iterable[int] | None = None,
        skus: Iterable[str] | None = None,
        modified_since: datetime | None = None,
        filters: Params | None = None,
    ) -> AsyncIterator[Product]:
        """Every product matching the filters, with the sub-resources in ``include`` inline."""
        include = tuple(include)
        params: dict[str, Any] = {
            "include": joined(include),
            "id:in": joined(ids),
            "sku:in": joined(skus),
            "date_modified:min": modified_since,
            **(filters or {}),
        }
        items = iterate_v3(
            self._api, "/v3/catalog/products", params, self._pages, page_size=_product_page_size(include)
        )
        return parse_each(Product, items)

    async def get_product(self, product_id: int, *, include: Iterable[str] = DEFAULT_PRODUCT_INCLUDE) -> Product:
        response = await self._api.request(
            "GET", f"/v3/catalog/products/{product_id}", params={"include": joined(include)}
        )
        return parse(Product, response.data(), response)

    async def create_product(self, product: Body, *, include: Iterable[str] = DEFAULT_PRODUCT_INCLUDE) -> Product:
        """Create one product, with inline ``variants`` and ``custom_fields`` if given (one request).

        ``include`` asks for the created sub-resources in the response, as on reads.
        """
        params = {"include": joined(include)}
        response = await self._api.request("POST", "/v3/catalog/products", params=params, json=as_payload(product))
        return parse(Product, response.data(), response)

    async def update_product(self, product_id: int, changes: Body) -> Product:
        response = await self._api.request("PUT", f"/v3/catalog/products/{product_id}", json=as_payload(changes))
        return parse(Product, response.data(), response)

    async def update_products(
        self, products: Sequence[ProductInput | Mapping[str, Any]]
    ) -> BatchResult[Product, dict[str, Any]]:
        """Update many products, 10 per request; each needs ``id``."""
        payloads = [as_payload(product) for product in products]
        _require_ids(payloads, "product")

        async def send(batch: list[dict[str, Any]]) -> list[Product]:
            response = await self._api.request("PUT", "/v3/catalog/products", json=batch)
            return parse_list(Product, response.data(), response)

        return await run_batches(chunked(payloads, PRODUCT_BATCH), send, self._write_concurrency)

    async def delete_product(self, product_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/products/{product_id}")

    async def delete_products(self, product_ids: Iterable[int]) -> int:
        """Delete products by id, 250 per request; returns the number of requests sent."""
        batches = chunked(sorted(set(product_ids)), DELETE_BATCH)
        for batch in batches:
            await self._api.request("DELETE", "/v3/catalog/products", params={"id:in": joined(batch)})
        return len(batches)

    # -- variants -----------------------------------------------------------------------------

    def list_variants(
        self,
        *,
        product_id: int | None = None,
        skus: Iterable[str] | None = None,
        product_ids: Iterable[int] | None = None,
        filters: Params | None = None,
    ) -> AsyncIterator[Variant]:
        """One product's variants, or variants across the catalog (``/v3/catalog/variants``) by filter."""
        if product_id is not None:
            items = iterate_v3(self._api, f"/v3/catalog/products/{product_id}/variants", filters, self._pages)
        else:
            params: dict[str, Any] = {"sku:in": joined(skus), "product_id:in": joined(product_ids), **(filters or {})}
            items = iterate_v3(self._api, "/v3/catalog/variants", params, self._pages)
        return parse_each(Variant, items)

    async def get_variant(self, product_id: int, variant_id: int) -> Variant:
        response = await self._api.request("GET", f"/v3/catalog/products/{product_id}/variants/{variant_id}")
        return parse(Variant, response.data(), response)

    async def create_variant(self, product_id: int, variant: Body) -> Variant:
        response = await self._api.request(
            "POST", f"/v3/catalog/products/{product_id}/variants", json=as_payload(variant)
        )
        return parse(Variant, response.data(), response)

    async def update_variant(self, product_id: int, variant_id: int, changes: Body) -> Variant:
        path = f"/v3/catalog/products/{product_id}/variants/{variant_id}"
        response = await self._api.request("PUT", path, json=as_payload(changes))
        return parse(Variant, response.data(), response)

    async def update_variants(
        self, variants: Sequence[VariantInput | Mapping[str, Any]]
    ) -> BatchResult[Variant, dict[str, Any]]:
        """Update many variants (any products), 50 per request; each needs ``id``."""
        payloads = [as_payload(variant) for variant in variants]
        _require_ids(payloads, "variant")

        async def send(batch: list[dict[str, Any]]) -> list[Variant]:
            response = await self._api.request("PUT", "/v3/catalog/variants", json=batch)
            return parse_list(Variant, response.data(), response)

        return await run_batches(chunked(payloads, VARIANT_BATCH), send, self._write_concurrency)

    async def delete_variant(self, product_id: int, variant_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/products/{product_id}/variants/{variant_id}")

    # -- options ------------------------------------------------------------------------------

    def list_options(self, product_id: int) -> AsyncIterator[ProductOption]:
        return parse_each(
            ProductOption, iterate_v3(self._api, f"/v3/catalog/products/{product_id}/options", None, self._pages)
        )

    async def create_option(self, product_id: int, option: OptionInput | Mapping[str, Any]) -> ProductOption:
        response = await self._api.request(
            "POST", f"/v3/catalog/products/{product_id}/options", json=as_payload(option)
        )
        return parse(ProductOption, response.data(), response)

    async def update_option(self, product_id: int, option_id: int, changes: Body) -> ProductOption:
        path = f"/v3/catalog/products/{product_id}/options/{option_id}"
        response = await self._api.request("PUT", path, json=as_payload(changes))
        return parse(ProductOption, response.data(), response)

    async def delete_option(self, product_id: int, option_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/products/{product_id}/options/{option_id}")

    async def create_option_value(
        self, product_id: int, option_id: int, value: OptionValueInput | Mapping[str, Any]
    ) -> OptionValue:
        path = f"/v3/catalog/products/{product_id}/options/{option_id}/values"
        response = await self._api.request("POST", path, json=as_payload(value))
        return parse(OptionValue, response.data(), response)

    # -- custom fields ------------------------------------------------------------------------

    def list_custom_fields(self, product_id: int) -> AsyncIterator[CustomField]:
        path = f"/v3/catalog/products/{product_id}/custom-fields"
        return parse_each(CustomField, iterate_v3(self._api, path, None, self._pages))

    async def create_custom_field(self, product_id: int, field: CustomFieldInput | Mapping[str, Any]) -> CustomField:
        path = f"/v3/catalog/products/{product_id}/custom-fields"
        response = await self._api.request("POST", path, json=as_payload(field))
        return parse(CustomField, response.data(), response)

    async def update_custom_field(self, product_id: int, field_id: int, changes: Body) -> CustomField:
        path = f"/v3/catalog/products/{product_id}/custom-fields/{field_id}"
        response = await self._api.request("PUT", path, json=as_payload(changes))
        return parse(CustomField, response.data(), response)

    async def delete_custom_field(self, product_id: int, field_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/products/{product_id}/custom-fields/{field_id}")

    # -- brands -------------------------------------------------------------------------------

    def list_brands(self, *, name: str | None = None, filters: Params | None = None) -> AsyncIterator[Brand]:
        params: dict[str, Any] = {"name": name, **(filters or {})}
        return parse_each(Brand, iterate_v3(self._api, "/v3/catalog/brands", params, self._pages))

    async def get_brand(self, brand_id: int) -> Brand:
        response = await self._api.request("GET", f"/v3/catalog/brands/{brand_id}")
        return parse(Brand, response.data(), response)

    async def create_brand(self, brand: BrandInput | Mapping[str, Any]) -> Brand:
        response = await self._api.request("POST", "/v3/catalog/brands", json=as_payload(brand))
        return parse(Brand, response.data(), response)

    async def update_brand(self, brand_id: int, changes: Body) -> Brand:
        response = await self._api.request("PUT", f"/v3/catalog/brands/{brand_id}", json=as_payload(changes))
        return parse(Brand, response.data(), response)

    async def delete_brand(self, brand_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/brands/{brand_id}")

    # -- categories ---------------------------------------------------------------------------

    def list_categories(
        self, *, name: str | None = None, parent_id: int | None = None, filters: Params | None = None
    ) -> AsyncIterator[Category]:
        params: dict[str, Any] = {"name": name, "parent_id": parent_id, **(filters or {})}
        return parse_each(Category, iterate_v3(self._api, "/v3/catalog/categories", params, self._pages))

    async def get_category(self, category_id: int) -> Category:
        response = await self._api.request("GET", f"/v3/catalog/categories/{category_id}")
        return parse(Category, response.data(), response)

    async def create_category(self, category: CategoryInput | Mapping[str, Any]) -> Category:
        response = await self._api.request("POST", "/v3/catalog/categories", json=as_payload(category))
        return parse(Category, response.data(), response)

    async def update_category(self, category_id: int, changes: Body) -> Category:
        response = await self._api.request("PUT", f"/v3/catalog/categories/{category_id}", json=as_payload(changes))
        return parse(Category, response.data(), response)

    async def delete_category(self, category_id: int) -> None:
        await self._api.request("DELETE", f"/v3/catalog/categories/{category_id}")

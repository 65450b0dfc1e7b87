"""BigCommerce products and variants → hub item data and listing data (pure functions).

A product read with ``include=variants,custom_fields,images`` carries everything: a product
without options has one variant (its base variant, no option values) and becomes one item; a
product with options becomes one item per variant. Variant fields left empty inherit the
product's (price, weight, dimensions, and for the base variant also its identifiers); options
come inline as ``option_values[].option_display_name/label`` and are normalised
(``Colour`` → ``Color``). Amounts become exact ``Decimal`` via their shortest text, so ``61.16``
stays ``61.16``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bchub.bigcommerce.models.catalog import Product, Variant
from bchub.domain.catalog import (
    Attribute,
    ItemData,
    MasterSkuSource,
    content_hash,
    hs_code_of,
    normalise_options,
)


@dataclass(frozen=True)
class ReadListing:
    """One sellable SKU as one store has it: the item data and the listing's own fields."""

    master_sku: str
    data: ItemData
    product_id: int
    variant_id: int
    base_variant: bool
    sku: str | None  # the store's SKU
    price: Decimal | None
    inventory_level: int | None  # None when the store does not track it
    visible: bool
    modified_at: datetime | None

    def read_hash(self, data_hash: str | None = None) -> str:
        """Changes when anything the hub keeps from this store changes (not ``date_modified`` alone).

        ``data_hash`` is ``self.data.content_hash()`` when the caller has it already.
        """
        return content_hash(
            [
                data_hash or self.data.content_hash(),
                self.product_id,
                self.variant_id,
                self.base_variant,
                self.sku,
                self.price,
                self.inventory_level,
                self.visible,
            ]
        )


@dataclass(frozen=True)
class Unmappable:
    """A variant that cannot become an item, and why (reported, never imported)."""

    product_id: int
    variant_id: int
    key: str  # what a person recognises: the SKU, or the product name and variant id
    reason: str


def amount(value: float | int | str | Decimal | None) -> Decimal | None:
    """An exact decimal from the API's JSON number (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _text(value: object) -> str | None:
    """A trimmed string, or ``None`` for missing or blank values."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _dimension(variant: Variant | None, product: Product, name: str) -> Decimal | None:
    own = (variant.model_extra or {}).get(name) if variant is not None else None
    if own is None:
        own = (product.model_extra or {}).get(name)
    return amount(own)


def _images(product: Product, variant: Variant | None) -> tuple[str, ...]:
    urls: list[str] = []
    if variant is not None and _text(variant.image_url):
        urls.append(str(variant.image_url).strip())
    for image in sorted(product.images, key=lambda image: (not image.is_thumbnail, image.sort_order or 0)):
        url = _text(image.url_standard) or _text(image.image_url) or _text((image.model_extra or {}).get("url_zoom"))
        if url and url not in urls:
            urls.append(url)
    return tuple(urls)


def master_sku_of(source: MasterSkuSource, sku: str | None, upc: str | None, mpn: str | None) -> str | None:
    return {MasterSkuSource.SKU: sku, MasterSkuSource.UPC: upc, MasterSkuSource.MPN: mpn}[source]


def _inventory(product: Product, variant: Variant) -> int | None:
    if product.inventory_tracking == "variant":
        return variant.inventory_level
    if product.inventory_tracking == "product":
        return product.inventory_level
    return None


def _inherit(own: float | None, product: float | None) -> Decimal | None:
    return amount(own if own is not None else product)


def variant_listing(
    product: Product,
    variant: Variant,
    source: MasterSkuSource,
    brands: Mapping[int, str],
) -> ReadListing | Unmappable:
    """One variant of ``product`` as a read listing, or why it cannot be one."""
    base = not variant.option_values
    sku = _text(variant.sku) or (_text(product.sku) if base else None)
    upc = _text(variant.upc) or (_text(product.upc) if base else None)
    mpn = _text(variant.mpn) or (_text(product.mpn) if base else None)
    gtin = _text(variant.gtin) or (_text(product.gtin) if base else None)
    master = master_sku_of(source, sku, upc, mpn)
    if master is None:
        key = sku or f"{product.name} (product {product.id}, variant {variant.id})"
        return Unmappable(product.id, variant.id, key, f"no {source.value.upper()} to use as the master SKU")
    if len(master) > 255:
        return Unmappable(product.id, variant.id, master[:60] + "…", "the master SKU is longer than 255 characters")
    custom_fields = tuple(Attribute(field.name, field.value) for field in product.custom_fields)
    options = normalise_options(
        Attribute(value.option_display_name or "", value.label or "") for value in variant.option_values
    )
    data = ItemData(
        sku=master,
        name=product.name,
        parent_sku=None if base else _text(product.sku),
        description=_text(product.description),
        price=_inherit(variant.price, product.price),
        cost_price=_inherit(variant.cost_price, product.cost_price),
        sale_price=_inherit(variant.sale_price, product.sale_price),
        retail_price=_inherit(variant.retail_price, product.retail_price),
        upc=upc,
        mpn=mpn,
        gtin=gtin,
        weight=_inherit(variant.weight, product.weight),
        width=_dimension(variant, product, "width"),
        height=_dimension(variant, product, "height"),
        depth=_dimension(variant, product, "depth"),
        brand=brands.get(product.brand_id) if product.brand_id else None,
        categories=tuple(str(category) for category in product.categories),
        images=_images(product, variant),
        custom_fields=custom_fields,
        options=options,
        hs_code=hs_code_of(options, custom_fields),
    )
    return ReadListing(
        master_sku=master,
        data=data,
        product_id=product.id,
        variant_id=variant.id,
        base_variant=base,
        sku=sku,
        price=data.price,
        inventory_level=_inventory(product, variant),
        visible=product.is_visible is not False,
        modified_at=product.date_modified,
    )


def _variants(product: Product) -> list[Variant]:
    """The product's sellable variants; a product read without its variants stands for its base variant."""
    if product.variants:
        return list(product.variants)
    if product.base_variant_id is None:
        return []
    return [Variant(id=product.base_variant_id, product_id=product.id, sku=product.sku)]


def product_listings(
    product: Product, source: MasterSkuSource, brands: Mapping[int, str]
) -> list[ReadListing | Unmappable]:
    """Every sellable SKU of ``product``, in the store's order."""
    return [variant_listing(product, variant, source, brands) for variant in _variants(product)]


def brand_ids(products: list[Product]) -> set[int]:
    return {product.brand_id for product in products if product.brand_id}


def product_from_json(data: Mapping[str, Any]) -> Product:
    return Product.model_validate(data)

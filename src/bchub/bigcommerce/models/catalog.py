"""Catalog V3: products, variants, options, custom fields, images, brands, categories."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bchub.bigcommerce.models.base import ApiDatetime, ApiModel, InputModel


class CustomField(ApiModel):
    id: int | None = None
    name: str
    value: str


class VariantOptionValue(ApiModel):
    """One option value of a variant, e.g. Size = Large."""

    id: int | None = None
    label: str | None = None
    option_id: int | None = None
    option_display_name: str | None = None


class Variant(ApiModel):
    id: int
    product_id: int
    sku: str | None = None
    sku_id: int | None = None
    price: float | None = None  # None: inherits the product's
    sale_price: float | None = None
    retail_price: float | None = None
    cost_price: float | None = None
    map_price: float | None = None
    calculated_price: float | None = None
    weight: float | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool | None = None
    upc: str | None = None
    mpn: str | None = None
    gtin: str | None = None
    image_url: str | None = None
    option_values: list[VariantOptionValue] = Field(default_factory=list)


class OptionValue(ApiModel):
    id: int | None = None
    label: str
    sort_order: int | None = None
    is_default: bool | None = None
    value_data: dict[str, Any] | None = None


class ProductOption(ApiModel):
    id: int
    product_id: int | None = None
    display_name: str
    type: str | None = None
    sort_order: int | None = None
    option_values: list[OptionValue] = Field(default_factory=list)


class ProductImage(ApiModel):
    id: int | None = None
    product_id: int | None = None
    image_url: str | None = None
    url_standard: str | None = None
    url_thumbnail: str | None = None
    is_thumbnail: bool | None = None
    sort_order: int | None = None
    description: str | None = None


class Product(ApiModel):
    id: int
    name: str
    type: str | None = None
    sku: str | None = None
    price: float | None = None
    sale_price: float | None = None
    retail_price: float | None = None
    cost_price: float | None = None
    map_price: float | None = None
    calculated_price: float | None = None
    weight: float | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    inventory_tracking: str | None = None
    is_visible: bool | None = None
    availability: str | None = None
    condition: str | None = None
    brand_id: int | None = None
    categories: list[int] = Field(default_factory=list)
    description: str | None = None
    upc: str | None = None
    mpn: str | None = None
    gtin: str | None = None
    base_variant_id: int | None = None
    custom_url: dict[str, Any] | None = None
    date_created: ApiDatetime = None
    date_modified: ApiDatetime = None
    variants: list[Variant] = Field(default_factory=list)
    custom_fields: list[CustomField] = Field(default_factory=list)
    images: list[ProductImage] = Field(default_factory=list)
    options: list[ProductOption] = Field(default_factory=list)


class Brand(ApiModel):
    id: int
    name: str
    page_title: str | None = None
    meta_keywords: list[str] | None = None
    meta_description: str | None = None
    search_keywords: str | None = None
    image_url: str | None = None
    custom_url: dict[str, Any] | None = None


class Category(ApiModel):
    id: int
    parent_id: int = 0
    name: str
    description: str | None = None
    is_visible: bool | None = None
    sort_order: int | None = None
    custom_url: dict[str, Any] | None = None


# -- what we write ------------------------------------------------------------------------------


class CustomFieldInput(InputModel):
    name: str
    value: str


class VariantOptionValueInput(InputModel):
    """Either ``{option_display_name, label}`` (creates options implicitly) or ``{id, option_id}``."""

    option_display_name: str | None = None
    label: str | None = None
    id: int | None = None
    option_id: int | None = None


class VariantInput(InputModel):
    """A variant to create (``sku`` and ``option_values``) or update (``id``); unset fields are not sent."""

    id: int | None = None
    product_id: int | None = None
    sku: str | None = None
    price: float | None = None
    sale_price: float | None = None
    retail_price: float | None = None
    cost_price: float | None = None
    weight: float | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    purchasing_disabled: bool | None = None
    upc: str | None = None
    mpn: str | None = None
    gtin: str | None = None
    image_url: str | None = None
    option_values: list[VariantOptionValueInput] | None = None


class ProductInput(InputModel):
    """A product to create (``name``, ``type``, ``weight``, ``price`` required by the API) or update."""

    id: int | None = None
    name: str | None = None
    type: str | None = None
    sku: str | None = None
    description: str | None = None
    weight: float | None = None
    price: float | None = None
    sale_price: float | None = None
    retail_price: float | None = None
    cost_price: float | None = None
    inventory_level: int | None = None
    inventory_warning_level: int | None = None
    inventory_tracking: str | None = None
    is_visible: bool | None = None
    availability: str | None = None
    condition: str | None = None
    brand_id: int | None = None
    brand_name: str | None = None
    categories: list[int] | None = None
    upc: str | None = None
    mpn: str | None = None
    gtin: str | None = None
    custom_fields: list[CustomFieldInput] | None = None
    variants: list[VariantInput] | None = None  # on create only: the batch PUT has no variants


class OptionValueInput(InputModel):
    id: int | None = None  # an existing value, when updating an option
    label: str
    sort_order: int | None = None
    is_default: bool | None = None
    value_data: dict[str, Any] | None = None


class OptionInput(InputModel):
    display_name: str | None = None
    type: str | None = None  # radio_buttons, rectangles, dropdown, product_list, swatch, ...
    sort_order: int | None = None
    option_values: list[OptionValueInput] | None = None


class BrandInput(InputModel):
    name: str | None = None
    page_title: str | None = None
    meta_keywords: list[str] | None = None
    search_keywords: str | None = None
    image_url: str | None = None


class CategoryInput(InputModel):
    name: str | None = None
    parent_id: int | None = None
    description: str | None = None
    is_visible: bool | None = None
    sort_order: int | None = None

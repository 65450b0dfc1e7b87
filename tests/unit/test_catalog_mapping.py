"""BigCommerce products and variants → hub item data (pure mapping)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bchub.bigcommerce.models.catalog import Product
from bchub.domain.catalog import Attribute, MasterSkuSource
from bchub.sync.catalog.mapping import ReadListing, Unmappable, amount, product_listings

BRANDS = {7: "Northwind"}


def _product(**changes: Any) -> Product:
    body: dict[str, Any] = {
        "id": 11,
        "name": "Merino Tee",
        "sku": "NWA-0001",
        "description": "<p>Soft.</p>",
        "price": 61.16,
        "cost_price": 27.5,
        "sale_price": 0,
        "retail_price": 73.39,
        "weight": 0.35,
        "width": 20,
        "height": 2,
        "depth": 30,
        "brand_id": 7,
        "categories": [23, 24],
        "upc": "012345678905",
        "mpn": "NWAM0001",
        "gtin": "",
        "is_visible": True,
        "inventory_tracking": "variant",
        "inventory_level": 9,
        "base_variant_id": None,
        "date_modified": "2026-11-01T10:00:00+00:00",
        "custom_fields": [
            {"id": 1, "name": "Material", "value": "Merino"},
            {"id": 2, "name": "HS Code", "value": "6109.10"},
        ],
        "images": [
            {"id": 2, "url_standard": "https://cdn.example.com/b.jpg", "is_thumbnail": False, "sort_order": 1},
            {"id": 1, "url_standard": "https://cdn.example.com/a.jpg", "is_thumbnail": True, "sort_order": 2},
        ],
        "variants": [
            {
                "id": 101,
                "product_id": 11,
                "sku": "NWA-0001-S",
                "price": None,
                "cost_price": 20,
                "weight": None,
                "width": None,
                "inventory_level": 4,
                "upc": "",
                "mpn": "NWAM0001S",
                "image_url": "https://cdn.example.com/s.jpg",
                "option_values": [
                    {"id": 1, "label": "S", "option_id": 1, "option_display_name": "size"},
                    {"id": 2, "label": "Navy", "option_id": 2, "option_display_name": "Colour"},
                ],
            },
            {
                "id": 102,
                "product_id": 11,
                "sku": "NWA-0001-M",
                "price": 65.0,
                "weight": 0.4,
                "inventory_level": 0,
                "upc": "012345678912",
                "mpn": "",
                "option_values": [{"id": 3, "label": "M", "option_id": 1, "option_display_name": "Size"}],
            },
        ],
    }
    body.update(changes)
    return Product.model_validate(body)


def _reads(product: Product, source: MasterSkuSource = MasterSkuSource.SKU) -> list[ReadListing | Unmappable]:
    return product_listings(product, source, BRANDS)


def test_a_variant_inherits_what_it_leaves_empty_and_keeps_its_own_identifiers() -> None:
    small, medium = _reads(_product())
    assert isinstance(small, ReadListing) and isinstance(medium, ReadListing)
    assert (small.master_sku, small.product_id, small.variant_id, small.base_variant) == ("NWA-0001-S", 11, 101, False)
    data = small.data
    assert (data.name, data.parent_sku, data.description) == ("Merino Tee", "NWA-0001", "<p>Soft.</p>")
    assert (data.price, data.cost_price, data.retail_price) == (Decimal("61.16"), Decimal("20"), Decimal("73.39"))
    assert (data.weight, data.width, data.height, data.depth) == (
        Decimal("0.35"),
        Decimal("20"),
        Decimal("2"),
        Decimal("30"),
    )
    assert (data.upc, data.mpn, data.gtin) == (None, "NWAM0001S", None)  # not the product's UPC
    assert data.options == (Attribute("Size", "S"), Attribute("Color", "Navy"))
    assert data.custom_fields == (Attribute("Material", "Merino"), Attribute("HS Code", "6109.10"))
    assert (data.hs_code, data.brand, data.categories) == ("6109.10", "Northwind", ("23", "24"))
    assert data.images == (
        "https://cdn.example.com/s.jpg",
        "https://cdn.example.com/a.jpg",
        "https://cdn.example.com/b.jpg",
    )
    assert (small.inventory_level, small.price, small.visible) == (4, Decimal("61.16"), True)
    assert small.modified_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert (medium.data.price, medium.data.weight, medium.data.upc, medium.data.mpn) == (
        Decimal("65.0"),
        Decimal("0.4"),
        "012345678912",
        None,
    )


def test_a_product_without_variants_is_one_item_on_its_base_variant() -> None:
    product = _product(
        base_variant_id=500,
        inventory_tracking="product",
        variants=[
            {
                "id": 500,
                "product_id": 11,
                "sku": "NWA-0001",
                "upc": "",
                "mpn": "",
                "inventory_level": 9,
                "option_values": [],
            }
        ],
    )
    [read] = _reads(product, MasterSkuSource.UPC)
    assert isinstance(read, ReadListing)
    assert (read.master_sku, read.variant_id, read.base_variant, read.data.parent_sku) == (
        "012345678905",
        500,
        True,
        None,
    )
    assert (read.data.upc, read.data.mpn, read.sku, read.inventory_level) == ("012345678905", "NWAM0001", "NWA-0001", 9)


def test_a_product_read_without_variants_stands_for_its_base_variant() -> None:
    [read] = _reads(_product(base_variant_id=500, variants=[], inventory_tracking="none"))
    assert isinstance(read, ReadListing)
    assert (read.variant_id, read.base_variant, read.master_sku, read.inventory_level) == (500, True, "NWA-0001", None)


def test_variants_without_the_chosen_master_sku_are_reported() -> None:
    small, medium = _reads(_product(), MasterSkuSource.UPC)
    assert small == Unmappable(11, 101, "NWA-0001-S", "no UPC to use as the master SKU")
    assert isinstance(medium, ReadListing) and medium.master_sku == "012345678912"
    long = _reads(
        _product(
            variants=[
                {
                    "id": 9,
                    "product_id": 11,
                    "sku": "X" * 256,
                    "option_values": [{"label": "A", "option_display_name": "Size"}],
                }
            ]
        )
    )
    assert isinstance(long[0], Unmappable) and long[0].reason == "the master SKU is longer than 255 characters"


def test_the_read_hash_follows_what_the_hub_keeps_not_the_modification_date() -> None:
    [first, _] = _reads(_product())
    [later, _] = _reads(_product(date_modified="2026-11-02T10:00:00+00:00"))
    assert isinstance(first, ReadListing) and isinstance(later, ReadListing)
    assert first.read_hash() == later.read_hash()
    [hidden, _] = _reads(_product(is_visible=False))
    assert isinstance(hidden, ReadListing) and hidden.read_hash() != first.read_hash()
    assert first.read_hash(first.data.content_hash()) == first.read_hash()


def test_amounts_are_exact() -> None:
    assert amount(61.16) == Decimal("61.16") and amount(0.1) + amount(0.2) == Decimal("0.3")  # type: ignore[operator]
    assert amount(None) is None and amount(5) == Decimal(5)

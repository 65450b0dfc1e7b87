"""Deterministic demo data: a merchant store and two vendor (dropship supplier) stores.

The vendors sell apparel and homeware with Size/Colour variants, custom fields, brands, UPCs and
MPNs. The merchant sells some products of its own and already lists a few of the vendors' SKUs
(so matching by SKU has something to find), and has shopper orders in several statuses spread
over the last weeks. Everything comes from ``random.Random(seed)``: the same seed gives the same
stores, tokens, catalogs and orders.
"""

from __future__ import annotations

import random
from typing import Any

from bcsandbox import scopes
from bcsandbox.state import Sandbox, Store

FULL_SCOPES = scopes.FULL_ACCESS
DEMO_PRODUCTS = 24  # per vendor
DEMO_ORDERS = 12  # shopper orders on the merchant store

MERCHANT_HASH = "mrch001"
VENDOR_HASHES = ("vnd0001", "vnd0002")

_VENDOR_PROFILES: tuple[dict[str, Any], ...] = (
    {
        "name": "Northwind Apparel (vendor)",
        "prefix": "NWA",
        "brands": ("Northwind", "Trailhead"),
        "items": (
            "Merino Tee",
            "Fleece Hoodie",
            "Rain Shell",
            "Trail Socks",
            "Wool Beanie",
            "Cargo Shorts",
            "Down Vest",
            "Base Layer",
        ),
        "options": ("Size", "Color"),
        "values": (("S", "M", "L", "XL"), ("Black", "Navy", "Forest")),
        "material": ("Merino wool", "Recycled polyester", "Organic cotton"),
        "hs_code": "6109.10",
    },
    {
        "name": "Harbor Home Goods (vendor)",
        "prefix": "HHG",
        "brands": ("Harbor", "Saltbox"),
        "items": (
            "Linen Throw",
            "Stoneware Mug",
            "Oak Board",
            "Glass Carafe",
            "Cotton Napkins",
            "Enamel Pot",
            "Jute Rug",
            "Candle Set",
        ),
        "options": ("Colour", "Size"),
        "values": (("Sand", "Slate", "Ivory"), ("Small", "Large")),
        "material": ("Linen", "Stoneware", "Oak", "Borosilicate glass"),
        "hs_code": "6912.00",
    },
)

_FIRST = ("Ava", "Liam", "Noah", "Mia", "Zoe", "Ethan", "Ivy", "Lucas", "Maya", "Owen", "Chloé", "Søren")
_LAST = ("Nguyen", "Smith", "García", "Patel", "Kowalski", "O'Brien", "Müller", "Tanaka", "Okafor", "Larsen")
_CITIES = (
    ("Austin", "Texas", "78701", "United States", "US"),
    ("Portland", "Oregon", "97205", "United States", "US"),
    ("Toronto", "Ontario", "M5V 2T6", "Canada", "CA"),
    ("Sydney", "New South Wales", "2000", "Australia", "AU"),
    ("Denver", "Colorado", "80202", "United States", "US"),
)


def _token(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(31))


def _vendor_product(rng: random.Random, profile: dict[str, Any], number: int) -> dict[str, Any]:
    item = profile["items"][number % len(profile["items"])]
    prefix = profile["prefix"]
    sku = f"{prefix}-{number + 1:04d}"
    first_values = rng.sample(profile["values"][0], k=min(3, len(profile["values"][0])))
    second_value = rng.choice(profile["values"][1])
    price = round(rng.uniform(12, 140), 2)
    edition = number // len(profile["items"]) + 1
    variants = [
        {
            "sku": f"{sku}-{value.upper()[:3]}",
            "price": price,
            "cost_price": round(price * 0.45, 2),
            "inventory_level": rng.randint(0, 60),
            "upc": f"0{rng.randint(10**10, 10**11 - 1)}",
            "mpn": f"{prefix}M{number + 1:04d}{value[:1]}",
            "option_values": [
                {"option_display_name": profile["options"][0], "label": value},
                {"option_display_name": profile["options"][1], "label": second_value},
            ],
        }
        for value in first_values
    ]
    return {
        "name": f"{item} {edition}" if edition > 1 else item,
        "type": "physical",
        "sku": sku,
        "description": f"<p>{item} by {profile['brands'][number % 2]}: {rng.choice(profile['material']).lower()}, made to last.</p>",
        "price": price,
        "cost_price": round(price * 0.45, 2),
        "retail_price": round(price * 1.2, 2),
        "weight": round(rng.uniform(0.2, 4.0), 2),
        "width": rng.randint(5, 40),
        "height": rng.randint(2, 30),
        "depth": rng.randint(1, 20),
        "brand_name": profile["brands"][number % 2],
        "inventory_tracking": "variant",
        "is_visible": True,
        "mpn": f"{prefix}M{number + 1:04d}",
        "upc": f"0{rng.randint(10**10, 10**11 - 1)}",
        "custom_fields": [
            {"name": "Material", "value": rng.choice(profile["material"])},
            {"name": "HS Code", "value": profile["hs_code"]},
        ],
        "images": [{"image_url": f"https://cdn.example.com/{prefix.lower()}/{sku.lower()}.jpg", "is_thumbnail": True}],
        "variants": variants,
    }


def _merchant_product(rng: random.Random, number: int) -> dict[str, Any]:
    price = round(rng.uniform(8, 60), 2)
    return {
        "name": f"House Blend Coffee {number + 1}",
        "type": "physical",
        "sku": f"MRC-{number + 1:04d}",
        "price": price,
        "cost_price": round(price * 0.4, 2),
        "weight": 0.5,
        "brand_name": "Corner Store",
        "inventory_tracking": "product",
        "inventory_level": rng.randint(5, 80),
        "custom_fields": [{"name": "Roast", "value": rng.choice(("Light", "Medium", "Dark"))}],
    }


def _listed_copy(product: dict[str, Any]) -> dict[str, Any]:
    """The merchant's own listing of a vendor product: same SKUs, its own name and price."""
    copy = {key: value for key, value in product.items() if key not in ("custom_fields", "images", "upc", "mpn")}
    copy["name"] = f"{product['name']} — {product['brand_name']}"
    copy["price"] = round(product["price"] * 1.35, 2)
    copy["variants"] = [
        {**variant, "price": round(variant["price"] * 1.35, 2), "inventory_level": 0} for variant in product["variants"]
    ]
    return copy


def _shopper(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, state, zip_code, country, iso2 = rng.choice(_CITIES)
    return {
        "first_name": first,
        "last_name": last,
        "street_1": f"{rng.randint(1, 999)} {rng.choice(('Oak', 'Pine', 'Harbor', 'Main', 'River'))} St",
        "street_2": "",
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": country,
        "country_iso2": iso2,
        "phone": f"555-{rng.randint(1000, 9999)}",
        "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com",
    }


def seed_demo(
    sandbox: Sandbox, *, seed: int = 0, products: int = DEMO_PRODUCTS, orders: int = DEMO_ORDERS
) -> dict[str, Any]:
    """Create (or replace) the demo stores and return their hashes, names and tokens."""
    rng = random.Random(seed)
    with sandbox.lock:
        for store_hash in (MERCHANT_HASH, *VENDOR_HASHES):
            sandbox.stores.pop(store_hash, None)
        merchant = sandbox.create_store(
            MERCHANT_HASH, name="Corner Store (merchant)", plan="standard", access_token=_token(rng)
        )
        vendors: list[Store] = []
        vendor_catalogs: list[list[dict[str, Any]]] = []
        for store_hash, profile in zip(VENDOR_HASHES, _VENDOR_PROFILES, strict=True):
            vendor = sandbox.create_store(
                store_hash, name=str(profile["name"]), plan="standard", access_token=_token(rng)
            )
            bodies = [_vendor_product(rng, profile, number) for number in range(products)]
            for body in bodies:
                vendor.catalog.create_product(body)
            vendors.append(vendor)
            vendor_catalogs.append(bodies)

        own = [
            merchant.catalog.create_product(_merchant_product(rng, number)) for number in range(max(4, products // 4))
        ]
        listed_skus: list[str] = []
        for catalog in vendor_catalogs:
            for product in catalog[: max(2, len(catalog) // 3)]:
                body = _listed_copy(product)
                merchant.catalog.create_product(body)
                listed_skus.extend(variant["sku"] for variant in body["variants"])

        statuses = (11, 11, 11, 9, 1, 10, 2)
        own_skus = [product["sku"] for product in own]
        for number in range(orders):
            lines = [{"sku": rng.choice(own_skus), "quantity": rng.randint(1, 3)}]
            if listed_skus and number % 3 != 2:
                lines.append({"sku": rng.choice(listed_skus), "quantity": rng.randint(1, 2)})
            address = _shopper(rng)
            merchant.orders.place_shopper_order(
                {
                    "lines": lines,
                    "customer": address,
                    "shipping_address": address,
                    "status_id": statuses[number % len(statuses)],
                }
            )
        return {
            "merchant": merchant.summary(),
            "vendors": [vendor.summary() for vendor in vendors],
            "products_per_vendor": products,
            "orders": orders,
        }

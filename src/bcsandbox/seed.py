"""Deterministic demo data: a merchant store and two vendor stores with catalogs and orders."""

from __future__ import annotations

from typing import Any

from bcsandbox import scopes
from bcsandbox.state import Sandbox

FULL_SCOPES = scopes.FULL_ACCESS
DEMO_PRODUCTS = 40
DEMO_ORDERS = 12


def seed_demo(
    sandbox: Sandbox, *, seed: int = 0, products: int = DEMO_PRODUCTS, orders: int = DEMO_ORDERS
) -> dict[str, Any]:
    raise NotImplementedError("demo seeding lands with the catalog and orders backends")

"""OAuth scopes: which one a route needs, and whether a token's scopes grant it.

Every modify scope has a ``_read_only`` twin that grants GET and HEAD only; ``default`` (webhooks)
is granted to every token.
"""

from __future__ import annotations

PRODUCTS = "store_v2_products"
ORDERS = "store_v2_orders"
INVENTORY = "store_inventory"
LOCATIONS = "store_locations"
INFORMATION = "store_v2_information"
DEFAULT = "default"

ALL_MODIFY_SCOPES: tuple[str, ...] = (PRODUCTS, ORDERS, INVENTORY, LOCATIONS, INFORMATION)
FULL_ACCESS: frozenset[str] = frozenset(ALL_MODIFY_SCOPES)
READ_METHODS = frozenset({"GET", "HEAD"})


def read_only(scope: str) -> str:
    return f"{scope}_read_only"


def grants(token_scopes: frozenset[str], needed: str | None, method: str) -> bool:
    """True when ``token_scopes`` allow ``method`` on a route that needs ``needed``."""
    if needed is None or needed == DEFAULT:
        return True
    if needed in token_scopes:
        return True
    return method in READ_METHODS and read_only(needed) in token_scopes


def parse_scopes(raw: str | list[str] | tuple[str, ...] | frozenset[str] | set[str]) -> frozenset[str]:
    """Scopes as BigCommerce writes them (space separated) or as a collection."""
    items = raw.split() if isinstance(raw, str) else list(raw)
    return frozenset(item.strip() for item in items if item.strip())

"""Which BigCommerce OAuth scopes each hub operation needs, by role.

Scopes use BigCommerce's names: ``store_v2_orders`` is the modify scope, ``store_v2_orders_read_only``
its read twin; a modify scope also grants reads. The control-panel label (``Orders``) is kept
alongside so a message can say both what to tick and what the API calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from bchub.domain.connections import Connection, Role
from bchub.errors import InputError

PRODUCTS = "store_v2_products"
ORDERS = "store_v2_orders"
INVENTORY = "store_inventory"
LOCATIONS = "store_locations"
INFORMATION = "store_v2_information"

LABELS = {
    PRODUCTS: "Products",
    ORDERS: "Orders",
    INVENTORY: "Store Inventory",
    LOCATIONS: "Store Locations",
    INFORMATION: "Information & Settings",
}
READ_ONLY_SUFFIX = "_read_only"


class Access(StrEnum):
    READ = "read"
    MODIFY = "modify"


@dataclass(frozen=True)
class ScopeNeed:
    scope: str  # the modify scope's name, e.g. store_v2_orders
    access: Access

    @property
    def name(self) -> str:
        """The exact scope string BigCommerce grants for this need."""
        return self.scope if self.access is Access.MODIFY else self.scope + READ_ONLY_SUFFIX

    @property
    def label(self) -> str:
        """As the control panel shows it, e.g. ``Orders: modify``."""
        level = "modify" if self.access is Access.MODIFY else "read-only"
        return f"{LABELS.get(self.scope, self.scope)}: {level}"

    def __str__(self) -> str:
        level = "modify" if self.access is Access.MODIFY else "read-only"
        return f"{self.scope} {level}"

    def granted_by(self, scopes: frozenset[str]) -> bool:
        if self.scope in scopes:
            return True
        return self.access is Access.READ and self.name in scopes


def read(scope: str) -> ScopeNeed:
    return ScopeNeed(scope, Access.READ)


def modify(scope: str) -> ScopeNeed:
    return ScopeNeed(scope, Access.MODIFY)


@dataclass(frozen=True)
class Operation:
    key: str
    title: str
    role: Role  # MERCHANT or VENDOR
    needs: tuple[ScopeNeed, ...]


# Every connection test reads the store profile (/v2/store, /v2/time).
BASELINE: tuple[ScopeNeed, ...] = (read(INFORMATION),)

OPERATIONS: tuple[Operation, ...] = (
    Operation("import_listings", "import listings", Role.MERCHANT, (read(PRODUCTS),)),
    Operation("publish_listings", "publish listings", Role.MERCHANT, (modify(PRODUCTS),)),
    Operation("sync_prices", "sync prices", Role.MERCHANT, (modify(PRODUCTS),)),
    Operation("sync_stock", "sync stock", Role.MERCHANT, (modify(INVENTORY), read(LOCATIONS))),
    Operation("get_orders", "get orders", Role.MERCHANT, (read(ORDERS),)),
    Operation("write_shipments", "write shipments to orders", Role.MERCHANT, (modify(ORDERS),)),
    # a vendor's catalog is read, never changed
    Operation(
        "read_vendor_catalog",
        "read the vendor's catalog and stock",
        Role.VENDOR,
        (read(PRODUCTS), read(INVENTORY), read(LOCATIONS)),
    ),
    Operation("send_vendor_orders", "send dropship orders to the vendor", Role.VENDOR, (modify(ORDERS),)),
    Operation("get_vendor_shipments", "get the vendor's shipments", Role.VENDOR, (read(ORDERS),)),
)
OPERATION_KEYS = tuple(operation.key for operation in OPERATIONS)


def validate_operation_keys(keys: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(keys))
    unknown = [key for key in chosen if key not in OPERATION_KEYS]
    if unknown:
        raise InputError(f"unknown operation(s) {', '.join(unknown)}; choose from {', '.join(OPERATION_KEYS)}")
    return chosen


def enabled_operations(role: Role, chosen: Iterable[str] | None = None) -> list[Operation]:
    """The role's operations, narrowed to ``chosen`` keys when the connection's settings list some."""
    keys = None if chosen is None else set(validate_operation_keys(chosen))
    return [
        operation
        for operation in OPERATIONS
        if role.includes(operation.role) and (keys is None or operation.key in keys)
    ]


OPERATIONS_SETTING = "operations"  # a connection setting: the operation keys to enable (default: all)


def connection_operations(connection: Connection) -> list[Operation]:
    """The operations enabled for ``connection``: its role's, narrowed by its ``operations`` setting."""
    chosen = connection.settings.get(OPERATIONS_SETTING)
    return enabled_operations(connection.role, chosen if isinstance(chosen, list) else None)


def needs_of(operations: Iterable[Operation]) -> list[ScopeNeed]:
    """Every scope need, baseline first, each once, in a stable order."""
    needs = list(BASELINE)
    for operation in operations:
        needs.extend(need for need in operation.needs if need not in needs)
    return needs


@dataclass(frozen=True)
class ScopeGap:
    """A scope the connection lacks, and the operations it blocks."""

    need: ScopeNeed
    blocks: tuple[str, ...]

    def describe(self) -> str:
        blocked = ", ".join(self.blocks) if self.blocks else "the connection test"
        return f"{self.need} (control panel: {self.need.label}) — blocks: {blocked}"


def scope_gaps(operations: Iterable[Operation], granted: Callable[[ScopeNeed], bool]) -> list[ScopeGap]:
    """The needs that ``granted`` rejects, each with the titles of the operations it blocks.

    A missing modify scope whose read twin is also missing is reported once, as the modify scope:
    granting modify covers both.
    """
    operations = list(operations)
    missing = [need for need in needs_of(operations) if not granted(need)]
    grouped: dict[str, list[ScopeNeed]] = {}
    for need in missing:
        grouped.setdefault(need.scope, []).append(need)
    gaps: list[ScopeGap] = []
    for scope, needs in grouped.items():
        strongest = modify(scope) if any(need.access is Access.MODIFY for need in needs) else read(scope)
        blocks = tuple(operation.title for operation in operations if set(needs) & set(operation.needs))
        gaps.append(ScopeGap(strongest, blocks))
    return gaps


# The scope each API path needs (DIGEST §11), first match wins; reads are also allowed by the
# ``_read_only`` twin. Webhooks (``/v3/hooks``) need only ``default``, which every account has.
_PATH_SCOPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), scope)
    for pattern, scope in (
        (r"^/v3/catalog(/|$)", PRODUCTS),
        (r"^/v3/pricelists(/|$)", PRODUCTS),
        (r"^/v3/orders/[^/]+/(transactions|payment_actions)(/|$)", "store_v2_transactions"),
        (r"^/v2/(orders|order_statuses)(/|$)", ORDERS),
        (r"^/v3/orders(/|$)", ORDERS),
        (r"^/v3/inventory/locations/[^/]+/items(/|$)", INVENTORY),
        (r"^/v3/inventory/locations(/|$)", LOCATIONS),
        (r"^/v3/inventory(/|$)", INVENTORY),
        (r"^/v2/(store|time|shipping)(/|$)", INFORMATION),
        (r"^/v3/settings(/|$)", INFORMATION),
        (r"^/v3/channels/[^/]+/listings(/|$)", "store_channel_listings"),
        (r"^/v3/channels(/|$)", "store_channel_settings"),
        (r"^/v3/sites(/|$)", "store_sites"),
    )
)
_WEBHOOKS = re.compile(r"^/v3/hooks(/|$)")
_READS = frozenset({"GET", "HEAD"})
WHERE_SCOPES_ARE = "Settings › API accounts"


def required_scope(method: str | None, path: str | None) -> ScopeNeed | None:
    """The scope a request needs (read-only for GET/HEAD), or ``None`` for a path not in the table."""
    if not path:
        return None
    bare = path.split("?", 1)[0]
    for pattern, scope in _PATH_SCOPES:
        if pattern.match(bare):
            return read(scope) if (method or "GET").upper() in _READS else modify(scope)
    return None


def scope_advice(method: str | None, path: str | None) -> str:
    """What a 403 on ``method path`` tells the merchant: the scope to grant and where, or why none helps."""
    need = required_scope(method, path)
    if need is not None:
        return f"the API account lacks the scope {need} (control panel: {WHERE_SCOPES_ARE}, {need.label})"
    if path and _WEBHOOKS.match(path):
        # webhooks need only ``default``: this 403 is one of BigCommerce's other documented causes
        return "webhooks need no scope beyond default; the store owner may have changed, or a platform limit is reached"
    return "the API account lacks a scope this operation needs"

"""Shared setup for publishing tests: connections on sandbox stores and hub items written directly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bchub.app import Hub
from bchub.domain.catalog import Accounting, Attribute, ItemData
from bchub.domain.connections import Role
from bchub.storage.catalog_repository import CatalogRepository, accounting_columns, item_columns, stock_source
from bchub.storage.repositories import utc_now
from bchub.sync.catalog.writes import PublishDeps
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, Store
from bcsandbox.state import LoggedRequest


def deps(hub: Hub) -> PublishDeps:
    return PublishDeps(hub.sessions, hub.connections, hub.clients)


def connect(hub: Hub, store: Store, role: Role = Role.MERCHANT, name: str = "shop") -> int:
    token = next(iter(store.accounts))
    connection = hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=name)
    )
    assert connection.id is not None
    return connection.id


def vendor_store(sandbox: Sandbox, store_hash: str = "vendor1") -> Store:
    return sandbox.create_store(store_hash, plan="enterprise")


def item(sku: str, **fields: Any) -> ItemData:
    values: dict[str, Any] = {"name": f"Product {sku}", "price": Decimal("10.00"), "weight": Decimal("1")}
    values.update(fields)
    return ItemData(sku=sku, **values)


def add_items(
    hub: Hub,
    items: list[ItemData],
    *,
    supplier: int | None = None,
    stock: dict[str, int] | None = None,
    source: str | None = None,
) -> dict[str, int]:
    """Write hub items (and their stock from ``source``: a connection id's or ``csv``) directly."""
    now = utc_now()
    rows = [
        {
            **item_columns(data),
            **accounting_columns(Accounting()),
            "origin": "csv",
            "supplier_connection_id": supplier,
            "created_at": now,
            "updated_at": now,
        }
        for data in items
    ]
    with hub.sessions.begin() as session:
        repo = CatalogRepository(session)
        ids = repo.insert_items(rows)
        if stock:
            where = source or (stock_source(supplier) if supplier is not None else "csv")
            connection_id = supplier if where.startswith("connection:") else None
            repo.put_stock(
                [
                    {
                        "item_id": ids[sku],
                        "source": where,
                        "connection_id": connection_id,
                        "quantity": quantity,
                        "updated_at": now,
                    }
                    for sku, quantity in stock.items()
                ]
            )
    return ids


def set_stock(hub: Hub, item_id: int, source: str, quantity: int, connection_id: int | None = None) -> None:
    with hub.sessions.begin() as session:
        CatalogRepository(session).put_stock(
            [
                {
                    "item_id": item_id,
                    "source": source,
                    "connection_id": connection_id,
                    "quantity": quantity,
                    "updated_at": utc_now(),
                }
            ]
        )


def writes(sandbox: Sandbox, store: Store) -> list[LoggedRequest]:
    """Requests sent to ``store`` that could change something (anything but GET)."""
    return [entry for entry in sandbox.requests(store.hash) if entry.method != "GET"]


def options_of(*pairs: tuple[str, str]) -> tuple[Attribute, ...]:
    return tuple(Attribute(name, value) for name, value in pairs)


def variant(store: Store, sku: str) -> dict[str, Any]:
    """The variant with ``sku`` as the API shows it (price, stock)."""
    found = next(v for v in store.catalog.variants.values() if (v.get("sku") or "") == sku)
    return store.catalog.render_variant(found)


def product(store: Store, sku: str) -> dict[str, Any]:
    """The product with ``sku``, its stored fields."""
    return next(r.fields for r in store.catalog.products.values() if r.fields["sku"] == sku)

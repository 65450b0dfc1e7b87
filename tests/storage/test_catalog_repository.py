"""The catalog tables and repository: exact amounts, unique listings, the read API orders use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bchub.domain.catalog import Accounting, Attribute, ItemData, Origin, VendorListing
from bchub.storage import migrate
from bchub.storage.catalog_repository import CatalogRepository, accounting_columns, item_columns
from bchub.storage.db import make_engine, session_factory
from bchub.storage.tables import ConnectionRow

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        for number, (name, role) in enumerate((("north", "vendor"), ("shop", "merchant")), start=1):
            session.add(
                ConnectionRow(
                    id=number, name=name, role=role, store_hash=f"s{number}", auth_type="private",
                    settings={}, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        session.flush()
        yield session


def _item(sku: str, supplier: int | None = None, **data: Any) -> dict[str, Any]:
    return {
        **item_columns(ItemData(sku=sku, name=f"Item {sku}", **data)),
        **accounting_columns(Accounting()),
        "origin": Origin.STORE.value,
        "origin_connection_id": supplier,
        "supplier_connection_id": supplier,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _listing(connection: int, item: int, variant: int, **extra: Any) -> dict[str, Any]:
    return {
        "connection_id": connection, "item_id": item, "product_id": str(variant // 10), "variant_id": str(variant),
        "base_variant": False, "sku": None, "price": None, "inventory_level": 5, "visible": True, "paused": False,
        "hidden": False, "delisted": False, "deleted_at": None, "remote_modified_at": None, "read_hash": "h",
        "data": {}, "created_at": NOW, "updated_at": NOW, **extra,
    }  # fmt: skip


def test_amounts_are_stored_exactly(session: Session) -> None:
    repository = CatalogRepository(session, lambda: NOW)
    ids = repository.insert_items([_item("A", price=Decimal("0.1"), weight=Decimal("1234567890.1234"))])
    session.commit()
    assert session.execute(text("SELECT price FROM catalog_items")).scalar_one() == "0.1"  # text on SQLite, not a float
    item = repository.items_by_sku(["A"])["A"]
    assert item.id == ids["A"] and item.data.price == Decimal("0.1") and item.data.weight == Decimal("1234567890.1234")


def test_the_read_api_for_orders(session: Session) -> None:
    repository = CatalogRepository(session, lambda: NOW)
    ids = repository.insert_items(
        [_item("V-1", supplier=1, options=(Attribute("Size", "L"),)), _item("OWN-1"), _item("GONE-1", supplier=1)]
    )
    repository.insert_listings(
        [
            _listing(1, ids["V-1"], 501, sku="V-1"),
            _listing(2, ids["V-1"], 901),
            _listing(2, ids["OWN-1"], 902),
            _listing(1, ids["GONE-1"], 503, deleted_at=NOW),
        ]
    )
    repository.put_stock(
        [{"item_id": ids["V-1"], "source": "connection:1", "connection_id": 1, "quantity": 5, "updated_at": NOW}]
    )
    repository.put_stock(
        [{"item_id": ids["V-1"], "source": "connection:1", "connection_id": 1, "quantity": 7, "updated_at": NOW}]
    )

    found = repository.items_by_sku(["V-1", "OWN-1", "NOPE"])
    assert set(found) == {"V-1", "OWN-1"}
    assert found["V-1"].stock == {"connection:1": 7} and found["V-1"].data.options == (Attribute("Size", "L"),)
    assert repository.vendor_listing_for(ids["V-1"]) == VendorListing(
        1, repository.listing(1, ids["V-1"]).id, 50, 501, "V-1"
    )  # type: ignore[union-attr]
    assert repository.vendor_listing_for(ids["OWN-1"]) is None  # no supplier
    assert repository.vendor_listing_for(ids["GONE-1"]) is None  # deleted from the vendor's store
    merchant = repository.listing(2, ids["V-1"])
    assert merchant is not None and (merchant.product_id, merchant.variant_id) == (90, 901)
    assert repository.listing_by_variant(2, 902) == repository.listing(2, ids["OWN-1"])
    assert [listing.connection_id for listing in repository.listings_for(ids["V-1"])] == [1, 2]
    assert repository.count_items(text="v-") == 1 and repository.count_items(connection_id=2) == 2
    assert [item.sku for item in repository.search_items(supplier_id=1)] == ["GONE-1", "V-1"]
    assert repository.set_paused(2, [ids["V-1"]], True) == 1 and repository.set_paused(2, None, True) == 1


def test_a_listing_is_unique_per_store_variant_and_per_store_item(session: Session) -> None:
    repository = CatalogRepository(session, lambda: NOW)
    ids = repository.insert_items([_item("A"), _item("B")])
    repository.insert_listings([_listing(1, ids["A"], 501)])
    with pytest.raises(IntegrityError), session.begin_nested():
        repository.insert_listings([_listing(1, ids["B"], 501)])
    with pytest.raises(IntegrityError), session.begin_nested():
        repository.insert_listings([_listing(1, ids["A"], 502)])
    repository.insert_listings([_listing(2, ids["A"], 501)])  # the same ids in another store are fine


def test_bulk_updates_by_id_handle_rows_with_different_columns(session: Session) -> None:
    repository = CatalogRepository(session, lambda: NOW)
    ids = repository.insert_items([_item("A"), _item("B")])
    repository.update_items([{"id": ids["A"], "name": "Renamed"}, {"id": ids["B"], "brand": "Acme", "name": "Also"}])
    items = repository.items_by_sku(["A", "B"])
    assert (items["A"].name, items["A"].data.brand) == ("Renamed", None)
    assert (items["B"].name, items["B"].data.brand) == ("Also", "Acme")

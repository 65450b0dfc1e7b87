"""Listing-state filters in SQL: paused, hidden, delisted, unmatched, in one store or any, with the
other filters (text, listed in, supplier), paging and counts agreeing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bchub.domain.catalog import Accounting, ItemData, MatchStatus, Origin
from bchub.storage import migrate
from bchub.storage.catalog_repository import CatalogRepository, ListingState, accounting_columns, item_columns
from bchub.storage.db import make_engine, session_factory
from bchub.storage.tables import ConnectionRow

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
VENDOR, SHOP, OUTLET = 1, 2, 3


@pytest.fixture
def repository() -> Iterator[CatalogRepository]:
    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        for number, name, role in (
            (VENDOR, "north", "vendor"),
            (SHOP, "shop", "merchant"),
            (OUTLET, "outlet", "merchant"),
        ):
            session.add(
                ConnectionRow(
                    id=number, name=name, role=role, store_hash=f"s{number}", auth_type="private",
                    settings={}, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        session.flush()
        yield _filled(session)


def _item(sku: str, supplier: int | None = None) -> dict[str, Any]:
    return {
        **item_columns(ItemData(sku=sku, name=f"Item {sku}")),
        **accounting_columns(Accounting()),
        "origin": Origin.STORE.value,
        "origin_connection_id": supplier,
        "supplier_connection_id": supplier,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _listing(connection: int, item: int, variant: int, **flags: Any) -> dict[str, Any]:
    return {
        "connection_id": connection, "item_id": item, "product_id": str(variant), "variant_id": str(variant),
        "base_variant": True, "sku": None, "price": None, "inventory_level": 5, "visible": True, "paused": False,
        "hidden": False, "delisted": False, "deleted_at": None, "remote_modified_at": None, "read_hash": "h",
        "match_status": None, "data": {}, "created_at": NOW, "updated_at": NOW, **flags,
    }  # fmt: skip


def _filled(session: Session) -> CatalogRepository:
    """Items A…H from the vendor (F, G, H the merchant's own), each listed in some state somewhere."""
    repository = CatalogRepository(session, lambda: NOW)
    ids = repository.insert_items([_item(sku, VENDOR) for sku in "ABCDE"] + [_item(sku) for sku in "FGH"])
    unmatched = MatchStatus.UNMATCHED.value
    repository.insert_listings(
        [
            _listing(SHOP, ids["A"], 1, paused=True),
            _listing(OUTLET, ids["A"], 2),
            _listing(SHOP, ids["B"], 3, hidden=True),
            _listing(OUTLET, ids["B"], 4, paused=True),
            _listing(SHOP, ids["C"], 5, delisted=True),
            _listing(SHOP, ids["D"], 6, paused=True, deleted_at=NOW),  # gone from the store: in no state
            _listing(VENDOR, ids["E"], 7, paused=True),
            _listing(SHOP, ids["F"], 8, match_status=unmatched),
            _listing(OUTLET, ids["G"], 9, match_status=MatchStatus.MATCHED.value, paused=True),
            _listing(OUTLET, ids["H"], 10, match_status=unmatched, hidden=True),
        ]
    )
    session.flush()
    return repository


def _skus(repository: CatalogRepository, **where: Any) -> list[str]:
    found = [item.sku for item in repository.search_items(**where, limit=100)]
    assert repository.count_items(**where) == len(found)  # the count agrees with the rows
    return found


@pytest.mark.parametrize(
    ("state", "anywhere", "in_shop", "in_outlet"),
    [
        (ListingState.PAUSED, ["A", "B", "E", "G"], ["A"], ["B", "G"]),
        (ListingState.HIDDEN, ["B", "H"], ["B"], ["H"]),
        (ListingState.DELISTED, ["C"], ["C"], []),
        (ListingState.UNMATCHED, ["F", "H"], ["F"], ["H"]),
    ],
)
def test_each_state_in_any_store_or_one(
    repository: CatalogRepository, state: ListingState, anywhere: list[str], in_shop: list[str], in_outlet: list[str]
) -> None:
    assert _skus(repository, state=state) == anywhere
    assert _skus(repository, state=state, connection_id=SHOP) == in_shop
    assert _skus(repository, state=state, connection_id=OUTLET) == in_outlet


def test_states_combine_with_text_supplier_and_paging(repository: CatalogRepository) -> None:
    assert _skus(repository, state=ListingState.PAUSED, supplier_id=VENDOR) == ["A", "B", "E"]
    assert _skus(repository, state=ListingState.PAUSED, text="item g") == ["G"]
    assert _skus(repository, state=ListingState.UNMATCHED, supplier_id=VENDOR) == []
    page = repository.search_items(state=ListingState.PAUSED, limit=2, offset=1)
    assert [item.sku for item in page] == ["B", "E"]
    assert repository.count_items(state=ListingState.PAUSED) == 4
    # a deleted listing is in no state, but the item still counts as known in that store
    assert "D" not in _skus(repository, state=ListingState.PAUSED, connection_id=SHOP)
    assert "D" in _skus(repository, connection_id=SHOP)


def test_the_filter_is_one_statement_however_many_items(repository: CatalogRepository) -> None:
    statements: list[str] = []
    engine = repository.session.get_bind()
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    repository.search_items(state=ListingState.PAUSED, connection_id=SHOP, limit=10)
    selects = [sql for sql in statements if "catalog_listings" in sql]
    assert len(selects) == 1 and "paused IS 1" in selects[0] and "LIMIT" in selects[0]

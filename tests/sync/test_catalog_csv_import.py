"""import-csv and export-csv on the hub catalog: items from no store, per-row reports, dry runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bchub.domain.catalog import Origin
from bchub.domain.runs import Outcome
from tests.sync.test_catalog_helpers import MERCHANT, NORTH, Catalog, catalog

pytestmark = pytest.mark.anyio
__all__ = ["catalog"]

SHEET = (
    "sku,name,price,cost_price,supplier,stock,attribute:Material,option:Colour,unit_of_measure\n"
    "SUP-1,Linen apron,19.90,8.10,north,12,Linen,Sand,Each\n"
    "SUP-2,Canvas tote,9,3.5,,4,Canvas,,Pack\n"
    "SUP-3,Nowhere,1,1,nobody,1,,,\n"
    "SUP-4,Wrong role,1,1,shop,1,,,\n"
    "SUP-5,Cheap,-1,1,,1,,,\n"
)


def test_a_dry_run_reports_every_row_and_writes_nothing(catalog: Catalog) -> None:
    report = catalog.hub.catalog.import_csv(SHEET, dry_run=True)
    assert report.counts() == {"created": 2, "failed": 3}
    assert [(row.line, row.outcome, row.reason) for row in report.failed] == [
        (4, Outcome.FAILED, "no connection named 'nobody' (the supplier column takes a vendor connection's name)"),
        (5, Outcome.FAILED, "connection 'shop' is a merchant connection, not a vendor"),
        (6, Outcome.FAILED, "price cannot be negative (-1)"),
    ]
    assert catalog.items() == {}


def test_rows_create_then_update_items_and_columns_left_out_stay(catalog: Catalog) -> None:
    created = catalog.hub.catalog.import_csv(SHEET)
    assert created.counts() == {"created": 2, "failed": 3}
    apron = catalog.items()["SUP-1"]
    assert (apron.origin, apron.data.price, apron.data.cost_price) == (Origin.CSV, Decimal("19.90"), Decimal("8.10"))
    assert apron.supplier_connection_id == catalog.connection_id(NORTH) and apron.stock == {"csv": 12}
    assert [(o.name, o.value) for o in apron.data.options] == [("Color", "Sand")]
    assert catalog.items()["SUP-2"].accounting.unit_of_measure == "Pack"

    updated = catalog.hub.catalog.import_csv("sku,price\nSUP-1,21\nSUP-2,9\nNEW-1,5\n")
    assert [(row.sku, row.outcome, row.reason) for row in updated.rows] == [
        ("SUP-1", Outcome.UPDATED, None),
        ("SUP-2", Outcome.UNCHANGED, None),
        ("NEW-1", Outcome.FAILED, "a new item needs a name"),
    ]
    apron = catalog.items()["SUP-1"]
    assert apron.data.price == Decimal("21") and apron.name == "Linen apron" and apron.stock == {"csv": 12}


async def test_store_items_can_be_completed_from_a_sheet_and_exported(catalog: Catalog) -> None:
    await catalog.run(MERCHANT)
    report = catalog.hub.catalog.import_csv("sku,cogs_account,stock\nMRC-0001,Coffee COGS,40\n")
    assert report.counts() == {"updated": 1}
    item = catalog.items()["MRC-0001"]
    assert item.accounting.cogs_account == "Coffee COGS" and item.stock["csv"] == 40
    assert item.stock[f"connection:{catalog.connection_id(MERCHANT)}"] > 0  # the store's own reading stays

    text = "".join(catalog.hub.catalog.export_csv(connection=MERCHANT))
    header, *lines = text.splitlines()
    assert header.startswith("sku,name,parent_sku,description,price") and "attribute:Roast" in header
    assert len(lines) == 16
    again = catalog.hub.catalog.import_csv(text)
    assert again.counts() == {"unchanged": 16}  # the export reads back as the same items

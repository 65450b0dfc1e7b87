"""Plain-JSON views of the hub catalog, shared by the CLI's ``--json`` and the REST API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bchub.domain.catalog import Item, Listing
from bchub.domain.runs import ItemOutcome, Run
from bchub.storage.catalog_repository import MatchRow
from bchub.sync.catalog.service import CsvReport, ItemDetail, ListingView, RemotePage


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def money(value: Decimal | None) -> str | None:
    """Amounts as exact decimal strings (JSON numbers would round-trip through floats)."""
    return None if value is None else format(value.normalize(), "f")


def item_view(item: Item) -> dict[str, Any]:
    data = item.data
    return {
        "id": item.id,
        "sku": data.sku,
        "parent_sku": data.parent_sku,
        "name": data.name,
        "description": data.description,
        "price": money(data.price),
        "cost_price": money(data.cost_price),
        "sale_price": money(data.sale_price),
        "retail_price": money(data.retail_price),
        "upc": data.upc,
        "mpn": data.mpn,
        "gtin": data.gtin,
        "weight": money(data.weight),
        "width": money(data.width),
        "height": money(data.height),
        "depth": money(data.depth),
        "brand": data.brand,
        "categories": list(data.categories),
        "images": list(data.images),
        "custom_fields": [{"name": field.name, "value": field.value} for field in data.custom_fields],
        "options": [{"name": option.name, "value": option.value} for option in data.options],
        "hs_code": data.hs_code,
        "unit_of_measure": item.accounting.unit_of_measure,
        "income_account": item.accounting.income_account,
        "cogs_account": item.accounting.cogs_account,
        "asset_account": item.accounting.asset_account,
        "origin": item.origin.value,
        "supplier_connection_id": item.supplier_connection_id,
        "stock": dict(item.stock),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
    }


def listing_view(listing: Listing, connection: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": listing.id,
        "connection_id": listing.connection_id,
        "item_id": listing.item_id,
        "product_id": listing.product_id,
        "variant_id": listing.variant_id,
        "base_variant": listing.base_variant,
        "sku": listing.sku,
        "price": money(listing.price),
        "inventory_level": listing.inventory_level,
        "visible": listing.visible,
        "paused": listing.paused,
        "hidden": listing.hidden,
        "delisted": listing.delisted,
        "deleted_at": iso(listing.deleted_at),
        "vendor_listing_id": listing.vendor_listing_id,
        "match_status": listing.match_status.value if listing.match_status else None,
        "match_note": listing.match_note,
        "remote_modified_at": iso(listing.remote_modified_at),
    }
    if connection is not None:
        view["connection"] = connection
    return view


def detail_view(detail: ItemDetail) -> dict[str, Any]:
    return {
        **item_view(detail.item),
        "supplier": detail.supplier,
        "listings": [_listing(view) for view in detail.listings],
    }


def _listing(view: ListingView) -> dict[str, Any]:
    return listing_view(view.listing, view.connection)


def remote_view(page: RemotePage) -> dict[str, Any]:
    return {
        "page": page.page,
        "total": page.total,
        "total_pages": page.total_pages,
        "products": [
            {
                "id": product.id,
                "name": product.name,
                "sku": product.sku,
                "price": product.price,
                "visible": product.visible,
                "imported": product.imported,
                "variants": [
                    {"id": variant.id, "sku": variant.sku, "options": variant.options, "imported": variant.imported}
                    for variant in product.variants
                ],
            }
            for product in page.products
        ],
    }


def match_view(row: MatchRow) -> dict[str, Any]:
    return {
        "connection": row.connection,
        "sku": row.sku,
        "item_id": row.item_id,
        "status": row.status.value,
        "vendor": row.vendor,
        "note": row.note,
    }


def outcome_view(item: ItemOutcome) -> dict[str, Any]:
    return {"kind": item.kind, "key": item.key, "outcome": item.outcome.value, "reason": item.reason}


def run_view(run: Run, items: list[ItemOutcome] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": run.id,
        "operation": run.operation,
        "connection_id": run.connection_id,
        "status": run.status.value,
        "params": run.params,
        "counts": run.counts,
        "requests": run.requests,
        "error": run.error,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }
    if items is not None:
        view["items"] = [outcome_view(item) for item in items]
    return view


def csv_report_view(report: CsvReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "counts": report.counts(),
        "rows": [
            {"line": row.line, "sku": row.sku, "outcome": row.outcome.value, "reason": row.reason}
            for row in report.rows
        ],
    }

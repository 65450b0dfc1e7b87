"""Plain-data views of orders, vendor orders, shipments, runs and explanations (``--json`` and the REST API)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bchub.domain.orders import Order, OrderLine, OrderSettings, Reason, Shipment, VendorOrder, status_label
from bchub.domain.runs import ItemOutcome, Run
from bchub.sync.orders.explain import Explanation, RemoteOrder
from bchub.sync.orders.service import OrderDetail
from bchub.sync.orders.shipments import ImportReport


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def line_view(line: OrderLine) -> dict[str, Any]:
    return {
        "order_product_id": line.order_product_id,
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "quantity_shipped": line.quantity_shipped,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "order_address_id": line.order_address_id,
        "price_inc_tax": money(line.price_inc_tax),
        "item_id": line.item_id,
        "vendor_connection_id": line.vendor_connection_id,
        "unmatched_reason": line.unmatched_reason,
    }


def order_view(order: Order, *, lines: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": order.id,
        "connection_id": order.connection_id,
        "store_order_id": order.store_order_id,
        "status_id": order.status_id,
        "status": order.status,
        "import_as": order.import_as.value,
        "date_created": iso(order.date_created),
        "date_modified": iso(order.date_modified),
        "customer_id": order.customer_id,
        "customer": order.billing.name,
        "billing_address": order.billing.as_dict(),
        "shipping_addresses": [
            {
                "order_address_id": item.order_address_id,
                "shipping_method": item.shipping_method,
                **item.address.as_dict(),
            }
            for item in order.destinations
        ],
        "currency_code": order.currency_code,
        "subtotal_inc_tax": money(order.subtotal_inc_tax),
        "total_inc_tax": money(order.total_inc_tax),
        "items_total": order.items_total,
        "items_shipped": order.items_shipped,
        "unmatched_lines": len(order.unmatched_lines),
        "route_state": order.route_state.value,
        "hold_reason": order.hold_reason,
        "acknowledged_at": iso(order.acknowledged_at),
        "pii_purged_at": iso(order.pii_purged_at),
        "imported_at": iso(order.imported_at),
        "updated_at": iso(order.updated_at),
    }
    if lines:
        view["lines"] = [line_view(line) for line in order.lines]
    return view


def vendor_order_view(vendor_order: VendorOrder, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": vendor_order.id,
        "vendor_connection_id": vendor_order.vendor_connection_id,
        "vendor": names.get(vendor_order.vendor_connection_id),
        "external_order_id": vendor_order.external_order_id,
        "state": vendor_order.state.value,
        "vendor_order_id": vendor_order.vendor_order_id,
        "vendor_status": status_label(vendor_order.vendor_status_id)
        if vendor_order.vendor_status_id is not None
        else None,
        "items_shipped": vendor_order.items_shipped,
        "attempts": vendor_order.attempts,
        "error": vendor_order.error,
        "cancel_reported_at": iso(vendor_order.cancel_reported_at),
        "placed_at": iso(vendor_order.placed_at),
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "merchant_order_product_id": line.merchant_order_product_id,
                "vendor_product_id": line.vendor_product_id,
                "vendor_variant_id": line.vendor_variant_id,
                "vendor_order_product_id": line.vendor_order_product_id,
            }
            for line in vendor_order.lines
        ],
    }


def shipment_view(shipment: Shipment) -> dict[str, Any]:
    details = shipment.details
    return {
        "id": shipment.id,
        "source": shipment.source.value,
        "state": shipment.state.value,
        "order_address_id": shipment.order_address_id,
        "items": [{"order_product_id": line.order_product_id, "quantity": line.quantity} for line in shipment.lines],
        "tracking_number": details.tracking_number,
        "tracking_carrier": details.tracking_carrier,
        "shipping_provider": details.shipping_provider,
        "shipping_method": details.shipping_method,
        "tracking_link": details.tracking_link,
        "pickup": shipment.pickup,
        "merchant_shipment_id": shipment.merchant_shipment_id,
        "vendor_shipment_id": shipment.vendor_shipment_id,
        "error": shipment.error,
        "written_at": iso(shipment.written_at),
    }


def detail_view(detail: OrderDetail) -> dict[str, Any]:
    return {
        **order_view(detail.order),
        "connection": detail.connection_names.get(detail.order.connection_id),
        "vendor_orders": [vendor_order_view(item, detail.connection_names) for item in detail.vendor_orders],
        "shipments": [shipment_view(item) for item in detail.shipments],
    }


def item_view(item: ItemOutcome) -> dict[str, Any]:
    return {"kind": item.kind, "key": item.key, "outcome": item.outcome.value, "reason": item.reason}


def run_view(run: Run, items: list[ItemOutcome] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": run.id,
        "operation": run.operation,
        "connection_id": run.connection_id,
        "status": run.status.value,
        "counts": run.counts,
        "requests": run.requests,
        "error": run.error,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }
    if items is not None:
        view["items"] = [item_view(item) for item in items]
    return view


def reason_view(reason: Reason) -> dict[str, str]:
    return {"code": reason.code, "message": reason.message, "fix": reason.fix}


def explanation_view(explanation: Explanation) -> dict[str, Any]:
    return {
        "connection": explanation.connection,
        "store_order_id": explanation.store_order_id,
        "in_hub": explanation.in_hub,
        "summary": explanation.summary,
        "reasons": [reason_view(reason) for reason in explanation.reasons],
    }


def remote_view(order: RemoteOrder) -> dict[str, Any]:
    return {
        "store_order_id": order.store_order_id,
        "status_id": order.status_id,
        "status": order.status,
        "date_created": iso(order.date_created),
        "customer": order.customer,
        "total_inc_tax": money(order.total_inc_tax),
        "currency_code": order.currency_code,
        "items_total": order.items_total,
        "in_hub": order.in_hub,
    }


def settings_view(settings: OrderSettings) -> dict[str, Any]:
    return settings.model_dump(mode="json")


def report_view(report: ImportReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "new_shipments": report.shipments,
        "duplicates": report.duplicates,
        "errors": [{"row": error.row, "message": error.message} for error in report.errors],
    }

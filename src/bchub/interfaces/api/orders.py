"""``/api/v1``: orders and shipments (the same operations as ``bchub orders`` and ``bchub shipments``).

- ``GET  /orders`` (filters) and ``GET /connections/{id}/orders/{store_order_id}``
- ``GET  /connections/{id}/orders/{store_order_id}/explain``
- ``GET  /connections/{id}/remote-orders`` (the manual pick)
- ``GET|PATCH /connections/{id}/order-settings``
- ``POST /connections/{id}/orders/get``, ``/orders/route``, ``/orders/purge-pii``
- ``POST /connections/{id}/shipments/sync``, ``/shipments`` (add one), ``/shipments/import-csv`` (text/csv body)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from bchub.app import Hub
from bchub.domain.orders import RouteState, ShipmentDetails
from bchub.domain.runs import Run
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.interfaces.api.bodies import read_text
from bchub.interfaces.order_views import (
    detail_view,
    explanation_view,
    order_view,
    remote_view,
    report_view,
    run_view,
    settings_view,
)
from bchub.storage.order_repository import OrderFilter
from bchub.storage.runs import RunRepository
from bchub.sync.orders.get import GetRequest
from bchub.sync.orders.route import RouteRequest
from bchub.sync.orders.shipments import ManualShipment

router = APIRouter(prefix="/api/v1", tags=["orders"], dependencies=[Depends(require_api_token)])
MAX_CSV_BYTES = 10_000_000


class GetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store_order_ids: list[int] | None = None
    full: bool = False


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store_order_ids: list[int] | None = None
    force: bool = False


class SettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    set: dict[str, Any] = Field(default_factory=dict)  # KEY (dotted for business_address) → value
    unset: list[str] = Field(default_factory=list)
    check_statuses: bool = True


class ShipmentItemBody(BaseModel):
    sku: str
    quantity: int = Field(ge=1)


class ShipmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store_order_id: int
    items: list[ShipmentItemBody] = Field(min_length=1)
    tracking_number: str = Field(default="", max_length=50)
    tracking_carrier: str = ""
    shipping_provider: str = ""
    shipping_method: str = ""
    tracking_link: str = Field(default="", max_length=500)
    comments: str = ""


def _run(hub: Hub, run: Run | None) -> dict[str, Any] | None:
    if run is None:
        return None
    with hub.sessions() as session:
        return run_view(run, RunRepository(session).items(run.id))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@router.get("/orders")
def list_orders(
    request: Request,
    connection_id: int | None = None,
    route_state: RouteState | None = None,
    status_id: list[int] | None = Query(None),
    unmatched: bool | None = None,
    limit: int = Query(50, ge=1, le=250),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    where = OrderFilter(connection_id=connection_id, route_state=route_state, status_ids=status_id, unmatched=unmatched)
    found, total = hub_of(request).orders.search(where, limit=limit, offset=offset)
    return {"total": total, "orders": [order_view(order) for order in found]}


@router.get("/connections/{connection_id}/orders/{store_order_id}")
def show_order(connection_id: int, store_order_id: int, request: Request) -> dict[str, Any]:
    return detail_view(hub_of(request).orders.show(connection_id, store_order_id))


@router.get("/connections/{connection_id}/orders/{store_order_id}/explain")
async def explain_order(connection_id: int, store_order_id: int, request: Request) -> dict[str, Any]:
    return explanation_view(await hub_of(request).orders.explain(connection_id, store_order_id))


@router.get("/connections/{connection_id}/remote-orders")
async def remote_orders(
    connection_id: int,
    request: Request,
    status_id: list[int] | None = Query(None),
    created_since: datetime | None = None,
    limit: int = Query(50, ge=1, le=250),
) -> list[dict[str, Any]]:
    found = await hub_of(request).orders.remote(
        connection_id, statuses=status_id, created_since=created_since, limit=limit
    )
    return [remote_view(order) for order in found]


@router.get("/connections/{connection_id}/order-settings")
def get_settings(connection_id: int, request: Request) -> dict[str, Any]:
    return settings_view(hub_of(request).orders.settings(connection_id))


@router.patch("/connections/{connection_id}/order-settings")
async def change_settings(connection_id: int, body: SettingsBody, request: Request) -> dict[str, Any]:
    changes: dict[str, str | None] = {key: _text(value) for key, value in body.set.items()}
    changes.update({key: None for key in body.unset})
    updated = await hub_of(request).orders.change_settings(connection_id, changes, check_statuses=body.check_statuses)
    return settings_view(updated)


@router.post("/connections/{connection_id}/orders/get")
async def get_orders(connection_id: int, request: Request, body: GetBody | None = None) -> dict[str, Any]:
    body = body or GetBody()
    hub = hub_of(request)
    result = await hub.orders.get(connection_id, GetRequest(body.store_order_ids, body.full))
    return {"run": _run(hub, result.run), "route_run": _run(hub, result.route_run)}


@router.post("/connections/{connection_id}/orders/route")
async def route_orders(connection_id: int, request: Request, body: RouteBody | None = None) -> dict[str, Any] | None:
    body = body or RouteBody()
    hub = hub_of(request)
    return _run(hub, await hub.orders.route(connection_id, RouteRequest(body.store_order_ids, body.force)))


@router.post("/connections/{connection_id}/orders/purge-pii")
def purge_connection(connection_id: int, request: Request) -> list[dict[str, Any]]:
    return [run_view(run) for run in hub_of(request).orders.purge_pii(connection_id)]


@router.post("/orders/purge-pii")
def purge_all(request: Request) -> list[dict[str, Any]]:
    return [run_view(run) for run in hub_of(request).orders.purge_pii()]


@router.post("/connections/{connection_id}/shipments/sync")
async def sync_shipments(connection_id: int, request: Request) -> dict[str, Any] | None:
    hub = hub_of(request)
    return _run(hub, await hub.orders.sync_shipments(connection_id))


@router.post("/connections/{connection_id}/shipments")
async def add_shipment(connection_id: int, body: ShipmentBody, request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    details = ShipmentDetails(
        body.tracking_number,
        body.tracking_carrier,
        body.shipping_provider,
        body.shipping_method,
        body.tracking_link,
        body.comments,
    )
    shipment = ManualShipment(body.store_order_id, [(item.sku, item.quantity) for item in body.items], details)
    run, report = await hub.orders.add_shipment(connection_id, shipment)
    return {"run": _run(hub, run), "report": report_view(report)}


@router.post("/connections/{connection_id}/shipments/import-csv")
async def import_csv(connection_id: int, request: Request) -> dict[str, Any]:
    """The request body is the CSV text (``Content-Type: text/csv``)."""
    text = await read_text(request, limit=MAX_CSV_BYTES, what="the CSV body")
    hub = hub_of(request)
    run, report = await hub.orders.import_csv(connection_id, text, name="request body")
    return {"run": _run(hub, run), "report": report_view(report)}

"""``/orders``: the hub's orders with filters; an order with its lines, vendor orders and shipments; Route."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bchub.domain.connections import Role
from bchub.domain.orders import STATUS_NAMES, RouteState, VendorOrderState, status_label
from bchub.domain.users import User
from bchub.errors import InputError
from bchub.interfaces.console.forms import checked
from bchub.interfaces.console.rendering import flash, redirect, render
from bchub.interfaces.console.security import current_user, form_of, hub_of
from bchub.storage.order_repository import OrderFilter

router = APIRouter(prefix="/orders")

PAGE_SIZE = 50
ROUTE_CSS = {
    RouteState.NOT_NEEDED: "off",
    RouteState.PENDING: "unknown",
    RouteState.HELD: "unknown",
    RouteState.ROUTED: "ok",
    RouteState.FAILED: "bad",
    RouteState.CANCELLED: "off",
}
VENDOR_CSS = {
    VendorOrderState.PLANNED: "unknown",
    VendorOrderState.SENDING: "unknown",
    VendorOrderState.PLACED: "ok",
    VendorOrderState.FAILED: "bad",
}


def _number(value: str | None, what: str) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit():
        raise InputError(f"{what} must be a number; got {value!r}")
    return int(value)


def _state(value: str | None) -> RouteState | None:
    if not value:
        return None
    try:
        return RouteState(value)
    except ValueError:
        known = ", ".join(state.value for state in RouteState)
        raise InputError(f"no routing state {value!r}; choose from {known}") from None


@router.get("")
def list_page(
    request: Request,
    connection: str | None = None,
    state: str | None = None,
    status: str | None = None,
    unmatched: bool = False,
    page: int = 1,
    user: User = Depends(current_user),
) -> Response:
    hub = hub_of(request)
    connection_id = _number(connection, "the connection")
    status_id = _number(status, "the status")
    where = OrderFilter(
        connection_id=connection_id,
        route_state=_state(state),
        status_ids=[status_id] if status_id is not None else None,
        unmatched=True if unmatched else None,
    )
    page = max(1, page)
    orders, total = hub.orders.search(where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    merchants = [item for item in hub.connections.all() if item.role.includes(Role.MERCHANT)]
    return render(
        request,
        "orders/list.html",
        nav="orders",
        orders=orders,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        names={item.id: item.name for item in hub.connections.all()},
        merchants=merchants,
        states=list(RouteState),
        statuses=sorted(STATUS_NAMES.items()),
        css=ROUTE_CSS,
        status_label=status_label,
        chosen={"connection": connection or "", "state": state or "", "status": status or "", "unmatched": unmatched},
    )


@router.get("/{connection_id}/{store_order_id}")
def detail_page(
    connection_id: int, store_order_id: int, request: Request, user: User = Depends(current_user)
) -> Response:
    hub = hub_of(request)
    detail = hub.orders.show(connection_id, store_order_id)
    # lines name their vendor before any vendor order exists, so every connection's name is needed
    names = {item.id: item.name for item in hub.connections.all() if item.id is not None}
    return render(
        request,
        "orders/detail.html",
        nav="orders",
        detail=detail,
        order=detail.order,
        names={**names, **detail.connection_names},
        css=ROUTE_CSS,
        vendor_css=VENDOR_CSS,
        status_label=status_label,
        routable=detail.order.route_state in (RouteState.PENDING, RouteState.HELD, RouteState.FAILED),
    )


@router.post("/{connection_id}/{store_order_id}/route")
def route(
    connection_id: int,
    store_order_id: int,
    request: Request,
    user: User = Depends(current_user),
    form: FormData = Depends(form_of),
) -> Response:
    """Queue routing of this one order (``force``: a held order a person has reviewed)."""
    hub = hub_of(request)
    hub.orders.show(connection_id, store_order_id)  # a clear 404 for an order the hub does not have
    params = {"store_order_ids": [store_order_id], "force": checked(form, "force")}
    submitted = hub.jobs.run("route_orders", connection_id, params, source=f"console ({user.username})")
    flash(request, f"Queued job {submitted.job.id}: route order #{store_order_id}.")
    return redirect(request, f"/jobs/{submitted.job.id}")

"""``/connections``: the list with health, add (every credential form), the Test button, settings, remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bchub.domain.connections import Connection, HealthStatus, Role
from bchub.domain.orders import SETTINGS_KEY, STATUS_NAMES, ImportAs, OrderSettings
from bchub.domain.scopes import connection_operations, enabled_operations
from bchub.domain.users import User
from bchub.errors import HubError
from bchub.interfaces.console import forms
from bchub.interfaces.console.rendering import flash, redirect, render
from bchub.interfaces.console.security import current_user, form_of, hub_of
from bchub.jobs.model import Schedule
from bchub.sync.connections import ConnectionChanges, NewConnection

router = APIRouter(prefix="/connections")


@dataclass(frozen=True)
class HealthBadge:
    css: str  # ok | bad | unknown | off
    label: str
    reason: str | None


def health_badge(connection: Connection) -> HealthBadge:
    """Green when a test passed, red with the reason when the credentials need attention."""
    health = connection.health
    if health.status is HealthStatus.NEEDS_ATTENTION:
        return HealthBadge("bad", "Needs attention", health.reason)
    if not connection.enabled:
        return HealthBadge("off", "Disabled", "jobs do not run until it is enabled again")
    if health.status is HealthStatus.OK:
        return HealthBadge("ok", "Connected", None)
    return HealthBadge("unknown", "Not tested", "press Test connection to check the credentials")


@dataclass(frozen=True)
class OperationChoice:
    key: str
    title: str
    checked: bool


def operation_choices(connection: Connection) -> list[OperationChoice]:
    chosen = {operation.key for operation in connection_operations(connection)}
    return [
        OperationChoice(operation.key, operation.title, operation.key in chosen)
        for operation in enabled_operations(connection.role)
    ]


@dataclass(frozen=True)
class ScheduleRow:
    operation: str
    title: str
    enabled: bool
    interval_s: int
    next_run_at: datetime | None
    last_run_at: datetime | None

    @property
    def minutes(self) -> int:
        return forms.interval_minutes(self.interval_s)


def schedule_rows(request: Request, connection: Connection) -> list[ScheduleRow]:
    """Every schedulable operation of the connection, with its schedule when one exists."""
    jobs = hub_of(request).jobs
    assert connection.id is not None
    existing: dict[str, Schedule] = {schedule.operation: schedule for schedule in jobs.list_schedules(connection.id)}
    rows = []
    for spec in jobs.registry:
        if not spec.allows(connection):
            continue
        found = existing.get(spec.name)
        rows.append(
            ScheduleRow(
                operation=spec.name,
                title=spec.title,
                enabled=bool(found and found.enabled),
                interval_s=found.interval_s if found else spec.interval_s,
                next_run_at=found.next_run_at if found and found.enabled else None,
                last_run_at=found.last_run_at if found else None,
            )
        )
    return rows


def _page_context(request: Request, connection: Connection, **extra: Any) -> dict[str, Any]:
    orders = OrderSettings.model_validate(connection.settings.get(SETTINGS_KEY) or {})
    return {
        "connection": connection,
        "badge": health_badge(connection),
        "choices": operation_choices(connection),
        "orders": orders,
        "address": orders.business_address.model_dump() if orders.business_address else {},
        "schedules": schedule_rows(request, connection),
        "roles": list(Role),
        "statuses": sorted(STATUS_NAMES.items()),
        "import_as": list(ImportAs),
        "acts_as_merchant": connection.role.includes(Role.MERCHANT),
        "acts_as_vendor": connection.role.includes(Role.VENDOR),
        "nav": "connections",
        "values": {},
        **extra,
    }


@router.get("")
def list_page(request: Request, user: User = Depends(current_user)) -> Response:
    connections = hub_of(request).connections.all()
    return render(
        request,
        "connections/list.html",
        nav="connections",
        rows=[(connection, health_badge(connection)) for connection in connections],
    )


@router.get("/new")
def new_page(request: Request, user: User = Depends(current_user)) -> Response:
    return render(request, "connections/new.html", nav="connections", roles=list(Role), values={"role": "merchant"})


@router.post("/new")
def add(request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)) -> Response:
    try:
        chosen_role = forms.role(form)
        connection = hub_of(request).connections.add(
            NewConnection(
                role=chosen_role,
                credentials=forms.credential_input(form),
                name=forms.text(form, "name"),
                enabled=forms.checked(form, "enabled"),
            )
        )
    except HubError as error:
        return render(
            request,
            "connections/new.html",
            status=422,
            nav="connections",
            roles=list(Role),
            values=forms.form_values(form),
            error=error.message,
        )
    flash(
        request, f"Added connection {connection.name!r} (store {connection.store_hash}). Test it to check its scopes."
    )
    return redirect(request, f"/connections/{connection.id}")


@router.get("/{connection_id}")
def detail_page(connection_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    connection = hub_of(request).connections.get(connection_id)
    return render(request, "connections/detail.html", **_page_context(request, connection))


def _order_changes(form: FormData, connection: Connection, chosen_role: Role) -> dict[str, Any] | None:
    """The new ``orders`` settings, or ``None`` to drop them (all defaults)."""
    document = forms.order_settings(
        form,
        connection.settings.get(SETTINGS_KEY),
        merchant=chosen_role.includes(Role.MERCHANT) and forms.checked(form, "merchant_orders_form"),
        vendor=chosen_role.includes(Role.VENDOR) and forms.checked(form, "vendor_orders_form"),
    )
    return document or None


@router.post("/{connection_id}")
def save(
    connection_id: int, request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)
) -> Response:
    hub = hub_of(request)
    connection = hub.connections.get(connection_id)
    try:
        chosen_role = forms.role(form)
        # a new role has other operations: start from all of them
        operations = [] if chosen_role is not connection.role else forms.operations(form, chosen_role)
        schedules = forms.schedule_changes(form, schedule_rows(request, connection))
        changes = ConnectionChanges(
            name=forms.text(form, "name") or connection.name,
            role=chosen_role,
            credentials=forms.credential_input(form),
            enabled=forms.checked(form, "enabled"),
            operations=operations,
            settings={SETTINGS_KEY: _order_changes(form, connection, chosen_role)},
        )
        updated = hub.connections.update(connection_id, changes)
        for change in schedules:
            hub.jobs.set_schedule(connection_id, change.operation, enabled=change.enabled, interval_s=change.interval_s)
    except HubError as error:
        return render(
            request, "connections/detail.html", status=422, **_page_context(request, connection, error=error.message)
        )
    flash(request, f"Saved connection {updated.name!r}.")
    return redirect(request, f"/connections/{connection_id}")


@router.post("/{connection_id}/test")
async def test(connection_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    """Runs the test and answers with its result (an htmx fragment) and the refreshed health badge."""
    hub = hub_of(request)
    report = await hub.connections.test(connection_id)
    connection = hub.connections.get(connection_id)
    return render(
        request,
        "connections/_test_result.html",
        report=report,
        connection=connection,
        badge=health_badge(connection),
    )


@router.post("/{connection_id}/delete")
def remove(connection_id: int, request: Request, user: User = Depends(current_user)) -> Response:
    removed = hub_of(request).connections.remove(connection_id)
    flash(request, f"Removed connection {removed.name!r} and its stored secrets.")
    return redirect(request, "/connections")

"""Console forms → the inputs the services take. Every mistake becomes an ``InputError`` shown on the form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from bchub.domain.connections import Role
from bchub.domain.orders import INCOMPLETE, BusinessAddress, ImportAs, OrderSettings, settings_document
from bchub.domain.scopes import enabled_operations
from bchub.errors import InputError
from bchub.interfaces.uploads import credentials_file_text
from bchub.sync.connections import CredentialInput

TEXT_FIELDS = ("store_hash", "api_path", "store_url", "client_id")
SECRET_FIELDS = ("key", "access_token", "client_secret")


def text(form: FormData, name: str) -> str | None:
    """A trimmed text field; empty counts as not given."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def checked(form: FormData, name: str) -> bool:
    return form.get(name) is not None


def _uploaded_file(form: FormData, name: str) -> tuple[str | None, str | None]:
    """The text of an uploaded credentials file and its name; ``(None, None)`` when none was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, None
    content = credentials_file_text(upload)
    return content, upload.filename


def credential_input(form: FormData) -> CredentialInput:
    """Every credential form at once (file, API path, URL, hash, key, token …); the service checks they agree."""
    file_text, file_name = _uploaded_file(form, "credentials_file")
    return CredentialInput(
        store_hash=text(form, "store_hash"),
        api_path=text(form, "api_path"),
        store_url=text(form, "store_url"),
        credentials_file=file_text,
        credentials_file_name=file_name,
        key=text(form, "key"),
        access_token=text(form, "access_token"),
        client_id=text(form, "client_id"),
        client_secret=text(form, "client_secret"),
    )


def role(form: FormData) -> Role:
    value = (text(form, "role") or "").lower()
    try:
        return Role(value)
    except ValueError:
        raise InputError(f"the role must be merchant, vendor or both; got {value!r}") from None


def operations(form: FormData, chosen_role: Role) -> list[str]:
    """The ticked operations of the role; all of them ticked is stored as "every operation" (``[]``)."""
    available = [operation.key for operation in enabled_operations(chosen_role)]
    ticked = [key for key in form.getlist("operations") if isinstance(key, str) and key in available]
    if not ticked:
        raise InputError("tick at least one operation, or untick 'Enabled' to stop every job of this connection")
    return [] if set(ticked) == set(available) else ticked


def form_values(form: FormData) -> dict[str, str]:
    """What to put back in the form after an error: the text fields, never a secret or the file."""
    return {name: value for name in (*TEXT_FIELDS, "name", "role") if (value := text(form, name)) is not None}


# -- order settings -------------------------------------------------------------------------------
ADDRESS_FIELDS = tuple(BusinessAddress.model_fields)


def _whole_number(form: FormData, name: str, label: str) -> int | None:
    value = text(form, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{label} must be a whole number; got {value!r}") from None


def _merchant_order_fields(form: FormData) -> dict[str, Any]:
    statuses = []
    for value in form.getlist("import_statuses"):
        if isinstance(value, str) and value.strip().isdigit():
            statuses.append(int(value))
    address = {field: text(form, f"address_{field}") or "" for field in ADDRESS_FIELDS}
    return {
        "import_statuses": statuses,
        "created_within_days": _whole_number(form, "created_within_days", "Orders created within (days)"),
        "import_as": text(form, "import_as") or ImportAs.CASH_SALE.value,
        "acknowledge_status": _whole_number(form, "acknowledge_status", "The acknowledgement status"),
        "pii_retention_days": _whole_number(form, "pii_retention_days", "Keep customer details (days)"),
        "route_on_import": checked(form, "route_on_import"),
        "complete_when_shipped": checked(form, "complete_when_shipped"),
        "pickup_in_store": checked(form, "pickup_in_store"),
        "business_address": address if any(address.values()) else None,
    }


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_input=False):
        where = ".".join(str(part) for part in problem.get("loc", ())) or "settings"
        parts.append(f"{where.replace('business_address.', 'billing address ')}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts)


def order_settings(form: FormData, current: Any, *, merchant: bool, vendor: bool) -> dict[str, Any]:
    """The connection's order settings with the submitted sections applied, validated; only non-defaults kept.

    Settings the form does not show (e.g. the lookback window) keep their stored values.
    """
    merged: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    if merchant:
        merged.update(_merchant_order_fields(form))
    if vendor:
        status = _whole_number(form, "vendor_status_id", "The vendor order status")
        merged["vendor_status_id"] = INCOMPLETE if status is None else status
    try:
        settings = OrderSettings.model_validate({key: value for key, value in merged.items() if value is not None})
    except ValidationError as error:
        raise InputError(f"order settings: {_describe(error)}") from None
    return settings_document(settings)


# -- schedules ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleChange:
    operation: str
    enabled: bool
    interval_s: int


class ScheduleState(Protocol):
    @property
    def operation(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def interval_s(self) -> int: ...


def interval_minutes(seconds: int) -> int:
    """How the form shows an interval: whole minutes, at least 1."""
    return max(1, round(seconds / 60))


def schedule_changes(form: FormData, current: Sequence[ScheduleState]) -> list[ScheduleChange]:
    """The schedules whose on/off or interval (minutes in the form) the user changed."""
    if not checked(form, "schedules_form"):
        return []
    changes = []
    for schedule in current:
        enabled = checked(form, f"schedule_{schedule.operation}")
        minutes = _whole_number(form, f"interval_{schedule.operation}", f"The interval of {schedule.operation}")
        if minutes is None or minutes == interval_minutes(schedule.interval_s):
            interval_s = schedule.interval_s  # unchanged (the form shows whole minutes)
        elif minutes < 1:
            raise InputError(f"the interval of {schedule.operation} is at least 1 minute; got {minutes}")
        else:
            interval_s = minutes * 60
        if enabled != schedule.enabled or interval_s != schedule.interval_s:
            changes.append(ScheduleChange(schedule.operation, enabled, interval_s))
    return changes

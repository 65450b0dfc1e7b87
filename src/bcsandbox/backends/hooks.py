"""Webhook subscriptions (/v3/hooks), kept per client id, and the scope matching delivery uses.

Rules from ``webhooks.v3.yml`` and the webhooks overview: ``scope`` and ``destination`` are
required (422), at most 10 hooks per store + client + scope and one per store + client + scope +
destination (422, the only client-error status the spec lists for create besides 400), and a
hook is visible only to the client id that created it.

Deviation: BigCommerce requires HTTPS on port 443. A local emulator has to reach receivers on
loopback, so any ``https://`` URL is accepted (any port) and ``http://`` only for loopback hosts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bcsandbox.errors import ApiError, not_found

if TYPE_CHECKING:
    from bcsandbox.state import Store

MAX_HOOKS_PER_SCOPE = 10
INVALID = "JSON data is missing or invalid"
MISSING = "error.path.missing."
WRITABLE_FIELDS = ("scope", "destination", "is_active", "headers")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})

# Admin ``status`` values (webhooks.v3.yml, GET /hooks/admin).
ACTIVE = "active"
INACTIVE = "inactive"  # switched off by the client
DEACTIVATED = "deactivated"  # switched off by the platform after failed deliveries


@dataclass
class Hook:
    id: int
    client_id: str
    store_hash: str
    scope: str
    destination: str
    headers: dict[str, str] | None
    is_active: bool
    created_at: int
    updated_at: int
    status: str = ACTIVE
    deactivated_at: int | None = None
    deactivation_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_id": self.client_id,
            "store_hash": self.store_hash,
            "scope": self.scope,
            "destination": self.destination,
            "headers": dict(self.headers) if self.headers is not None else None,
            "is_active": self.is_active,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def admin_dict(self) -> dict[str, Any]:
        return {**self.as_dict(), "status": self.status}


@dataclass
class Notification:
    """An email BigCommerce would send to a client's admin addresses (e.g. on deactivation)."""

    client_id: str
    emails: list[str]
    hook_id: int
    reason: str
    at: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "emails": list(self.emails),
            "hook_id": self.hook_id,
            "reason": self.reason,
            "at": self.at,
        }


def scope_matches(subscribed: str, event_scope: str) -> bool:
    """True when a hook on ``subscribed`` receives an event raised on ``event_scope``.

    A ``*`` segment in the middle matches one segment (``store/channel/*/order/created``); a
    trailing ``*`` matches one or more (``store/order/*`` also gets ``store/order/message/created``,
    as ``store/cart/*`` gets the ``store/cart/lineItem`` events).
    """
    wanted = subscribed.split("/")
    actual = event_scope.split("/")
    for index, part in enumerate(wanted):
        last = index == len(wanted) - 1
        if part == "*" and last:
            return len(actual) > index
        if index >= len(actual):
            return False
        if part != "*" and part != actual[index]:
            return False
    return len(actual) == len(wanted)


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def destination_problem(destination: str) -> str | None:
    """Why ``destination`` cannot receive callbacks, or None when it can."""
    try:
        parts = urlsplit(destination)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return "The destination must be a valid absolute URL."
    if not parts.hostname:
        return "The destination must be a valid absolute URL."
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return None
    return "The destination must be an HTTPS URL (plain http:// is accepted only for loopback hosts in bcsandbox)."


def _check_text(body: dict[str, Any], name: str, errors: dict[str, str]) -> None:
    value = body.get(name)
    if value is None:
        errors[name] = MISSING
    elif not isinstance(value, str) or not value.strip():
        errors[name] = f"'{name}' must be a non-empty string."


def _check_fields(body: dict[str, Any], *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("scope", "destination"):
        if creating or name in body:
            _check_text(body, name, errors)
    destination = body.get("destination")
    if "destination" not in errors and isinstance(destination, str):
        problem = destination_problem(destination)
        if problem:
            errors["destination"] = problem
    if "is_active" in body and not isinstance(body["is_active"], bool):
        errors["is_active"] = "'is_active' must be a boolean."
    headers = body.get("headers")
    if headers is not None and not (
        isinstance(headers, dict) and all(isinstance(key, str) and isinstance(v, str) for key, v in headers.items())
    ):
        errors["headers"] = "'headers' must be an object whose values are strings, or null."
    return errors


@dataclass
class HooksState:
    hooks: dict[int, Hook] = field(default_factory=dict)
    next_id: int = 1
    admin_emails: dict[str, list[str]] = field(default_factory=dict)  # per client id
    notifications: list[Notification] = field(default_factory=list)


class HooksBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.state = HooksState()

    # -- the client's view ------------------------------------------------------------------
    def for_client(
        self,
        client_id: str,
        *,
        is_active: bool | None = None,
        scope: str | None = None,
        destination: str | None = None,
    ) -> list[Hook]:
        return [
            hook
            for hook in self.state.hooks.values()
            if hook.client_id == client_id
            and (is_active is None or hook.is_active == is_active)
            and (scope is None or hook.scope == scope)
            and (destination is None or hook.destination == destination)
        ]

    def get(self, client_id: str, hook_id: int) -> Hook:
        hook = self.state.hooks.get(hook_id)
        if hook is None or hook.client_id != client_id:
            raise not_found(f"Webhook with id [{hook_id}] not found")
        return hook

    def create(self, client_id: str, body: dict[str, Any]) -> Hook:
        errors = _check_fields(body, creating=True)
        if errors:
            raise ApiError(422, INVALID, errors)
        scope, destination = body["scope"].strip(), body["destination"].strip()
        self._check_limits(client_id, scope, destination, ignore=None)
        now = self._now()
        active = bool(body.get("is_active", True))
        hook = Hook(
            id=self.state.next_id,
            client_id=client_id,
            store_hash=self.store.hash,
            scope=scope,
            destination=destination,
            headers=dict(body["headers"]) if body.get("headers") is not None else None,
            is_active=active,
            created_at=now,
            updated_at=now,
            status=ACTIVE if active else INACTIVE,
        )
        self.state.next_id += 1
        self.state.hooks[hook.id] = hook
        return hook

    def update(self, client_id: str, hook_id: int, body: dict[str, Any]) -> Hook:
        hook = self.get(client_id, hook_id)
        if not any(name in body for name in WRITABLE_FIELDS):
            raise ApiError(
                422, INVALID, {"body": f"At least one of {', '.join(WRITABLE_FIELDS)} is required to update a webhook."}
            )
        errors = _check_fields(body, creating=False)
        if errors:
            raise ApiError(422, INVALID, errors)
        scope = body["scope"].strip() if "scope" in body else hook.scope
        destination = body["destination"].strip() if "destination" in body else hook.destination
        if (scope, destination) != (hook.scope, hook.destination):
            self._check_limits(client_id, scope, destination, ignore=hook.id)
        hook.scope, hook.destination = scope, destination
        if "headers" in body:
            hook.headers = dict(body["headers"]) if body["headers"] is not None else None
        if "is_active" in body:
            self._set_active(hook, body["is_active"])
        hook.updated_at = self._now()
        return hook

    def delete(self, client_id: str, hook_id: int) -> Hook:
        hook = self.get(client_id, hook_id)
        del self.state.hooks[hook.id]
        return hook

    def delete_for_client(self, client_id: str) -> list[Hook]:
        """Drop every hook of ``client_id`` (app uninstall, API-account deletion)."""
        removed = [hook for hook in self.state.hooks.values() if hook.client_id == client_id]
        for hook in removed:
            del self.state.hooks[hook.id]
        return removed

    # -- admin (GET/PUT /v3/hooks/admin) ------------------------------------------------------
    def admin(self, client_id: str, *, is_active: bool | None = None) -> dict[str, Any]:
        return {
            "emails": list(self.state.admin_emails.get(client_id, [])),
            "hooks_list": [hook.admin_dict() for hook in self.for_client(client_id, is_active=is_active)],
            "blocked_domains": [],
        }

    def set_admin_emails(self, client_id: str, body: dict[str, Any]) -> None:
        emails = body.get("emails")
        if not isinstance(emails, list):
            raise ApiError(422, INVALID, {"emails": MISSING if emails is None else "'emails' must be an array."})
        bad = [str(email) for email in emails if not isinstance(email, str) or "@" not in email.strip("@")]
        if bad:
            raise ApiError(422, INVALID, {"emails": f"Not valid email addresses: {', '.join(bad)}"})
        self.state.admin_emails[client_id] = [email.strip() for email in emails]

    # -- delivery side ----------------------------------------------------------------------
    def matching(self, event_scope: str) -> list[Hook]:
        """Active hooks (any client) that receive an event on ``event_scope``."""
        return [hook for hook in self.state.hooks.values() if hook.is_active and scope_matches(hook.scope, event_scope)]

    def find(self, hook_id: int) -> Hook | None:
        return self.state.hooks.get(hook_id)

    def deactivate(self, hook_id: int, reason: str) -> Hook | None:
        """Switch a hook off after its retries ran out, and record the email BigCommerce sends."""
        hook = self.state.hooks.get(hook_id)
        if hook is None:
            return None
        now = self._now()
        hook.is_active = False
        hook.status = DEACTIVATED
        hook.deactivated_at = now
        hook.deactivation_reason = reason
        hook.updated_at = now
        emails = self.state.admin_emails.get(hook.client_id, [])
        self.state.notifications.append(Notification(hook.client_id, list(emails), hook.id, reason, now))
        return hook

    def notifications(self) -> list[Notification]:
        return list(self.state.notifications)

    # -- helpers ----------------------------------------------------------------------------
    def _set_active(self, hook: Hook, active: bool) -> None:
        hook.is_active = active
        hook.status = ACTIVE if active else INACTIVE
        if active:
            hook.deactivated_at = None
            hook.deactivation_reason = None

    def _check_limits(self, client_id: str, scope: str, destination: str, *, ignore: int | None) -> None:
        same_scope = [hook for hook in self.for_client(client_id, scope=scope) if hook.id != ignore]
        if any(hook.destination == destination for hook in same_scope):
            raise ApiError(
                422,
                "A webhook with this scope and destination already exists for this client.",
                {"destination": f"Only one webhook per scope '{scope}' and destination is allowed."},
            )
        if len(same_scope) >= MAX_HOOKS_PER_SCOPE:
            raise ApiError(
                422,
                f"The maximum of {MAX_HOOKS_PER_SCOPE} webhooks per scope has been reached for this client.",
                {"scope": f"At most {MAX_HOOKS_PER_SCOPE} webhooks may subscribe to '{scope}'."},
            )

    def _now(self) -> int:
        return self.store.sandbox.clock.timestamp()

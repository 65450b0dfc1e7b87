"""A connection to one BigCommerce store, and the rules about its health.

The health rule: a test that passes makes a connection ``ok``; a definite credential problem (401,
403, wrong store hash, missing scopes, app uninstalled) makes it ``needs_attention`` with the
reason and time; a connection that needs attention, or is disabled, is *paused*: its scheduled
jobs do not run until a test passes again (or it is re-enabled).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bchub.domain.secrets import Secret
from bchub.errors import InputError

NAME_MAX = 100


class Role(StrEnum):
    MERCHANT = "merchant"
    VENDOR = "vendor"
    BOTH = "both"

    def includes(self, other: Role) -> bool:
        """True when a connection with this role acts as ``other`` (``both`` is merchant and vendor)."""
        return self is other or self is Role.BOTH


class AuthType(StrEnum):
    PRIVATE = "private"  # a store-level API account the merchant created
    OAUTH = "oauth"  # bchub installed as a BigCommerce app


class HealthStatus(StrEnum):
    UNKNOWN = "unknown"  # never tested since its credentials last changed
    OK = "ok"
    NEEDS_ATTENTION = "needs_attention"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Health:
    status: HealthStatus = HealthStatus.UNKNOWN
    reason: str | None = None
    checked_at: datetime | None = None


DAY_MS = 86_400_000
# BigCommerce states an "unlimited" Enterprise quota as a huge per-window figure (the sandbox's
# Enterprise plan: 10,000,000 per window); no store's real fixed limit comes near it.
UNLIMITED_PER_WINDOW = 1_000_000


@dataclass(frozen=True)
class ApiQuota:
    """A store's API request quota as its ``X-Rate-Limit-Requests-Quota``/``-Time-Window-Ms`` headers state it."""

    requests: int  # per window
    window_ms: int
    seen_at: datetime | None = None  # when bchub last read it

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window_ms < 1:
            raise ValueError(f"a quota needs positive figures; got {self.requests} per {self.window_ms} ms")

    @property
    def unlimited(self) -> bool:
        return self.requests >= UNLIMITED_PER_WINDOW

    @property
    def per_day(self) -> int | None:
        """Requests a day at the stated rate; ``None`` when the plan sets no fixed limit."""
        return None if self.unlimited else self.requests * DAY_MS // self.window_ms

    def describe(self) -> str:
        """``150 requests per 30 s (432,000 a day)``, or ``no fixed limit``."""
        if self.unlimited:
            return "no fixed limit"
        seconds = self.window_ms / 1000
        window = f"{seconds:g} s" if seconds < 60 or seconds % 60 else f"{seconds / 60:g} min"
        return f"{self.requests:,} requests per {window} ({self.per_day:,} a day)"


@dataclass(frozen=True, eq=False)
class Connection:
    """One BigCommerce store as bchub reaches it. Secrets are ``Secret``; see ``domain.secrets``."""

    name: str
    role: Role
    store_hash: str
    auth_type: AuthType
    access_token: Secret | None  # None once an OAuth app is uninstalled
    client_id: str | None = None
    client_secret: Secret | None = None
    store_url: str | None = None
    store_name: str | None = None  # as /v2/store last named it
    enabled: bool = True
    health: Health = field(default_factory=Health)
    scopes: frozenset[str] | None = None  # granted scopes, known for OAuth installs
    plan: str | None = None  # the store's plan, as /v2/store last named it
    quota: ApiQuota | None = None  # the store's request quota, as its rate-limit headers last stated it
    settings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def replace(self, **changes: Any) -> Connection:
        return dataclasses.replace(self, **changes)


def validate_name(raw: str) -> str:
    """A connection name: trimmed, 1–100 printable characters."""
    name = raw.strip()
    if not name:
        raise InputError("a connection needs a name, e.g. 'main-store' or 'vendor-acme'")
    if len(name) > NAME_MAX:
        raise InputError(f"a connection name is at most {NAME_MAX} characters; got {len(name)}")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InputError("a connection name cannot contain control characters")
    return name


def is_paused(connection: Connection) -> bool:
    """Whether the connection's scheduled jobs must wait: disabled, or needing attention."""
    return not connection.enabled or connection.health.status is HealthStatus.NEEDS_ATTENTION


def needs_attention(connection: Connection, reason: str, at: datetime) -> Connection:
    return connection.replace(health=Health(HealthStatus.NEEDS_ATTENTION, reason, at))


def healthy(connection: Connection, at: datetime) -> Connection:
    return connection.replace(health=Health(HealthStatus.OK, None, at))


def credentials_changed(connection: Connection) -> Connection:
    """New credentials: what a test proved about the old ones no longer holds.

    A paused connection stays paused: only a passing test may resume its jobs.
    """
    if connection.health.status is HealthStatus.NEEDS_ATTENTION:
        return connection
    return connection.replace(health=Health())

"""Fault injection per store: on API routes (latency, 5xx, 429 bursts, dropped connections) and on webhooks.

API rules match a method (or any) and a path glob relative to the store, e.g. ``/v2/orders*``.
Webhook rules match an event scope glob, e.g. ``store/order/*``, and make the dispatcher drop a
delivery, send it twice, or send it late (after events raised later). Random draws use the
sandbox's seeded generator so a scenario repeats exactly.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from bcsandbox.errors import ApiError

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_rule_ids = itertools.count(1)


@dataclass
class FaultRule:
    """One fault. Every rate is a probability in [0, 1] drawn per matching request."""

    method: str | None = None  # None matches every method
    path: str = "*"  # glob on the path after /stores/{hash}, e.g. "/v2/orders*"
    latency_ms: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    rate_limit_burst: int = 0  # the next N matching requests get a 429
    rate_limit_headers: bool = True  # False: a 429 without X-Rate-Limit-* (platform load)
    drop_rate: float = 0.0  # the connection drops before the request is processed
    commit_then_drop_rate: float = 0.0  # writes only: processed and committed, then dropped
    remaining: int | None = None  # the rule expires after this many matching requests
    id: int = field(default_factory=lambda: next(_rule_ids))

    def __post_init__(self) -> None:
        if self.method is not None:
            self.method = self.method.upper()
        self.error_statuses = tuple(self.error_statuses)
        for name in ("error_rate", "drop_rate", "commit_then_drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        known = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)


@dataclass
class WebhookFaultRule:
    """One fault on a store's webhook deliveries; every rate is a probability drawn per (event, hook).

    BigCommerce promises at-least-once delivery, not order: a receiver sees the same event twice,
    events out of order, events long after later ones, and (its retries exhausted, or lost) never.
    """

    scope: str = "*"  # glob on the event scope, e.g. "store/order/*"
    drop_rate: float = 0.0  # never delivered
    duplicate_rate: float = 0.0  # delivered twice, with the same hash
    delay_rate: float = 0.0  # delivered late: after a delay drawn uniformly from (0, delay_s]
    delay_s: float = 0.0  # seconds on the sandbox clock
    remaining: int | None = None  # the rule expires after this many matching deliveries
    id: int = field(default_factory=lambda: next(_rule_ids))

    def __post_init__(self) -> None:
        for name in ("drop_rate", "duplicate_rate", "delay_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.delay_s < 0:
            raise ValueError(f"delay_s must not be negative, got {self.delay_s}")
        if self.delay_rate and not self.delay_s:
            raise ValueError("delay_rate needs a delay_s above 0")

    def matches(self, scope: str) -> bool:
        return fnmatch.fnmatchcase(scope, self.scope)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookFaultRule:
        known = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown webhook fault fields: {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)


@dataclass(frozen=True)
class DeliveryDecision:
    """How one (event, hook) delivery goes out: one send per delay (in seconds from now); none: dropped."""

    delays: tuple[float, ...] = (0.0,)
    rule_id: int | None = None  # the rule that dropped, doubled or delayed it
    duplicated: bool = False
    delayed: bool = False

    @property
    def dropped(self) -> bool:
        return not self.delays


@dataclass
class Decision:
    latency_ms: int = 0
    error: ApiError | None = None
    rate_limited: bool = False
    rate_limit_headers: bool = True
    drop_before: bool = False
    drop_after: bool = False

    @property
    def quiet(self) -> bool:
        return not (self.latency_ms or self.error or self.rate_limited or self.drop_before or self.drop_after)


class FaultPlan:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.webhook_rules: list[WebhookFaultRule] = []

    def __setstate__(self, state: dict[str, Any]) -> None:
        # sandboxes saved before webhook faults existed load with none
        self.__dict__.update({"webhook_rules": [], **state})

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def add_webhook(self, rule: WebhookFaultRule) -> WebhookFaultRule:
        self.webhook_rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        """Remove the API or webhook rule with this id (ids are unique across both)."""
        before = len(self.rules) + len(self.webhook_rules)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        self.webhook_rules = [rule for rule in self.webhook_rules if rule.id != rule_id]
        return len(self.rules) + len(self.webhook_rules) != before

    def clear(self) -> None:
        """Remove every rule, API and webhook."""
        self.rules.clear()
        self.webhook_rules.clear()

    def clear_webhooks(self) -> None:
        self.webhook_rules.clear()

    def decide_delivery(self, scope: str, rng: random.Random) -> DeliveryDecision:
        """The first matching webhook rule that fires decides; a drop wins over a duplicate or a delay."""
        for rule in list(self.webhook_rules):
            if not rule.matches(scope):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.webhook_rules.remove(rule)
            if rule.drop_rate and rng.random() < rule.drop_rate:
                return DeliveryDecision((), rule.id)
            duplicated = bool(rule.duplicate_rate) and rng.random() < rule.duplicate_rate
            delayed = bool(rule.delay_rate) and rng.random() < rule.delay_rate
            if not (duplicated or delayed):
                continue
            first = rule.delay_s * (1.0 - rng.random()) if delayed else 0.0  # in (0, delay_s]
            # the second copy of a duplicate arrives right after, or late too when delays are on
            second = (rule.delay_s * (1.0 - rng.random()) if rule.delay_s else 0.0) if duplicated else None
            delays = (first,) if second is None else (first, second)
            return DeliveryDecision(delays, rule.id, duplicated, delayed)
        return DeliveryDecision()

    def decide(self, method: str, path: str, rng: random.Random) -> Decision:
        decision = Decision()
        if not self.rules:
            return decision
        for rule in list(self.rules):
            if not rule.matches(method, path):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
            decision.latency_ms += rule.latency_ms
            if rule.rate_limit_burst > 0 and not decision.rate_limited:
                rule.rate_limit_burst -= 1
                decision.rate_limited = True
                decision.rate_limit_headers = rule.rate_limit_headers
            if rule.error_rate and decision.error is None and rng.random() < rule.error_rate:
                status = rng.choice(rule.error_statuses)
                title = "Internal Server Error" if status == 500 else "Service Unavailable"
                decision.error = ApiError(status, title)
            if rule.drop_rate and rng.random() < rule.drop_rate:
                decision.drop_before = True
            if rule.commit_then_drop_rate and method in WRITE_METHODS and rng.random() < rule.commit_then_drop_rate:
                decision.drop_after = True
        return decision

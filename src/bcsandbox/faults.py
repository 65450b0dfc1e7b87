"""Fault injection per store and route: latency, 5xx, 429 bursts, dropped connections.

Rules match a method (or any) and a path glob relative to the store, e.g. ``/v2/orders*``.
Random draws use the sandbox's seeded generator so a scenario repeats exactly.
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

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules.clear()

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

"""The sandbox's state: stores, their API accounts, and everything shared between them.

A ``Store`` owns one backend per resource group (no HTTP in any of them). ``Sandbox`` holds the
stores, the clock, the request log and the webhook dispatcher, and guards all state with one
re-entrant lock so the HTTP app, a live-server thread and test code can share it safely.
"""

from __future__ import annotations

import itertools
import pickle
import random
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bcsandbox import scopes as scope_names
from bcsandbox.backends.catalog import CatalogBackend
from bcsandbox.backends.hooks import HooksBackend
from bcsandbox.backends.inventory import InventoryBackend
from bcsandbox.backends.orders import OrdersBackend
from bcsandbox.backends.store_info import StoreInfoBackend
from bcsandbox.clock import Clock
from bcsandbox.events import StoreEvent
from bcsandbox.faults import FaultPlan
from bcsandbox.ratelimit import PLAN_QUOTAS, RateLimiter

_store_ids = itertools.count(1_000_001)


@dataclass
class SandboxSettings:
    window_ms: int = 30_000  # rate-limit window; shorten it to make tests and benchmarks fast
    webhook_retry_scale: float = 1.0  # multiplies BigCommerce's 60 s … 86,400 s retry schedule
    webhook_timeout_s: float = 10.0
    request_log_size: int = 200_000
    seed: int = 0  # seeds fault injection


@dataclass
class ApiAccount:
    """A store-level API account (or an app's per-store grant): one token and its scopes."""

    access_token: str
    client_id: str
    scopes: frozenset[str]
    client_secret: str = ""
    name: str = "bcsandbox"

    def allows(self, needed_scope: str | None, method: str) -> bool:
        return scope_names.grants(self.scopes, needed_scope, method)


@dataclass(frozen=True)
class LoggedRequest:
    at: datetime
    store_hash: str
    method: str
    path: str  # after /stores/{hash}, e.g. /v3/catalog/products
    query: str
    status: int
    client_id: str | None
    fault: str | None  # "drop", "commit-then-drop", "429", "500", ... when a fault fired

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "store_hash": self.store_hash,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "client_id": self.client_id,
            "fault": self.fault,
        }


class Store:
    def __init__(
        self,
        sandbox: Sandbox,
        store_hash: str,
        *,
        name: str,
        plan: str,
        store_id: int,
    ) -> None:
        if plan not in PLAN_QUOTAS:
            raise ValueError(f"unknown plan {plan!r}; choose one of {sorted(PLAN_QUOTAS)}")
        self.sandbox = sandbox
        self.hash = store_hash
        self.name = name
        self.plan = plan
        self.store_id = store_id
        self.accounts: dict[str, ApiAccount] = {}
        self.limiter = RateLimiter(PLAN_QUOTAS[plan], sandbox.settings.window_ms)
        self.faults = FaultPlan()
        self.info = StoreInfoBackend(self)
        self.catalog = CatalogBackend(self)
        self.inventory = InventoryBackend(self)
        self.orders = OrdersBackend(self)
        self.hooks = HooksBackend(self)

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["sandbox"] = None  # re-attached by Sandbox.load()
        return state

    def emit(self, scope: str, data: dict[str, Any]) -> None:
        """Raise a webhook event; delivery happens outside the request, as BigCommerce does."""
        self.sandbox.publish(StoreEvent(self.hash, scope, data, self.sandbox.clock.timestamp()))

    def add_account(
        self,
        scopes: Iterable[str] | str = scope_names.FULL_ACCESS,
        *,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        name: str = "bcsandbox",
    ) -> ApiAccount:
        account = ApiAccount(
            access_token=access_token or secrets.token_hex(16),
            client_id=client_id or secrets.token_hex(12),
            scopes=scope_names.parse_scopes(scopes if isinstance(scopes, str) else frozenset(scopes)),
            client_secret=client_secret or secrets.token_hex(16),
            name=name,
        )
        self.accounts[account.access_token] = account
        return account

    def revoke(self, access_token: str) -> bool:
        """Delete an API account; its webhooks go with it once no token of that client is left."""
        account = self.accounts.pop(access_token, None)
        if account is None:
            return False
        if not any(other.client_id == account.client_id for other in self.accounts.values()):
            self.hooks.delete_for_client(account.client_id)
        return True

    def set_plan(self, plan: str) -> None:
        if plan not in PLAN_QUOTAS:
            raise ValueError(f"unknown plan {plan!r}; choose one of {sorted(PLAN_QUOTAS)}")
        self.plan = plan
        self.limiter = RateLimiter(PLAN_QUOTAS[plan], self.sandbox.settings.window_ms)

    def summary(self) -> dict[str, Any]:
        return {
            "store_hash": self.hash,
            "name": self.name,
            "plan": self.plan,
            "store_id": self.store_id,
            "accounts": [
                {
                    "name": account.name,
                    "client_id": account.client_id,
                    "access_token": account.access_token,
                    "scopes": sorted(account.scopes),
                }
                for account in self.accounts.values()
            ],
        }


EventListener = Callable[[StoreEvent], None]


class Sandbox:
    """Every store the emulator serves, plus the clock, the request log and event listeners."""

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self.clock = Clock()
        self.lock = threading.RLock()
        self.stores: dict[str, Store] = {}
        self.request_log: deque[LoggedRequest] = deque(maxlen=self.settings.request_log_size)
        self.random = random.Random(self.settings.seed)
        self._listeners: list[EventListener] = []

    # -- stores -----------------------------------------------------------------------------
    def create_store(
        self,
        store_hash: str | None = None,
        *,
        name: str | None = None,
        plan: str = "standard",
        scopes: Iterable[str] | str = scope_names.FULL_ACCESS,
        access_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Store:
        """Create a store with one API account; raises ``ValueError`` if the hash is taken."""
        with self.lock:
            store_hash = store_hash or secrets.token_hex(4)[:7]
            if not store_hash.isalnum() or store_hash != store_hash.lower():
                raise ValueError(f"store hash must be lowercase letters and digits, got {store_hash!r}")
            if store_hash in self.stores:
                raise ValueError(f"store {store_hash!r} already exists")
            store = Store(self, store_hash, name=name or f"Store {store_hash}", plan=plan, store_id=next(_store_ids))
            store.add_account(scopes, access_token=access_token, client_id=client_id, client_secret=client_secret)
            self.stores[store_hash] = store
            return store

    def store(self, store_hash: str) -> Store:
        try:
            return self.stores[store_hash]
        except KeyError:
            raise KeyError(f"no store {store_hash!r} in the sandbox") from None

    def reset(self) -> None:
        """Forget every store, request and fault; settings and listeners stay."""
        with self.lock:
            self.stores.clear()
            self.request_log.clear()
            self.clock = Clock()
            self.random = random.Random(self.settings.seed)

    # -- events -----------------------------------------------------------------------------
    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: EventListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, event: StoreEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- request log ------------------------------------------------------------------------
    def requests(
        self, store_hash: str | None = None, *, method: str | None = None, path_prefix: str | None = None
    ) -> list[LoggedRequest]:
        with self.lock:
            return [
                entry
                for entry in self.request_log
                if (store_hash is None or entry.store_hash == store_hash)
                and (method is None or entry.method == method.upper())
                and (path_prefix is None or entry.path.startswith(path_prefix))
            ]

    def clear_requests(self) -> None:
        with self.lock:
            self.request_log.clear()

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write every store's state to ``path`` (atomically) so ``load`` can restore it."""
        with self.lock:
            payload = pickle.dumps({"stores": self.stores, "clock_offset": self.clock.offset})
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(payload)
        temporary.replace(path)

    def load(self, path: Path) -> None:
        """Replace the current stores with those saved in ``path`` (a file this sandbox wrote)."""
        state = pickle.loads(path.read_bytes())
        with self.lock:
            self.stores = state["stores"]
            self.clock.offset = state["clock_offset"]
            for store in self.stores.values():
                store.sandbox = self

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("pickle Sandbox.stores via Sandbox.save(), not the Sandbox itself")

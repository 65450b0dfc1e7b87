"""Webhooks as hints: the secret header, the raw-event store, topic → job routing, and the keeper.

- ``WebhookSecrets``: the value of the custom header bchub puts on its hooks. It is
  ``BCHUB_WEBHOOK_SECRET`` when set, otherwise derived from the hub's secret key (so embedded
  mode needs no setup); during a key rotation both the old and new derived values are accepted.
- ``WebhookIntake``: stores each event (a repeated ``hash`` is dropped, unless the first copy
  was stored but never routed: then it is routed now), finds the store's connections, and turns
  the event into jobs by the topic table ``EVENT_ROUTES``; ``replay`` runs a stored event through
  the table again. Webhooks are hints: the schedules (``get_orders``, ``sync_shipments``,
  ``sync_inventory``) and the nightly ``reconcile_orders`` catch what a lost callback missed.
- ``keep_webhooks``: an operation that keeps a connection's subscriptions in place: creates the
  missing ones, re-activates hooks BigCommerce deactivated, refreshes the secret header, and
  removes bchub's hooks for scopes no longer wanted (``remove=true`` removes them all).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, RateLimited, ScopeMissing, WriteOutcomeUnknown
from bchub.bigcommerce.models.hooks import Hook, HookInput
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import ItemOutcome, Outcome, Trigger
from bchub.errors import InputError, PermanentError
from bchub.jobs.model import FollowUp, JobRequest, WebhookEvent
from bchub.jobs.registry import JobContext, Services, body_operation
from bchub.jobs.service import JobService
from bchub.storage.job_tables import WebhookEventRow
from bchub.storage.order_repository import OrderRepository
from bchub.storage.secrets import SecretBox
from bchub.storage.tables import ConnectionRow
from bchub.sync.runner import OperationBody, OperationRun

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bchub-Webhook-Secret"
RECEIVER_PATH = "/webhooks/bigcommerce"
_DERIVATION_LABEL = b"bchub webhook secret v1"
RECEIVED = "received"  # an event's status from being stored until it is routed (EventStore.add)

ORDER_SCOPES = ("store/order/created", "store/order/updated", "store/order/statusUpdated")
PRODUCT_SCOPES = ("store/product/updated", "store/sku/updated")
INVENTORY_SCOPES = ("store/product/inventory/updated", "store/sku/inventory/updated")
CATALOG_SCOPES = PRODUCT_SCOPES + INVENTORY_SCOPES
SHIPMENT_SCOPES = ("store/shipment/created", "store/shipment/updated")
WANTED_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.MERCHANT: ORDER_SCOPES + CATALOG_SCOPES,
    Role.VENDOR: SHIPMENT_SCOPES + CATALOG_SCOPES,
}


def wanted_scopes(role: Role) -> list[str]:
    """The scopes bchub subscribes to for a connection acting as ``role`` (``both``: the union)."""
    roles = [Role.MERCHANT, Role.VENDOR] if role is Role.BOTH else [role]
    return list(dict.fromkeys(scope for each in roles for scope in WANTED_SCOPES[each]))


def receiver_url(public_url: str) -> str:
    return public_url.rstrip("/") + RECEIVER_PATH


# -- the secret ---------------------------------------------------------------------------------


def derive_secret(key: bytes) -> str:
    return hmac.new(key, _DERIVATION_LABEL, hashlib.sha256).hexdigest()


class WebhookSecrets:
    def __init__(self, configured: SecretStr | None, box: Callable[[], SecretBox]) -> None:
        self._configured = configured
        self._box = box

    def current(self) -> str:
        if self._configured is not None:
            return self._configured.get_secret_value()
        return derive_secret(self._box().keys[0])

    def accepts(self, given: str | None) -> bool:
        if not given:
            return False
        candidates = (
            [self._configured.get_secret_value()]
            if self._configured is not None
            else [derive_secret(key) for key in self._box().keys]
        )
        return any(hmac.compare_digest(given.encode(), candidate.encode()) for candidate in candidates)


# -- the topic table -------------------------------------------------------------------------------


Targets = Callable[[Connection, Services], list[Connection]]


def same_connection(source: Connection, services: Services) -> list[Connection]:
    return [source]


def merchants_of_vendor(source: Connection, services: Services) -> list[Connection]:
    """A vendor's shipment concerns the merchants with orders placed in its store (shipments sync merchant-side)."""
    assert source.id is not None
    with services.sessions() as session:
        merchant_ids = OrderRepository(session).merchants_of_vendor(source.id)
    found = [services.connections.get(merchant_id) for merchant_id in merchant_ids]
    return [connection for connection in found if connection.enabled]


@dataclass(frozen=True)
class EventRoute:
    """Events on ``scopes`` from a store connected as ``role`` become ``operation`` jobs for ``targets``."""

    scopes: tuple[str, ...]
    role: Role
    operation: str
    params: Callable[[dict[str, Any]], dict[str, Any] | None]  # from the payload's data; None: nothing to do
    then: tuple[FollowUp, ...] = ()
    targets: Targets = same_connection


def _no_params(data: dict[str, Any]) -> dict[str, Any] | None:
    return {}


def _product(data: dict[str, Any]) -> dict[str, Any] | None:
    """The product a catalog event is about: ``{type: product, id}`` or ``{type: sku, sku|inventory: {product_id}}``."""
    if data.get("type") == "product":
        value = data.get("id")
    else:
        nested = data.get("sku") if isinstance(data.get("sku"), dict) else data.get("inventory")
        value = nested.get("product_id") if isinstance(nested, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return {"product_ids": [value]}
    return None


EVENT_ROUTES: tuple[EventRoute, ...] = (
    # a new or changed order: an incremental import, which applies the connection's status and age
    # filters (an order created Incomplete is not imported) and routes on import when set to; a
    # burst of events waits as one job (same identity key)
    EventRoute(ORDER_SCOPES, Role.MERCHANT, "get_orders", _no_params),
    # a vendor shipped: bring its shipments to the merchants' orders
    EventRoute(SHIPMENT_SCOPES, Role.VENDOR, "sync_shipments", _no_params, targets=merchants_of_vendor),
    # a product or variant changed: import those products (their ids gather in the waiting job)
    EventRoute(PRODUCT_SCOPES, Role.MERCHANT, "import_listings", _product),
    EventRoute(PRODUCT_SCOPES, Role.VENDOR, "import_listings", _product),
    # a vendor's stock moved: read it, and sync the merchants listing its items
    EventRoute(INVENTORY_SCOPES, Role.VENDOR, "sync_inventory", _no_params),
    # the merchant's own stock moved (orders, a person in the control panel): the hub's view of it
    EventRoute(INVENTORY_SCOPES, Role.MERCHANT, "import_listings", _product),
)


# -- intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    event: WebhookEvent | None  # None: a duplicate, dropped
    duplicate: bool


MAX_SCOPE = 128  # the stored columns' sizes: a longer value is refused, never cut (two would collide)
MAX_HASH = 128
MAX_STORE_HASH = 32
MAX_DEPTH = 32  # a callback nests 3 deep; far deeper JSON cannot even be stored


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively, so a hostile body cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_callback(payload: Any) -> tuple[str, str, str, dict[str, Any]]:
    """``(store_hash, scope, hash, data)`` of a callback body, or InputError."""
    if not isinstance(payload, dict):
        raise InputError("a webhook body must be a JSON object")
    scope, event_hash, producer, data = (payload.get(key) for key in ("scope", "hash", "producer", "data"))
    if not isinstance(scope, str) or not scope:
        raise InputError("the webhook has no 'scope'")
    if len(scope) > MAX_SCOPE:
        raise InputError(f"the webhook's 'scope' is longer than {MAX_SCOPE} characters")
    if not isinstance(event_hash, str) or not event_hash:
        raise InputError("the webhook has no 'hash'")
    if len(event_hash) > MAX_HASH:
        raise InputError(f"the webhook's 'hash' is longer than {MAX_HASH} characters")
    store_hash = producer.removeprefix("stores/") if isinstance(producer, str) else ""
    if not isinstance(producer, str) or not producer.startswith("stores/") or not 0 < len(store_hash) <= MAX_STORE_HASH:
        raise InputError("the webhook's 'producer' is not 'stores/<hash>'")
    if not isinstance(data, dict):
        raise InputError("the webhook's 'data' is not an object")
    if _depth(payload) > MAX_DEPTH:
        raise InputError(f"the webhook body nests deeper than {MAX_DEPTH} levels")
    return store_hash, scope, event_hash, data


class WebhookIntake:
    def __init__(
        self, jobs: JobService, secrets: WebhookSecrets, routes: tuple[EventRoute, ...] = EVENT_ROUTES
    ) -> None:
        self.jobs = jobs
        self.secrets = secrets
        self.routes = routes

    def receive(self, payload: Any) -> Received:
        store_hash, scope, event_hash, _ = parse_callback(payload)
        event = self.jobs.events.add(store_hash, scope, event_hash, payload)
        if event is None:
            unrouted = self._unrouted(store_hash, event_hash)
            if unrouted is not None:
                # stored, but routing it failed (the sender got a 500 and sent it again): route it now,
                # or the hint would be lost for good
                log.info("webhook %s from store %s: routing event %s again", scope, store_hash, unrouted.id)
                return Received(self._route(unrouted, replay=False), False)
            log.info("webhook %s from store %s dropped: hash %s was received before", scope, store_hash, event_hash)
            return Received(None, True)
        return Received(self._route(event, replay=False), False)

    def replay(self, event_id: int) -> WebhookEvent:
        return self._route(self.jobs.events.get(event_id), replay=True)

    def _route(self, event: WebhookEvent, *, replay: bool) -> WebhookEvent:
        _, scope, _, data = parse_callback(event.payload)
        connections = self._connections(event.store_hash)
        job_ids: list[int] = []
        notes: list[str] = []
        if not connections:
            notes.append(f"no connection for store {event.store_hash}")
        for connection in connections:
            for route in self.routes:
                if scope not in route.scopes or not connection.role.includes(route.role):
                    continue
                if route.operation not in self.jobs.registry:
                    notes.append(f"{route.operation} is not available")
                    continue
                params = route.params(data)
                if params is None:
                    notes.append(f"{scope}: no usable id in the event data")
                    continue
                targets = route.targets(connection, self.jobs.services)
                if not targets:
                    notes.append(f"{route.operation}: no connection to run it for")
                then = tuple(follow for follow in route.then if follow.operation in self.jobs.registry)
                for target in targets:
                    submitted = self.jobs.submit(
                        JobRequest(
                            route.operation,
                            target.id,
                            params,
                            Trigger.WEBHOOK,
                            f"webhook event {event.id}" + (" (replay)" if replay else ""),
                            then=then,
                        )
                    )
                    job_ids.append(submitted.job.id)
        status = "queued" if job_ids else "ignored"
        detail = "; ".join(dict.fromkeys(notes)) or None
        self.jobs.events.settle(event.id, status, detail, job_ids, replay=replay)
        return self.jobs.events.get(event.id)

    def _unrouted(self, store_hash: str, event_hash: str) -> WebhookEvent | None:
        """The stored event with this hash if it was never settled (queued or ignored)."""
        with self.jobs.services.sessions() as session:
            event_id = session.scalar(
                select(WebhookEventRow.id).where(
                    WebhookEventRow.store_hash == store_hash,
                    WebhookEventRow.hash == event_hash,
                    WebhookEventRow.status == RECEIVED,
                )
            )
        return None if event_id is None else self.jobs.events.get(event_id)

    def _connections(self, store_hash: str) -> list[Connection]:
        with self.jobs.services.sessions() as session:
            ids = list(session.scalars(select(ConnectionRow.id).where(ConnectionRow.store_hash == store_hash)))
        found = [self.jobs.services.connections.get(connection_id) for connection_id in ids]
        return [connection for connection in found if connection.enabled]


# -- the keeper ------------------------------------------------------------------------------------


def _keeper_body(ctx: JobContext) -> OperationBody:
    public_url = ctx.services.public_url
    secret_of = ctx.services.webhook_secret
    remove_all = bool(ctx.params.get("remove"))

    async def body(run: OperationRun) -> None:
        if not public_url or secret_of is None:
            raise PermanentError(
                "webhooks need the address BigCommerce reaches bchub at: set BCHUB_PUBLIC_URL (e.g. https://hub.example.com)"
            )
        destination = receiver_url(public_url)
        secret = secret_of()
        wanted = [] if remove_all else wanted_scopes(run.connection.role)
        ours = [hook async for hook in run.client.hooks.list() if hook.destination == destination]
        present = {hook.scope: hook for hook in ours}
        for scope in wanted:
            await _keep_one(run, scope, present.get(scope), destination, secret)
        for hook in ours:
            if hook.scope not in wanted:
                await _item(run, hook.scope, _delete(run, hook))
        run.summary["hooks"] = len(wanted)

    return body


async def _keep_one(run: OperationRun, scope: str, hook: Hook | None, destination: str, secret: str) -> None:
    headers = {SECRET_HEADER: secret}
    if hook is None:
        await _item(run, scope, _create(run, scope, destination, headers))
        return
    current = {key.lower(): value for key, value in (hook.headers or {}).items()}
    if hook.is_active and current.get(SECRET_HEADER.lower()) == secret:
        _record(run, scope, Outcome.UNCHANGED, None)
        return
    why = "re-activated (BigCommerce had deactivated it)" if not hook.is_active else "secret header refreshed"
    await _item(run, scope, _update(run, hook, headers, why))


async def _create(
    run: OperationRun, scope: str, destination: str, headers: dict[str, str]
) -> tuple[Outcome, str | None]:
    try:
        await run.client.hooks.create(HookInput(scope=scope, destination=destination, is_active=True, headers=headers))
    except WriteOutcomeUnknown:
        if await run.client.hooks.find(scope, destination) is None:  # the POST did not land: send it again
            await run.client.hooks.create(
                HookInput(scope=scope, destination=destination, is_active=True, headers=headers)
            )
    return Outcome.CREATED, None


async def _update(run: OperationRun, hook: Hook, headers: dict[str, str], why: str) -> tuple[Outcome, str | None]:
    await run.client.hooks.update(hook.id, HookInput(is_active=True, headers=headers))
    return Outcome.UPDATED, why


async def _delete(run: OperationRun, hook: Hook) -> tuple[Outcome, str | None]:
    await run.client.hooks.delete(hook.id)
    return Outcome.DELETED, "no longer wanted"


async def _item(run: OperationRun, scope: str, change: Any) -> None:
    """Apply one hook change; a refusal of that one hook is its item's failure, not the run's."""
    try:
        outcome, reason = await change
    except (AuthFailed, ScopeMissing, RateLimited):
        raise
    except BigCommerceError as exc:
        outcome, reason = Outcome.FAILED, str(exc)
    _record(run, scope, outcome, reason)


def _record(run: OperationRun, scope: str, outcome: Outcome, reason: str | None) -> None:
    with run.sessions.begin() as session:
        run.record(session, ItemOutcome("webhook", scope, outcome, reason))


KEEP_WEBHOOKS = body_operation(
    "keep_webhooks",
    "keep webhook subscriptions",
    _keeper_body,
    interval_s=3600,
)

"""Webhook delivery: store events → ``POST`` to every matching active hook, with BigCommerce's retries.

``WebhookDispatcher`` listens to ``Sandbox.publish`` and queues one job per matching hook. A
background thread with its own event loop delivers the jobs, so delivery never runs on a request's
path and works the same under ``bcsandbox serve``, ``LiveServer`` and plain in-process tests (where
no ASGI lifespan runs). Only a 2xx response whose headers stay within BigCommerce's limits counts
as success; a failure is retried after 60, 180, … 86,400 s (times ``settings.webhook_retry_scale``,
measured on the sandbox clock so advancing the clock makes retries due), and when the last retry
fails the hook is deactivated and the deactivation recorded for ``GET /v3/hooks/admin``.

Callbacks carry the documented payload and the subscription's custom headers, plus Standard
Webhooks signature headers keyed with the account's client secret (the header names are what the
DIGEST marks UNCONFIRMED). Jobs of one hook go out one at a time, in order; hooks run in parallel.

A store's webhook fault rules (``bcsandbox.faults.WebhookFaultRule``, set with
``store.faults.add_webhook`` or ``POST /_sandbox/stores/{hash}/webhooks/faults/new``) make the
dispatcher drop a delivery, send it twice (same hash), or send it late so later events overtake
it; the delivery log marks each such delivery in ``fault``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
import httpx
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bcsandbox.events import StoreEvent
from bcsandbox.faults import DeliveryDecision, WebhookFaultRule
from bcsandbox.state import Sandbox

RETRY_SCHEDULE_S: tuple[int, ...] = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
MAX_RESPONSE_HEADERS = 64
MAX_RESPONSE_HEADER_NAME = 64
MAX_RESPONSE_HEADER_VALUE = 8 * 1024
IDLE_WAIT_S = 0.1  # longest sleep, so a moved sandbox clock is noticed soon
USER_AGENT = "bcsandbox-webhooks/1.0"

AnyTransport = httpx.AsyncBaseTransport | httpx.BaseTransport

DELIVERED = "delivered"
RETRYING = "retrying"
DEACTIVATED = "deactivated"
DROPPED = "dropped"

# what a webhook fault rule did to a delivery (``DeliveryRecord.fault``)
FAULT_DROPPED = "dropped"
FAULT_DUPLICATE = "duplicate"  # the second copy of an event sent twice
FAULT_LATE = "late"


def _fault_label(decision: DeliveryDecision, copy: int) -> str | None:
    if copy == 1:
        return FAULT_DUPLICATE
    return FAULT_LATE if decision.delayed else None


# -- payloads -------------------------------------------------------------------------------
def callback_payload(store_id: int, event: StoreEvent) -> dict[str, Any]:
    """The body BigCommerce posts, as in ``docs/webhooks/callbacks/data/*.json``.

    ``hash`` is the SHA-1 of the rest of the payload (sorted-key JSON), so every delivery and
    retry of one event carries the same hash and two events differ unless scope, data and
    second all coincide.
    """
    identity = {
        "scope": event.scope,
        "store_id": str(store_id),
        "data": event.data,
        "created_at": event.created_at,
        "producer": f"stores/{event.store_hash}",
    }
    digest = hashlib.sha1(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return {
        "scope": event.scope,
        "store_id": str(store_id),
        "data": event.data,
        "hash": digest,
        "created_at": event.created_at,
        "producer": f"stores/{event.store_hash}",
    }


def signature_headers(client_secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers; the secret is ``base64(client_secret)``, i.e. the key is the secret's bytes."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(client_secret.encode(), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def response_header_problem(headers: httpx.Headers) -> str | None:
    """Why BigCommerce would not accept a 2xx because of its response headers, or None."""
    items = headers.raw
    if len(items) > MAX_RESPONSE_HEADERS:
        return f"the response has {len(items)} headers; at most {MAX_RESPONSE_HEADERS} are accepted"
    for name, value in items:
        if len(name) > MAX_RESPONSE_HEADER_NAME:
            return f"response header name {name[:20]!r}… is longer than {MAX_RESPONSE_HEADER_NAME} bytes"
        if len(value) > MAX_RESPONSE_HEADER_VALUE:
            return f"response header {name.decode('latin-1')!r} is longer than {MAX_RESPONSE_HEADER_VALUE} bytes"
    return None


# -- outbound HTTP --------------------------------------------------------------------------
class Outbound:
    """One HTTP client for callbacks over any httpx transport, async or sync (e.g. WSGI apps)."""

    def __init__(self, transport: AnyTransport | None, timeout: float) -> None:
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None
        if isinstance(transport, httpx.BaseTransport):
            self._sync = httpx.Client(transport=transport, timeout=timeout)
        else:
            self._async = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        if self._sync is not None:
            client = self._sync
            return await asyncio.to_thread(
                lambda: client.request(method, url, headers=headers, content=content, params=params)
            )
        assert self._async is not None
        return await self._async.request(method, url, headers=headers, content=content, params=params)

    async def aclose(self) -> None:
        if self._sync is not None:
            self._sync.close()
        if self._async is not None:
            await self._async.aclose()

    async def __aenter__(self) -> Outbound:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# -- the delivery log and queue -------------------------------------------------------------
@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery attempt (or a job dropped because its hook went away or was switched off)."""

    at: float  # sandbox-clock Unix time of the attempt
    store_hash: str
    hook_id: int
    client_id: str | None
    destination: str | None
    scope: str
    hash: str
    attempt: int  # 1 for the first try, 2 … 12 for the retries
    status: int | None  # HTTP status, None when no response came back
    error: str | None
    outcome: str  # delivered | retrying | deactivated | dropped
    next_attempt_at: float | None = None
    fault: str | None = None  # dropped | duplicate | late: what a webhook fault rule did to it

    @property
    def ok(self) -> bool:
        return self.outcome == DELIVERED

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "store_hash": self.store_hash,
            "hook_id": self.hook_id,
            "client_id": self.client_id,
            "destination": self.destination,
            "scope": self.scope,
            "hash": self.hash,
            "attempt": self.attempt,
            "status": self.status,
            "error": self.error,
            "outcome": self.outcome,
            "ok": self.ok,
            "next_attempt_at": self.next_attempt_at,
            "fault": self.fault,
        }


@dataclass
class _Job:
    due: float
    seq: int
    store_hash: str
    hook_id: int
    scope: str
    event_hash: str
    message_id: str
    body: bytes
    attempt: int = 1
    fault: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.store_hash, self.hook_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "store_hash": self.store_hash,
            "hook_id": self.hook_id,
            "scope": self.scope,
            "hash": self.event_hash,
            "attempt": self.attempt,
            "fault": self.fault,
        }


@dataclass(frozen=True)
class _Target:
    """What a job needs from its hook at send time (read under the sandbox lock)."""

    client_id: str
    destination: str
    headers: dict[str, str]
    client_secret: str | None


_running: weakref.WeakKeyDictionary[Sandbox, WebhookDispatcher] = weakref.WeakKeyDictionary()
_running_lock = threading.Lock()


def dispatcher_for(sandbox: Sandbox) -> WebhookDispatcher | None:
    """The dispatcher currently delivering ``sandbox``'s webhooks, if any."""
    with _running_lock:
        return _running.get(sandbox)


class WebhookDispatcher:
    """Delivers ``sandbox``'s webhook events; ``transport`` lets tests deliver into an ASGI/WSGI app.

    Use as a context manager (``with WebhookDispatcher(sandbox, transport) as dispatcher:``) or
    ``start()``/``stop()``. Only one dispatcher runs per sandbox, so events are never delivered twice.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        transport: AnyTransport | None = None,
        *,
        max_in_flight: int = 32,
        log_size: int = 100_000,
    ) -> None:
        self.sandbox = sandbox
        self.transport = transport
        self.max_in_flight = max_in_flight
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._busy: set[tuple[str, int]] = set()
        self._log: deque[DeliveryRecord] = deque(maxlen=log_size)
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 5.0) -> WebhookDispatcher:
        with _running_lock:
            other = _running.get(self.sandbox)
            if other is not None and other is not self:
                raise RuntimeError(
                    "another WebhookDispatcher is already delivering this sandbox's webhooks; "
                    "stop it first or use bcsandbox.webhooks.dispatcher_for(sandbox)"
                )
            if self.running:
                return self
            _running[self.sandbox] = self
        ready = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._thread_main, args=(ready,), name="bcsandbox-webhooks", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the webhook dispatcher thread did not start")
        self.sandbox.subscribe(self._on_event)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop delivering; jobs still queued stay queued (in memory) for a later ``start()``."""
        self.sandbox.unsubscribe(self._on_event)
        with _running_lock:
            if _running.get(self.sandbox) is self:
                del _running[self.sandbox]
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
        self._poke()
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> WebhookDispatcher:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- what tests look at -----------------------------------------------------------------
    @property
    def deliveries(self) -> list[DeliveryRecord]:
        with self._cond:
            return list(self._log)

    def clear_deliveries(self) -> None:
        with self._cond:
            self._log.clear()

    @property
    def pending(self) -> list[dict[str, Any]]:
        with self._cond:
            return [job.as_dict() for job in sorted(self._jobs, key=lambda job: (job.due, job.seq))]

    def flush(self, timeout: float = 10.0, *, wait_for_retries: bool = False) -> None:
        """Block until nothing is due now and nothing is in flight (or the queue is empty).

        With ``wait_for_retries`` also wait for every scheduled retry, which suits a tiny
        ``webhook_retry_scale``. Raises ``TimeoutError`` if that does not happen in ``timeout`` s.
        """
        if not self.running:
            raise RuntimeError("the webhook dispatcher is not running; call start() first")
        deadline = time.monotonic() + timeout
        self._poke()
        with self._cond:
            while self._busy or self._has_due(wait_for_retries):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"webhook flush timed out after {timeout} s: {len(self._busy)} in flight, "
                        f"{len(self._jobs)} queued"
                    )
                self._cond.wait(min(remaining, 0.05))

    async def aflush(self, timeout: float = 10.0, *, wait_for_retries: bool = False) -> None:
        """``flush`` for async code: waits in a worker thread so the caller's loop keeps running."""
        await anyio.to_thread.run_sync(lambda: self.flush(timeout, wait_for_retries=wait_for_retries))

    # -- event intake (runs on the publisher's thread, usually under the sandbox lock) -------
    def _on_event(self, event: StoreEvent) -> None:
        with self.sandbox.lock:
            store = self.sandbox.stores.get(event.store_hash)
            if store is None:
                return
            hooks = [
                (hook.id, store.faults.decide_delivery(event.scope, self.sandbox.random))
                for hook in store.hooks.matching(event.scope)
            ]
            payload = callback_payload(store.store_id, event)
        if not hooks:
            return
        body = orjson.dumps(payload)
        now = self._now()
        with self._cond:
            for hook_id, decision in hooks:
                if decision.dropped:
                    self._log.append(self._dropped_by_fault(event, hook_id, payload["hash"], decision))
                for copy, delay in enumerate(decision.delays):
                    self._jobs.append(
                        _Job(
                            due=now + delay,
                            seq=next(self._seq),
                            store_hash=event.store_hash,
                            hook_id=hook_id,
                            scope=event.scope,
                            event_hash=payload["hash"],
                            message_id=f"msg_{uuid.uuid4().hex}",
                            body=body,
                            fault=_fault_label(decision, copy),
                        )
                    )
            self._cond.notify_all()
        self._poke()

    def _dropped_by_fault(
        self, event: StoreEvent, hook_id: int, event_hash: str, decision: DeliveryDecision
    ) -> DeliveryRecord:
        return DeliveryRecord(
            at=self._now(),
            store_hash=event.store_hash,
            hook_id=hook_id,
            client_id=None,
            destination=None,
            scope=event.scope,
            hash=event_hash,
            attempt=1,
            status=None,
            error=f"dropped by webhook fault rule {decision.rule_id}",
            outcome=DROPPED,
            fault=FAULT_DROPPED,
        )

    # -- the worker thread ------------------------------------------------------------------
    def _thread_main(self, ready: threading.Event) -> None:
        asyncio.run(self._main(ready))

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        ready.set()
        tasks: set[asyncio.Task[None]] = set()
        async with Outbound(self.transport, self.sandbox.settings.webhook_timeout_s) as outbound:
            while True:
                self._wake.clear()
                with self._cond:
                    if self._stopping:
                        break
                    jobs = self._take_due()
                    wait = self._idle_wait()
                for job in jobs:
                    task = asyncio.create_task(self._deliver(job, outbound))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            # the loop may close between the check and the call: then nothing is left to wake
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def _now(self) -> float:
        return time.time() + self.sandbox.clock.offset.total_seconds()

    def _has_due(self, include_future: bool) -> bool:
        now = self._now()
        return any(include_future or job.due <= now for job in self._jobs)

    def _take_due(self) -> list[_Job]:
        """Due jobs, at most one per hook and within ``max_in_flight``; caller holds ``_cond``."""
        now = self._now()
        room = self.max_in_flight - len(self._busy)
        taken: list[_Job] = []
        for job in sorted(self._jobs, key=lambda job: (job.due, job.seq)):
            if room <= 0 or job.due > now:
                break
            if job.key in self._busy:
                continue
            self._busy.add(job.key)
            taken.append(job)
            room -= 1
        for job in taken:
            self._jobs.remove(job)
        return taken

    def _idle_wait(self) -> float:
        """How long to sleep; a finished delivery or a new event wakes the loop earlier."""
        waiting = [job.due for job in self._jobs if job.key not in self._busy]
        if not waiting or len(self._busy) >= self.max_in_flight:
            return IDLE_WAIT_S
        return max(0.0, min(IDLE_WAIT_S, min(waiting) - self._now()))

    async def _deliver(self, job: _Job, outbound: Outbound) -> None:
        retry: _Job | None = None
        try:
            record, retry = await self._attempt(job, outbound)
        except asyncio.CancelledError:
            with self._cond:
                self._busy.discard(job.key)
                self._jobs.append(job)  # stopped mid-flight: try again after a restart
                self._cond.notify_all()
            raise
        with self._cond:
            self._busy.discard(job.key)
            self._log.append(record)
            if retry is not None:
                self._jobs.append(retry)
            self._cond.notify_all()
        if self._wake is not None:
            self._wake.set()

    async def _attempt(self, job: _Job, outbound: Outbound) -> tuple[DeliveryRecord, _Job | None]:
        target, reason = self._target(job)
        if target is None:
            return self._record(job, None, None, reason, DROPPED), None
        headers = {
            **target.headers,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if target.client_secret:
            headers.update(signature_headers(target.client_secret, job.message_id, int(self._now()), job.body))
        status: int | None = None
        error: str | None = None
        try:
            response = await outbound.request("POST", target.destination, headers=headers, content=job.body)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the destination answered {status}; only 2xx counts as delivered"
            else:
                error = response_header_problem(response.headers)
        except Exception as exc:  # any failure to get an answer is a failed delivery, as on BigCommerce
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if error is None:
            return self._record(job, target, status, None, DELIVERED), None
        return self._after_failure(job, target, status, error)

    def _after_failure(
        self, job: _Job, target: _Target, status: int | None, error: str
    ) -> tuple[DeliveryRecord, _Job | None]:
        if job.attempt <= len(RETRY_SCHEDULE_S):
            delay = RETRY_SCHEDULE_S[job.attempt - 1] * self.sandbox.settings.webhook_retry_scale
            retry = _Job(
                due=self._now() + delay,
                seq=next(self._seq),
                store_hash=job.store_hash,
                hook_id=job.hook_id,
                scope=job.scope,
                event_hash=job.event_hash,
                message_id=job.message_id,
                body=job.body,
                attempt=job.attempt + 1,
                fault=job.fault,
            )
            return self._record(job, target, status, error, RETRYING, next_attempt_at=retry.due), retry
        reason = f"{len(RETRY_SCHEDULE_S)} retries failed; last error: {error}"
        with self.sandbox.lock:
            store = self.sandbox.stores.get(job.store_hash)
            if store is not None:
                store.hooks.deactivate(job.hook_id, reason)
        return self._record(job, target, status, error, DEACTIVATED), None

    def _target(self, job: _Job) -> tuple[_Target | None, str]:
        with self.sandbox.lock:
            store = self.sandbox.stores.get(job.store_hash)
            if store is None:
                return None, f"store {job.store_hash!r} no longer exists"
            hook = store.hooks.find(job.hook_id)
            if hook is None:
                return None, f"webhook {job.hook_id} was deleted"
            if not hook.is_active:
                return None, f"webhook {job.hook_id} is not active"
            secret = next(
                (
                    account.client_secret
                    for account in store.accounts.values()
                    if account.client_id == hook.client_id and account.client_secret
                ),
                None,
            )
            return _Target(hook.client_id, hook.destination, dict(hook.headers or {}), secret), ""

    def _record(
        self,
        job: _Job,
        target: _Target | None,
        status: int | None,
        error: str | None,
        outcome: str,
        *,
        next_attempt_at: float | None = None,
    ) -> DeliveryRecord:
        return DeliveryRecord(
            at=self._now(),
            store_hash=job.store_hash,
            hook_id=job.hook_id,
            client_id=target.client_id if target else None,
            destination=target.destination if target else None,
            scope=job.scope,
            hash=job.event_hash,
            attempt=job.attempt,
            status=status,
            error=error,
            outcome=outcome,
            next_attempt_at=next_attempt_at,
            fault=job.fault,
        )


def start_dispatcher(sandbox: Sandbox, transport: AnyTransport | None = None) -> WebhookDispatcher | None:
    """Start a dispatcher for ``sandbox`` unless one already runs (then return None)."""
    with _running_lock:
        if sandbox in _running:
            return None
    return WebhookDispatcher(sandbox, transport).start()


# -- control plane --------------------------------------------------------------------------
Endpoint = Callable[[Request], Awaitable[Response]]


def _filter(records: Iterable[DeliveryRecord], request: Request) -> list[DeliveryRecord]:
    query = request.query_params
    hook_id = query.get("hook_id")
    return [
        record
        for record in records
        if (not query.get("store_hash") or record.store_hash == query["store_hash"])
        and (not query.get("scope") or record.scope == query["scope"])
        and (not query.get("outcome") or record.outcome == query["outcome"])
        and (not hook_id or str(record.hook_id) == hook_id)
    ]


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """``/_sandbox/webhooks/...``: the delivery log, the queue, flush, and per-store hook bookkeeping."""

    def with_dispatcher(fn: Callable[[Request, WebhookDispatcher], Awaitable[Response]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            dispatcher = dispatcher_for(sandbox)
            if dispatcher is None:
                return JSONResponse(
                    {
                        "status": 409,
                        "title": "No webhook dispatcher is running for this sandbox; it starts with the "
                        "server (lifespan) or with WebhookDispatcher(sandbox).start().",
                    },
                    status_code=409,
                )
            return await fn(request, dispatcher)

        return endpoint

    async def deliveries(request: Request, dispatcher: WebhookDispatcher) -> Response:
        records = _filter(dispatcher.deliveries, request)
        return JSONResponse({"count": len(records), "deliveries": [record.as_dict() for record in records]})

    async def clear(request: Request, dispatcher: WebhookDispatcher) -> Response:
        dispatcher.clear_deliveries()
        return Response(status_code=204)

    async def pending(request: Request, dispatcher: WebhookDispatcher) -> Response:
        jobs = dispatcher.pending
        return JSONResponse({"count": len(jobs), "pending": jobs})

    async def flush(request: Request, dispatcher: WebhookDispatcher) -> Response:
        raw = await request.body()
        body = orjson.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            return JSONResponse({"status": 422, "title": "the body must be a JSON object"}, status_code=422)
        try:
            await dispatcher.aflush(
                float(body.get("timeout", 10.0)), wait_for_retries=bool(body.get("wait_for_retries", False))
            )
        except TimeoutError as exc:
            return JSONResponse({"status": 504, "title": str(exc)}, status_code=504)
        return JSONResponse({"flushed": True, "pending": len(dispatcher.pending)})

    async def store_hooks(request: Request) -> Response:
        with sandbox.lock:
            store = sandbox.stores.get(request.path_params["store_hash"])
            if store is None:
                return JSONResponse({"status": 404, "title": "no such store"}, status_code=404)
            return JSONResponse(
                {
                    "hooks": [hook.admin_dict() for hook in store.hooks.state.hooks.values()],
                    "notifications": [note.as_dict() for note in store.hooks.notifications()],
                }
            )

    prefix = "/_sandbox/webhooks"
    return [
        Route(prefix + "/deliveries", with_dispatcher(deliveries), methods=["GET"]),
        Route(prefix + "/deliveries/clear", with_dispatcher(clear), methods=["POST"]),
        Route(prefix + "/pending", with_dispatcher(pending), methods=["GET"]),
        Route(prefix + "/flush", with_dispatcher(flush), methods=["POST"]),
        Route("/_sandbox/stores/{store_hash}/webhooks", store_hooks, methods=["GET"]),
        *_fault_routes(sandbox),
    ]


def _fault_routes(sandbox: Sandbox) -> list[BaseRoute]:
    """``/_sandbox/stores/{hash}/webhooks/faults``: list, add (``/new``) and clear (``/clear``) webhook fault rules.

    A rule is removed by id with the store's ``/faults/{id}/delete``, like an API fault rule.
    """

    def no_store() -> Response:
        return JSONResponse({"status": 404, "title": "no such store"}, status_code=404)

    async def list_rules(request: Request) -> Response:
        with sandbox.lock:
            store = sandbox.stores.get(request.path_params["store_hash"])
            if store is None:
                return no_store()
            return JSONResponse([rule.as_dict() for rule in store.faults.webhook_rules])

    async def add_rule(request: Request) -> Response:
        raw = await request.body()
        try:
            body = orjson.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            rule = WebhookFaultRule.from_dict(body)
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            return JSONResponse({"status": 422, "title": str(exc)}, status_code=422)
        with sandbox.lock:
            store = sandbox.stores.get(request.path_params["store_hash"])
            if store is None:
                return no_store()
            store.faults.add_webhook(rule)
        return JSONResponse(rule.as_dict(), status_code=201)

    async def clear_rules(request: Request) -> Response:
        with sandbox.lock:
            store = sandbox.stores.get(request.path_params["store_hash"])
            if store is None:
                return no_store()
            store.faults.clear_webhooks()
        return Response(status_code=204)

    prefix = "/_sandbox/stores/{store_hash}/webhooks/faults"
    return [
        Route(prefix, list_rules, methods=["GET"]),
        Route(prefix + "/new", add_rule, methods=["POST"]),
        Route(prefix + "/clear", clear_rules, methods=["POST"]),
    ]

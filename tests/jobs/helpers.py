"""Operations and helpers the job tests share: real operations on the sandbox, no stand-ins for bchub code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bchub.app import Hub
from bchub.bigcommerce.errors import RateLimited, ServerError
from bchub.domain.connections import Connection, Role
from bchub.domain.runs import ItemOutcome, Outcome
from bchub.errors import PermanentError, RetryableError
from bchub.jobs.registry import JobContext, OperationSpec, body_operation
from bchub.sync.connections import CredentialInput, NewConnection
from bchub.sync.runner import OperationBody, OperationRun
from bcsandbox import Store


def add_connection(hub: Hub, store: Store, name: str = "shop", role: Role = Role.MERCHANT) -> Connection:
    token = next(iter(store.accounts))
    return hub.connections.add(
        NewConnection(role, CredentialInput(store_hash=store.hash, access_token=token), name=name)
    )


class Clock:
    """A settable UTC clock for the scheduler and the queue."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def probe_operation(name: str = "probe") -> OperationSpec:
    """Reads the store's clock and records one item: one real API request per run."""

    def make(ctx: JobContext) -> OperationBody:
        async def body(run: OperationRun) -> None:
            await run.client.store.time()
            with run.sessions.begin() as session:
                run.record(session, ItemOutcome("store", run.connection.store_hash, Outcome.UNCHANGED))

        return body

    return body_operation(name, "read the store's clock", make)


@dataclass
class Gate:
    """Holds ``gated`` runs until released; counts how many are inside at once."""

    opened: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    inside: int = 0
    most_inside: int = 0


def gated_operation(gate: Gate, name: str = "gated") -> OperationSpec:
    def make(ctx: JobContext) -> OperationBody:
        async def body(run: OperationRun) -> None:
            gate.inside += 1
            gate.most_inside = max(gate.most_inside, gate.inside)
            gate.entered.set()
            try:
                await gate.opened.wait()
            finally:
                gate.inside -= 1
            with run.sessions.begin() as session:
                run.record(session, ItemOutcome("step", str(ctx.params.get("n", 0)), Outcome.CREATED))

        return body

    return body_operation(name, "wait at a gate", make)


FAILURES: dict[str, Callable[[], BaseException]] = {
    "retryable": lambda: RetryableError("vendor items are not imported yet", delay=42),
    "ratelimited": lambda: RateLimited(
        "Too Many Requests", reset_ms=12_000, status=429, method="GET", path="/v2/orders"
    ),
    "server": lambda: ServerError("Service Unavailable", status=503, method="GET", path="/v2/orders"),
    "permanent": lambda: PermanentError("the vendor's settings name no order status"),
    "bug": lambda: KeyError("variant_id"),
}


def failing_operation(name: str = "failing") -> OperationSpec:
    """Fails with ``FAILURES[params["failure"]]`` while ``params["fail_times"]`` (default: always) allows."""
    attempts: dict[str, int] = {}  # per identity key, so a retried job (a new job) counts on

    def make(ctx: JobContext) -> OperationBody:
        async def body(run: OperationRun) -> None:
            count = attempts[ctx.job.identity_key] = attempts.get(ctx.job.identity_key, 0) + 1
            limit = int(ctx.params.get("fail_times", 1_000))
            if count <= limit:
                raise FAILURES[str(ctx.params["failure"])]()
            with run.sessions.begin() as session:
                run.record(session, ItemOutcome("step", "done", Outcome.CREATED))

        return body

    return body_operation(name, "fail on purpose", make)

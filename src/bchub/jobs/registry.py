"""Operations a job can run, by name: adding one is one ``registry.add(...)`` line.

An operation is an async callable taking a ``JobContext`` and returning the finished ``Run``;
almost all of them are a ``bchub.sync`` body run through ``bchub.sync.runner.execute``, which
``JobContext.execute`` does while noting the exception that stopped the body (if any), so the
job layer can tell a 429 from a 422 without parsing messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bchub.domain.connections import Connection, Role
from bchub.domain.runs import Run
from bchub.errors import InputError
from bchub.jobs.model import FollowUp, Job
from bchub.sync.connections.service import ClientFactory, ConnectionService
from bchub.sync.runner import OperationBody, OperationRun, execute


@dataclass(frozen=True)
class Services:
    """What operations need from the hub (the composition root fills it in)."""

    sessions: sessionmaker[Session]
    connections: ConnectionService
    clients: ClientFactory
    public_url: str | None = None  # where BigCommerce reaches our webhook receiver
    webhook_secret: Callable[[], str] | None = None  # the value of our hooks' secret header


@dataclass
class JobContext:
    """One attempt of one job: the job, the connection, and what the attempt noticed."""

    job: Job
    connection: Connection
    services: Services
    run_id: int | None = None  # known as soon as the run is opened
    error: BaseException | None = None  # what stopped the operation's body, if anything
    on_run_started: Callable[[int], None] | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)  # decided while running, submitted on success

    def follow(self, operation: str, params: dict[str, Any] | None = None, *, connection_id: int | None = None) -> None:
        """Submit ``operation`` (for this connection, or ``connection_id``) once this job has succeeded or ended partial."""
        self.follow_ups.append(FollowUp(operation, dict(params or {}), connection_id))

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    async def execute(self, body: OperationBody, operation: str | None = None) -> Run:
        """Run ``body`` as this job's recorded run (see ``bchub.sync.runner.execute``)."""

        async def watched(run: OperationRun) -> None:
            self.run_id = run.run.id
            if self.on_run_started is not None:
                self.on_run_started(run.run.id)
            try:
                await body(run)
            except BaseException as exc:
                self.error = exc
                raise

        run = await execute(
            operation or self.job.operation,
            self.connection,
            watched,
            sessions=self.services.sessions,
            connections=self.services.connections,
            clients=self.services.clients,
            trigger=self.job.trigger,
            params=self.job.params,
        )
        if self.run_id is None:  # the runner refused before the body started (disabled, no token)
            self.run_id = run.id
            if self.on_run_started is not None:
                self.on_run_started(run.id)
        return run


OperationRunner = Callable[[JobContext], Awaitable[Run]]
BodyFactory = Callable[[JobContext], OperationBody]


@dataclass(frozen=True)
class OperationSpec:
    name: str
    title: str
    run: OperationRunner
    roles: frozenset[Role] = frozenset({Role.MERCHANT, Role.VENDOR})  # what the connection must act as
    exclusive: bool = True  # one run per connection at a time
    runs_when_paused: bool = False  # e.g. the connection test, which is how a paused connection resumes
    interval_s: int = 900  # a new schedule's interval
    schedule_params: dict[str, Any] = field(default_factory=dict)
    # a list param (e.g. "product_ids") whose jobs gather while waiting: a second request adds its
    # values to the job already queued instead of queueing another (webhook bursts become one job)
    merge_param: str | None = None

    def allows(self, connection: Connection) -> bool:
        return any(connection.role.includes(role) for role in self.roles)


def body_operation(name: str, title: str, make_body: BodyFactory, **options: Any) -> OperationSpec:
    """An operation whose work is one ``sync`` body: ``make_body(ctx)`` gives it, the runner records it."""

    async def run(ctx: JobContext) -> Run:
        return await ctx.execute(make_body(ctx))

    return OperationSpec(name=name, title=title, run=run, **options)


class Registry:
    def __init__(self, specs: tuple[OperationSpec, ...] | list[OperationSpec] = ()) -> None:
        self._specs: dict[str, OperationSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: OperationSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"operation {spec.name!r} is registered twice")
        self._specs[spec.name] = spec

    def get(self, name: str) -> OperationSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise InputError(f"unknown operation {name!r}; choose from {', '.join(sorted(self._specs))}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[OperationSpec]:
        return iter(self._specs.values())

    def names(self) -> list[str]:
        return sorted(self._specs)

    def copy(self) -> Registry:
        return Registry(list(self._specs.values()))

"""Running one operation for one connection as a recorded run.

``execute`` opens the run, gives the operation an ``OperationRun`` to report item outcomes
into, and closes the run with its status and the API requests it spent. It is where errors are
classified for every operation alike: a 401/403 marks the connection *needs attention*; anything
else that stops the run ends it ``failed`` with the reason (the job layer decides on retries).
Item-level failures never stop a run: the operation records them and the run ends ``partial``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import BigCommerceError
from bchub.domain.connections import Connection
from bchub.domain.runs import ItemOutcome, Run, RunStatus, Tally, Trigger
from bchub.errors import HubError, PermanentError
from bchub.storage.db import database_reason, database_unavailable
from bchub.storage.runs import RunRepository
from bchub.sync.connections.service import ClientFactory, ConnectionService

log = logging.getLogger(__name__)


@dataclass
class OperationRun:
    """What an operation reports into while it runs."""

    run: Run
    connection: Connection
    client: BigCommerceClient
    sessions: sessionmaker[Session]
    tally: Tally = field(default_factory=Tally)
    summary: dict[str, Any] = field(default_factory=dict)  # extra figures for the run's counts
    # requests to this store sent through another client (a connection test builds its own), so the
    # run's ``requests`` (and the dashboard's quota used today) count them too
    other_requests: int = 0

    @property
    def requests(self) -> int:
        return self.client.requests_sent + self.other_requests

    def record(self, session: Session, item: ItemOutcome) -> None:
        """Record an item outcome in ``session`` — the transaction that wrote the item's result."""
        RunRepository(session).record(self.run.id, item)
        self.tally.add(item.outcome)


OperationBody = Callable[[OperationRun], Awaitable[None]]


async def execute(
    operation: str,
    connection: Connection | str | int,
    body: OperationBody,
    *,
    sessions: sessionmaker[Session],
    connections: ConnectionService,
    clients: ClientFactory,
    trigger: Trigger = Trigger.USER,
    params: dict[str, Any] | None = None,
) -> Run:
    """Run ``body`` for ``connection`` as one recorded run and return the finished run."""
    current = connections.get(connection) if not isinstance(connection, Connection) else connection
    assert current.id is not None
    with sessions.begin() as session:
        run = RunRepository(session).start(operation, current.id, trigger, params)
    if current.access_token is None or not current.enabled:
        why = (
            "it has no access token (reinstall the app or edit the connection)" if current.enabled else "it is disabled"
        )
        return _finish(
            sessions, run, RunStatus.FAILED, Tally(), {}, 0, f"connection {current.name!r} cannot run: {why}"
        )
    async with clients(current.store_hash, current.access_token.reveal()) as client:
        try:
            return await _run_body(body, OperationRun(run, current, client, sessions), connections, operation)
        except Exception as exc:  # a bug, or the database gone: the run must not stay "running" for ever
            _close_crashed(sessions, run, client.requests_sent, exc)
            raise
        finally:
            await _remember_quota(connections, current, client)


def _close_crashed(sessions: sessionmaker[Session], run: Run, requests: int, exc: Exception) -> None:
    """Best effort: record the run as failed with a reason that carries no SQL or customer data.

    With the database down this fails too; the job layer (when there is one) closes it once it is back.
    """
    if database_unavailable(exc):
        reason = database_reason(exc)
    else:
        lines = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {lines[0] if lines else 'no message'}"[:500]
    try:
        with sessions.begin() as session:
            runs = RunRepository(session)
            if runs.get(run.id).status is RunStatus.RUNNING:
                runs.finish(run.id, RunStatus.FAILED, counts={}, requests=requests, error=reason)
    except SQLAlchemyError:
        log.warning("run %s stopped (%s) and could not be recorded as failed now", run.id, reason)


async def _run_body(
    body: Callable[[OperationRun], Awaitable[None]],
    context: OperationRun,
    connections: ConnectionService,
    operation: str,
) -> Run:
    run, current, sessions = context.run, context.connection, context.sessions
    try:
        await body(context)
    except BigCommerceError as exc:
        connections.record_api_error(current, exc)
        return _finish(sessions, run, RunStatus.FAILED, context.tally, context.summary, context.requests, str(exc))
    except HubError as exc:
        status = RunStatus.FAILED
        log.warning(
            "%s on %r failed%s: %s",
            operation,
            current.name,
            "" if isinstance(exc, PermanentError) else " (retryable)",
            exc,
        )
        return _finish(sessions, run, status, context.tally, context.summary, context.requests, str(exc))
    return _finish(sessions, run, context.tally.status(), context.tally, context.summary, context.requests, None)


async def _remember_quota(connections: ConnectionService, connection: Connection, client: BigCommerceClient) -> None:
    """Keep the store's stated quota on the connection (the dashboard's daily allowance). Best effort: a
    database error here must not replace the run's own outcome, which is already recorded."""
    try:
        await connections.remember_quota(connection, client)
    except SQLAlchemyError as exc:
        log.warning("could not save the API quota of %r: %s", connection.name, type(exc).__name__)


def _finish(
    sessions: sessionmaker[Session],
    run: Run,
    status: RunStatus,
    tally: Tally,
    summary: dict[str, Any],
    requests: int,
    error: str | None,
) -> Run:
    counts = {**dict(tally.counts), **summary}
    with sessions.begin() as session:
        return RunRepository(session).finish(run.id, status, counts=counts, requests=requests, error=error)

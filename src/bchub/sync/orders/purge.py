"""PII retention: erase customer details from orders older than a connection's retention period.

Names, emails, phones, street addresses and the customer's message go; order facts, totals,
SKUs, the country and the start of the postcode stay. A purged order stays purged when it is
read again. No API request is involved, so it runs for disabled or paused connections too
(privacy does not wait for credentials); each connection's purge is recorded as a run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bchub.domain.connections import Connection, Role
from bchub.domain.orders import pii_cutoff, purge_pii
from bchub.domain.runs import Run, RunStatus, Trigger
from bchub.storage.order_repository import OrderRepository
from bchub.storage.runs import RunRepository
from bchub.sync.orders.common import OrderDeps, settings_of

OPERATION = "purge_pii"
BATCH = 500


def purge_connection(deps: OrderDeps, connection: Connection, *, trigger: Trigger = Trigger.USER) -> Run | None:
    """Purge one merchant connection; ``None`` when it keeps customer details (no retention set)."""
    assert connection.id is not None
    settings = settings_of(connection)
    now = deps.now()
    cutoff = pii_cutoff(settings, now)
    if cutoff is None:
        return None
    with deps.sessions.begin() as session:
        run = RunRepository(session, deps.now).start(
            OPERATION, connection.id, trigger, {"retention_days": settings.pii_retention_days}
        )
    purged = 0
    while True:
        done = _purge_batch(deps.sessions, deps, connection.id, cutoff)
        purged += done
        if done < BATCH:
            break
    with deps.sessions.begin() as session:
        return RunRepository(session, deps.now).finish(
            run.id, RunStatus.SUCCEEDED, counts={"purged": purged}, requests=0
        )


def _purge_batch(sessions: sessionmaker[Session], deps: OrderDeps, connection_id: int, cutoff: datetime) -> int:
    with sessions.begin() as session:
        repository = OrderRepository(session, deps.now)
        batch = repository.purge_candidates(connection_id, cutoff, BATCH)
        if batch:
            now = deps.now()
            repository.save_purged([purge_pii(order, now) for order in batch])
        return len(batch)


def purge_all(deps: OrderDeps, reference: str | int | None = None, *, trigger: Trigger = Trigger.USER) -> list[Run]:
    """Purge one connection, or every merchant connection with a retention period (what the scheduler calls)."""
    connections = [deps.connections.get(reference)] if reference is not None else deps.connections.all()
    runs = []
    for connection in connections:
        if reference is None and not connection.role.includes(Role.MERCHANT):
            continue
        run = purge_connection(deps, connection, trigger=trigger)
        if run is not None:
            runs.append(run)
    return runs

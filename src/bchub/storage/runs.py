"""Run records: open a run, add item outcomes as they happen, close it with its status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bchub.domain.runs import ItemOutcome, Outcome, Run, RunStatus, Trigger
from bchub.errors import NotFoundError
from bchub.storage.repositories import utc_now
from bchub.storage.tables import RunItemRow, RunRow


class RunRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    def start(
        self, operation: str, connection_id: int | None, trigger: Trigger, params: dict[str, Any] | None = None
    ) -> Run:
        row = RunRow(
            operation=operation,
            connection_id=connection_id,
            trigger=trigger.value,
            params=params or {},
            status=RunStatus.RUNNING.value,
            counts={},
            requests=0,
            started_at=self._now(),
        )
        self.session.add(row)
        self.session.flush()
        return _to_domain(row)

    def record(self, run_id: int, item: ItemOutcome) -> None:
        """Add one item's outcome; committed with whatever the caller commits it with."""
        self.session.add(
            RunItemRow(
                run_id=run_id,
                kind=item.kind,
                key=item.key[:255],
                outcome=item.outcome.value,
                reason=item.reason,
                at=self._now(),
            )
        )

    def finish(
        self,
        run_id: int,
        status: RunStatus,
        *,
        counts: dict[str, int],
        requests: int,
        error: str | None = None,
    ) -> Run:
        row = self._row(run_id)
        row.status = status.value
        row.counts = dict(counts)
        row.requests = requests
        row.error = error
        row.finished_at = self._now()
        self.session.flush()
        return _to_domain(row)

    def get(self, run_id: int) -> Run:
        return _to_domain(self._row(run_id))

    def items(self, run_id: int, outcome: Outcome | None = None) -> list[ItemOutcome]:
        query = select(RunItemRow).where(RunItemRow.run_id == run_id)
        if outcome is not None:
            query = query.where(RunItemRow.outcome == outcome.value)
        rows = self.session.scalars(query.order_by(RunItemRow.id))
        return [ItemOutcome(row.kind, row.key, Outcome(row.outcome), row.reason) for row in rows]

    def recent(self, *, operation: str | None = None, connection_id: int | None = None, limit: int = 50) -> list[Run]:
        query = select(RunRow)
        if operation is not None:
            query = query.where(RunRow.operation == operation)
        if connection_id is not None:
            query = query.where(RunRow.connection_id == connection_id)
        rows = self.session.scalars(query.order_by(RunRow.id.desc()).limit(limit))
        return [_to_domain(row) for row in rows]

    def _row(self, run_id: int) -> RunRow:
        row = self.session.get(RunRow, run_id)
        if row is None:
            raise NotFoundError(f"no run with id {run_id}")
        return row


def _to_domain(row: RunRow) -> Run:
    return Run(
        id=row.id,
        operation=row.operation,
        connection_id=row.connection_id,
        trigger=Trigger(row.trigger),
        params=dict(row.params or {}),
        status=RunStatus(row.status),
        counts=dict(row.counts or {}),
        error=row.error,
        requests=row.requests,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )

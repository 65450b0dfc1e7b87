"""The binder: (connection, kind, external id) ↔ the hub's local id, unique per connection.

Every remote write is looked up here first and bound in the same transaction that records its
result, so a retry or a re-run finds the record instead of creating it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bchub.storage.repositories import utc_now
from bchub.storage.tables import BindingRow


@dataclass(frozen=True)
class Binding:
    connection_id: int
    kind: str
    external_id: str
    local_id: int
    data: dict[str, Any]


class Binder:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    def get(self, connection_id: int, kind: str, external_id: str | int) -> Binding | None:
        row = self._row(connection_id, kind, str(external_id))
        return None if row is None else _to_binding(row)

    def local_id(self, connection_id: int, kind: str, external_id: str | int) -> int | None:
        binding = self.get(connection_id, kind, external_id)
        return None if binding is None else binding.local_id

    def for_local(self, kind: str, local_id: int, connection_id: int | None = None) -> list[Binding]:
        """Every store record bound to one local record (e.g. an item's variants in all stores)."""
        query = select(BindingRow).where(BindingRow.kind == kind, BindingRow.local_id == local_id)
        if connection_id is not None:
            query = query.where(BindingRow.connection_id == connection_id)
        return [_to_binding(row) for row in self.session.scalars(query.order_by(BindingRow.id))]

    def all(self, connection_id: int, kind: str) -> dict[str, Binding]:
        """Every binding of ``kind`` for a connection, by external id (one query, for bulk runs)."""
        rows = self.session.scalars(
            select(BindingRow).where(BindingRow.connection_id == connection_id, BindingRow.kind == kind)
        )
        return {row.external_id: _to_binding(row) for row in rows}

    def bind(
        self, connection_id: int, kind: str, external_id: str | int, local_id: int, data: dict[str, Any] | None = None
    ) -> Binding:
        """Create or move the binding; ``data`` replaces what was stored when given."""
        now = self._now()
        row = self._row(connection_id, kind, str(external_id))
        if row is None:
            row = BindingRow(
                connection_id=connection_id,
                kind=kind,
                external_id=str(external_id),
                local_id=local_id,
                data=data or {},
                created_at=now,
                updated_at=now,
            )
            self.session.add(row)
        else:
            row.local_id = local_id
            if data is not None:
                row.data = dict(data)
            row.updated_at = now
        self.session.flush()
        return _to_binding(row)

    def update_data(self, connection_id: int, kind: str, external_id: str | int, **changes: Any) -> None:
        row = self._row(connection_id, kind, str(external_id))
        if row is not None:
            row.data = {**(row.data or {}), **changes}
            row.updated_at = self._now()

    def unbind(self, connection_id: int, kind: str, external_ids: Iterable[str | int]) -> int:
        removed = 0
        for external_id in external_ids:
            row = self._row(connection_id, kind, str(external_id))
            if row is not None:
                self.session.delete(row)
                removed += 1
        self.session.flush()
        return removed

    def _row(self, connection_id: int, kind: str, external_id: str) -> BindingRow | None:
        return self.session.scalars(
            select(BindingRow).where(
                BindingRow.connection_id == connection_id,
                BindingRow.kind == kind,
                BindingRow.external_id == external_id,
            )
        ).first()


def _to_binding(row: BindingRow) -> Binding:
    return Binding(row.connection_id, row.kind, row.external_id, row.local_id, dict(row.data or {}))

"""Incremental-read cursors per (connection, stream), in UTC, that only move forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bchub.storage.repositories import utc_now
from bchub.storage.tables import CursorRow


class CursorStore:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    def get(self, connection_id: int, stream: str) -> datetime | None:
        row = self.session.get(CursorRow, (connection_id, stream))
        return None if row is None else row.position

    def advance(self, connection_id: int, stream: str, position: datetime) -> datetime:
        """Move the cursor to ``position`` unless it is already further; returns where it is."""
        row = self.session.get(CursorRow, (connection_id, stream))
        if row is None:
            row = CursorRow(connection_id=connection_id, stream=stream, position=position, updated_at=self._now())
            self.session.add(row)
        elif position > row.position:
            row.position = position
            row.updated_at = self._now()
        self.session.flush()
        return row.position

    def reset(self, connection_id: int, stream: str) -> None:
        row = self.session.get(CursorRow, (connection_id, stream))
        if row is not None:
            self.session.delete(row)
            self.session.flush()

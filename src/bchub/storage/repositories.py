"""Repositories: domain objects in, domain objects out; rows and ciphertext stay in here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bchub.domain.connections import ApiQuota, AuthType, Connection, Health, HealthStatus, Role
from bchub.domain.secrets import HINT_CHARS, Secret, mask
from bchub.errors import ConflictError, NotFoundError
from bchub.storage.secrets import SecretBox
from bchub.storage.tables import ConnectionRow

BoxProvider = Callable[[], SecretBox]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _quota(row: ConnectionRow) -> ApiQuota | None:
    if row.quota_requests is None or row.quota_window_ms is None or min(row.quota_requests, row.quota_window_ms) < 1:
        return None  # never seen (or a figure no header states)
    return ApiQuota(row.quota_requests, row.quota_window_ms, row.quota_seen_at)


class StoredSecret(Secret):
    """A secret read from the database: decrypted on first ``reveal()``, written back unchanged."""

    __slots__ = ("ciphertext", "last_chars")

    def __init__(self, ciphertext: str, last_chars: str | None, box: BoxProvider, what: str) -> None:
        super().__init__(load=lambda: box().decrypt(ciphertext, what), hint="****" + (last_chars or ""))
        self.ciphertext = ciphertext
        self.last_chars = last_chars


class ConnectionRepository:
    def __init__(self, session: Session, box: BoxProvider, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._box = box
        self._now = now

    # -- reading --------------------------------------------------------------------------------
    def get(self, connection_id: int) -> Connection:
        row = self.session.get(ConnectionRow, connection_id)
        if row is None:
            raise NotFoundError(f"no connection with id {connection_id}")
        return self._to_domain(row)

    def by_name(self, name: str) -> Connection | None:
        row = self.session.scalars(select(ConnectionRow).where(ConnectionRow.name == name)).first()
        return None if row is None else self._to_domain(row)

    def find(self, reference: str | int) -> Connection:
        """By name, or by id when no connection has that name."""
        if isinstance(reference, str):
            found = self.by_name(reference.strip())
            if found is not None:
                return found
            if not reference.strip().isdigit():
                names = ", ".join(self.names()) or "none yet; add one with `bchub connections add`"
                raise NotFoundError(f"no connection named {reference.strip()!r} (connections: {names})")
            reference = int(reference.strip())
        return self.get(reference)

    def names(self) -> list[str]:
        return list(self.session.scalars(select(ConnectionRow.name).order_by(ConnectionRow.name)))

    def all(self) -> list[Connection]:
        rows = self.session.scalars(select(ConnectionRow).order_by(ConnectionRow.id))
        return [self._to_domain(row) for row in rows]

    def by_store_hash(self, store_hash: str, auth_type: AuthType | None = None) -> list[Connection]:
        query = select(ConnectionRow).where(ConnectionRow.store_hash == store_hash)
        if auth_type is not None:
            query = query.where(ConnectionRow.auth_type == auth_type.value)
        return [self._to_domain(row) for row in self.session.scalars(query.order_by(ConnectionRow.id))]

    # -- writing --------------------------------------------------------------------------------
    def add(self, connection: Connection) -> Connection:
        if connection.id is not None:
            raise ValueError("add() takes a new connection; use save() to change one")
        self._check_name_free(connection.name, None)
        now = self._now()
        row = ConnectionRow(created_at=now)
        self._fill(row, connection, now)
        self.session.add(row)
        self._flush(connection.name)
        return self._to_domain(row)

    def save(self, connection: Connection) -> Connection:
        if connection.id is None:
            raise ValueError("save() changes a stored connection; use add() for a new one")
        row = self.session.get(ConnectionRow, connection.id)
        if row is None:
            raise NotFoundError(f"no connection with id {connection.id}")
        self._check_name_free(connection.name, connection.id)
        self._fill(row, connection, self._now())
        self._flush(connection.name)
        return self._to_domain(row)

    def delete(self, connection_id: int) -> None:
        row = self.session.get(ConnectionRow, connection_id)
        if row is None:
            raise NotFoundError(f"no connection with id {connection_id}")
        self.session.delete(row)
        self.session.flush()

    # -- mapping --------------------------------------------------------------------------------
    def _check_name_free(self, name: str, own_id: int | None) -> None:
        taken = self.session.scalars(select(ConnectionRow.id).where(ConnectionRow.name == name)).first()
        if taken is not None and taken != own_id:
            raise ConflictError(f"a connection named {name!r} already exists; choose another name")

    def _flush(self, name: str) -> None:
        try:
            self.session.flush()
        except IntegrityError:
            # a concurrent writer took the name between the check and the flush
            self.session.rollback()
            raise ConflictError(f"a connection named {name!r} already exists; choose another name") from None

    def _encrypt(self, secret: Secret | None) -> tuple[str | None, str | None]:
        if secret is None:
            return None, None
        if isinstance(secret, StoredSecret):
            return secret.ciphertext, secret.last_chars
        plain = secret.reveal()
        shown = mask(plain)
        return self._box().encrypt(plain), (shown[-HINT_CHARS:] if shown != "****" else None)

    def _fill(self, row: ConnectionRow, connection: Connection, now: datetime) -> None:
        row.name = connection.name
        row.role = connection.role.value
        row.store_hash = connection.store_hash
        row.auth_type = connection.auth_type.value
        row.access_token_encrypted, row.access_token_hint = self._encrypt(connection.access_token)
        row.client_id = connection.client_id
        row.client_secret_encrypted, row.client_secret_hint = self._encrypt(connection.client_secret)
        row.store_url = connection.store_url
        row.store_name = connection.store_name
        row.enabled = connection.enabled
        row.health_status = connection.health.status.value
        row.health_reason = connection.health.reason
        row.health_checked_at = connection.health.checked_at
        row.scopes = None if connection.scopes is None else " ".join(sorted(connection.scopes))
        row.settings = dict(connection.settings)
        row.plan_name = connection.plan
        quota = connection.quota
        row.quota_requests = None if quota is None else quota.requests
        row.quota_window_ms = None if quota is None else quota.window_ms
        row.quota_seen_at = None if quota is None else quota.seen_at
        row.updated_at = now

    def _secret(self, ciphertext: str | None, last_chars: str | None, what: str) -> StoredSecret | None:
        if ciphertext is None:
            return None
        return StoredSecret(ciphertext, last_chars, self._box, what)

    def _to_domain(self, row: ConnectionRow) -> Connection:
        label = f"the {{}} of connection {row.name!r}"
        return Connection(
            id=row.id,
            name=row.name,
            role=Role(row.role),
            store_hash=row.store_hash,
            auth_type=AuthType(row.auth_type),
            access_token=self._secret(row.access_token_encrypted, row.access_token_hint, label.format("access token")),
            client_id=row.client_id,
            client_secret=self._secret(
                row.client_secret_encrypted, row.client_secret_hint, label.format("client secret")
            ),
            store_url=row.store_url,
            store_name=row.store_name,
            enabled=row.enabled,
            health=Health(HealthStatus(row.health_status), row.health_reason, row.health_checked_at),
            scopes=None if row.scopes is None else frozenset(row.scopes.split()),
            settings=dict(row.settings or {}),
            plan=row.plan_name,
            quota=_quota(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

"""``ConnectionService``: every change to a connection goes through here, in one transaction each.

The CLI, the REST API and (later) the console and the job runner call these methods and nothing
below them. Network calls never happen while a transaction is open: a test reads the connection,
closes the session, talks to BigCommerce, then records the outcome in a fresh transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, ScopeMissing
from bchub.bigcommerce.retry import NO_RETRY, RetryPolicy
from bchub.domain import connections as rules
from bchub.domain.connections import ApiQuota, AuthType, Connection, Role, validate_name
from bchub.domain.scopes import OPERATIONS_SETTING, Operation, connection_operations, validate_operation_keys
from bchub.domain.secrets import Secret
from bchub.errors import InputError
from bchub.storage.repositories import BoxProvider, ConnectionRepository, StoredSecret, utc_now
from bchub.sync.connections.inputs import (
    CredentialInput,
    require_access_token,
    require_store_hash,
    resolve_credentials,
)
from bchub.sync.connections.probe import TestReport, no_token_report, probe_connection, stated_quota

log = logging.getLogger(__name__)

QUOTA_REFRESH = timedelta(hours=1)  # a run re-saves an unchanged quota at most this often


class ClientFactory(Protocol):
    """Builds the API client for one store (the composition root decides base URL and transport)."""

    @property
    def api_url(self) -> str: ...

    def __call__(
        self, store_hash: str, access_token: str, *, retry: RetryPolicy | None = None
    ) -> BigCommerceClient: ...


@dataclass(frozen=True)
class NewConnection:
    role: Role
    credentials: CredentialInput
    name: str | None = None  # default: the credentials file's NAME, else store-<hash>
    enabled: bool = True
    operations: list[str] | None = None  # default: every operation of the role
    settings: dict[str, Any] = field(default_factory=dict)
    auth_type: AuthType = AuthType.PRIVATE


@dataclass(frozen=True)
class ConnectionChanges:
    """Only what is set changes. ``settings`` is merged; a key set to ``None`` is removed."""

    name: str | None = None
    role: Role | None = None
    credentials: CredentialInput = field(default_factory=CredentialInput)
    enabled: bool | None = None
    operations: list[str] | None = None  # an empty list means: every operation of the role
    settings: dict[str, Any] | None = None


def _settings_with_operations(settings: dict[str, Any], operations: list[str] | None) -> dict[str, Any]:
    merged = dict(settings)
    if operations is not None:
        if operations:
            merged[OPERATIONS_SETTING] = validate_operation_keys(operations)
        else:
            merged.pop(OPERATIONS_SETTING, None)
    elif OPERATIONS_SETTING in merged:
        value = merged[OPERATIONS_SETTING]
        if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
            raise InputError(f"the '{OPERATIONS_SETTING}' setting must be a list of operation names")
        merged[OPERATIONS_SETTING] = validate_operation_keys(value)
    return merged


def _reference(connection: Connection | str | int) -> str | int:
    """A stored connection's id, or the name or id given."""
    if isinstance(connection, Connection):
        if connection.id is None:
            raise ValueError("this connection has not been saved yet")
        return connection.id
    return connection


def _ciphertext(secret: Secret | None) -> str | None:
    return secret.ciphertext if isinstance(secret, StoredSecret) else None


def _same_credentials(current: Connection, tested: Connection) -> bool:
    return current.store_hash == tested.store_hash and _ciphertext(current.access_token) == _ciphertext(
        tested.access_token
    )


def _quota_up_to_date(stored: ApiQuota | None, stated: ApiQuota, now: datetime) -> bool:
    if stored is None or stored.seen_at is None or now - stored.seen_at >= QUOTA_REFRESH:
        return False
    return (stored.requests, stored.window_ms) == (stated.requests, stated.window_ms)


class ConnectionService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        box: BoxProvider,
        clients: ClientFactory,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._clients = clients
        self._now = now

    @contextmanager
    def _repository(self) -> Iterator[ConnectionRepository]:
        with self._sessions.begin() as session:
            yield ConnectionRepository(session, self._box, self._now)

    # -- reading --------------------------------------------------------------------------------
    def all(self) -> list[Connection]:
        with self._repository() as repository:
            return repository.all()

    def names(self) -> dict[int, str]:
        """Every connection's name by its id (for output that names connections stored by id)."""
        return {connection.id: connection.name for connection in self.all() if connection.id is not None}

    def get(self, reference: str | int) -> Connection:
        """By name, or by id."""
        with self._repository() as repository:
            return repository.find(reference)

    def operations(self, connection: Connection) -> list[Operation]:
        """The operations a test checks: the role's, narrowed by the ``operations`` setting."""
        return connection_operations(connection)

    # -- changing -------------------------------------------------------------------------------
    def add(self, new: NewConnection) -> Connection:
        resolved = resolve_credentials(new.credentials, self._clients.api_url)
        store_hash = require_store_hash(resolved)
        token = require_access_token(resolved)
        with self._repository() as repository:
            name = self._name_for(repository, new.name, resolved.suggested_name, store_hash)
            connection = Connection(
                name=name,
                role=new.role,
                store_hash=store_hash,
                auth_type=new.auth_type,
                access_token=Secret(token),
                client_id=resolved.client_id,
                client_secret=Secret(resolved.client_secret) if resolved.client_secret else None,
                store_url=resolved.store_url,
                enabled=new.enabled,
                settings=_settings_with_operations(new.settings, new.operations),
            )
            added = repository.add(connection)
        log.info("added connection %r (store %s, role %s)", added.name, added.store_hash, added.role.value)
        return added

    @staticmethod
    def _name_for(repository: ConnectionRepository, given: str | None, suggested: str | None, store_hash: str) -> str:
        if given is not None:
            return validate_name(given)  # an explicit name that is taken is the caller's conflict
        base = validate_name(suggested or f"store-{store_hash}")
        name, number = base, 2
        while repository.by_name(name) is not None:
            name, number = f"{base}-{number}", number + 1
        return name

    def update(self, reference: str | int, changes: ConnectionChanges) -> Connection:
        resolved = resolve_credentials(changes.credentials, self._clients.api_url)
        with self._repository() as repository:
            current = repository.find(reference)
            updated = current
            if changes.name is not None:
                updated = updated.replace(name=validate_name(changes.name))
            if changes.role is not None:
                updated = updated.replace(role=changes.role)
            if changes.enabled is not None:
                updated = updated.replace(enabled=changes.enabled)
            credentials: dict[str, Any] = {}
            if resolved.store_hash and resolved.store_hash != current.store_hash:
                credentials["store_hash"] = resolved.store_hash
            if resolved.access_token:
                credentials["access_token"] = Secret(resolved.access_token)
            if resolved.client_id and resolved.client_id != current.client_id:
                credentials["client_id"] = resolved.client_id
            if resolved.client_secret:
                credentials["client_secret"] = Secret(resolved.client_secret)
            if resolved.store_url:
                updated = updated.replace(store_url=resolved.store_url)
            if credentials:
                updated = rules.credentials_changed(updated.replace(**credentials))
            settings = dict(updated.settings)
            for key, value in (changes.settings or {}).items():
                if value is None:
                    settings.pop(key, None)
                else:
                    settings[key] = value
            updated = updated.replace(settings=_settings_with_operations(settings, changes.operations))
            saved = repository.save(updated)
        changed = sorted(credentials) + [
            name for name in ("name", "role", "enabled") if getattr(changes, name) is not None
        ]
        log.info("updated connection %r (%s)", saved.name, ", ".join(changed) or "settings")
        return saved

    def remove(self, reference: str | int) -> Connection:
        with self._repository() as repository:
            connection = repository.find(reference)
            assert connection.id is not None
            repository.delete(connection.id)
        log.info("removed connection %r (store %s)", connection.name, connection.store_hash)
        return connection

    # -- testing and health ---------------------------------------------------------------------
    async def test(self, reference: str | int) -> TestReport:
        """Probe the store with the connection's credentials and record its health.

        Passed → ``ok``. A definite credential problem (401, wrong hash, missing scopes, no
        token) → ``needs attention``. A passing outage (network, 429, 5xx) leaves health as it was.
        """
        connection = self.get(reference)
        if connection.access_token is None:
            report = no_token_report(connection, self._clients.api_url)
        else:
            token = connection.access_token.reveal()
            # one attempt per request: a test should answer now and say what failed, not retry for minutes
            async with self._clients(connection.store_hash, token, retry=NO_RETRY) as client:
                report = await probe_connection(client, connection, self.operations(connection))
        self._record(connection, report)
        return report

    def _record(self, tested: Connection, report: TestReport) -> None:
        assert tested.id is not None
        with self._repository() as repository:
            current = repository.get(tested.id)
            if not _same_credentials(current, tested):
                return  # the credentials changed while the test ran; its outcome is about the old ones
            now = self._now()
            if report.store_name is not None:
                current = current.replace(store_name=report.store_name, plan=report.plan)
            if report.quota is not None:
                current = current.replace(quota=replace(report.quota, seen_at=now))
            if report.passed:
                current = rules.healthy(current, now)
                if current.store_url is None and report.secure_url:
                    current = current.replace(store_url=report.secure_url)
            elif report.definite:
                current = rules.needs_attention(current, report.reason(), now)
            else:
                return
            repository.save(current)
        log.info("connection %r tested: %s", tested.name, "passed" if report.passed else report.reason())

    async def remember_quota(self, connection: Connection, client: BigCommerceClient) -> Connection:
        """After a run: save the quota the store's headers stated, when it changed or was saved long ago.

        Cheap for a run to call at its end: one read of the limiter's budget, and a write only when
        the stored figure is missing, different, or older than ``QUOTA_REFRESH``.
        """
        stated = await stated_quota(client)
        now = self._now()
        if stated is None or connection.id is None or _quota_up_to_date(connection.quota, stated, now):
            return connection
        with self._repository() as repository:
            current = repository.get(connection.id)
            if current.store_hash != client.store_hash:
                return current  # the connection was pointed at another store while the run read this one
            saved = repository.save(current.replace(quota=replace(stated, seen_at=now)))
        log.info("connection %r: the store's API quota is %s", saved.name, stated.describe())
        return saved

    def mark_needs_attention(self, connection: Connection | str | int, reason: str) -> Connection:
        """Pause the connection's scheduled jobs until a test passes again, saying why."""
        with self._repository() as repository:
            current = repository.find(_reference(connection))
            saved = repository.save(rules.needs_attention(current, reason, self._now()))
        log.warning("connection %r needs attention: %s", saved.name, reason)
        return saved

    def is_paused(self, connection: Connection | str | int) -> bool:
        """Whether the connection's scheduled jobs must wait (as stored now, not as the caller last saw it)."""
        return rules.is_paused(self.get(_reference(connection)))

    def record_api_error(self, connection: Connection, error: BigCommerceError) -> Connection | None:
        """For jobs: a 401 or 403 marks the connection *needs attention*; other errors are the job's to handle."""
        if isinstance(error, AuthFailed):
            reason = f"401 on {error.method} {error.path}: the access token is wrong or revoked"
        elif isinstance(error, ScopeMissing):
            reason = f"403 on {error.method} {error.path}: {error.advice}"
        else:
            return None
        return self.mark_needs_attention(connection, f"{reason}; fix it, then test the connection to resume its jobs")

    # -- OAuth app installs (see app_install.AppInstaller) ----------------------------------------
    def save_installed_token(
        self, store_hash: str, access_token: str, scopes: frozenset[str], client_id: str, role: Role
    ) -> Connection:
        """Create the store's OAuth connection, or give the existing one its new token and scopes."""
        with self._repository() as repository:
            existing = repository.by_store_hash(store_hash, AuthType.OAUTH)
            if existing:
                connection = rules.credentials_changed(
                    existing[0].replace(
                        access_token=Secret(access_token), scopes=scopes, client_id=client_id, enabled=True
                    )
                )
                saved = repository.save(connection)
            else:
                connection = Connection(
                    name=self._name_for(repository, None, None, store_hash),
                    role=role,
                    store_hash=store_hash,
                    auth_type=AuthType.OAUTH,
                    access_token=Secret(access_token),
                    client_id=client_id,
                    scopes=scopes,
                )
                saved = repository.add(connection)
        log.info(
            "app installed in store %s: connection %r, scopes %s", store_hash, saved.name, " ".join(sorted(scopes))
        )
        return saved

    def installed_connection(self, store_hash: str) -> Connection | None:
        """The store's OAuth connection, if the app is installed there."""
        with self._repository() as repository:
            found = repository.by_store_hash(store_hash, AuthType.OAUTH)
        return found[0] if found else None

    def mark_uninstalled(self, store_hash: str) -> list[Connection]:
        """The app was uninstalled: disable the store's OAuth connections and delete their tokens."""
        with self._repository() as repository:
            changed = [
                repository.save(
                    rules.needs_attention(
                        connection.replace(enabled=False, access_token=None),
                        "the bchub app was uninstalled from the store; install it again to reconnect",
                        self._now(),
                    )
                )
                for connection in repository.by_store_hash(store_hash, AuthType.OAUTH)
            ]
        for connection in changed:
            log.info(
                "app uninstalled from store %s: connection %r disabled, token deleted", store_hash, connection.name
            )
        return changed

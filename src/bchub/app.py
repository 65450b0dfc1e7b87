"""The composition root: settings in, a ``Hub`` out with its database, secrets, clients and services.

Everything that decides *which* database, key, API URL or network transport is used lives here,
so the services below take what they need as arguments. Tests pass ``transport=`` (e.g. the
sandbox's in-process transport); production leaves it ``None`` and httpx uses the network.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

import httpx
from sqlalchemy.exc import DBAPIError

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.ratelimit import LimiterBackend
from bchub.bigcommerce.retry import RetryPolicy
from bchub.domain.connections import Role
from bchub.domain.scopes import scope_advice
from bchub.errors import ConfigurationError, DatabaseUnavailable
from bchub.jobs.setup import build_job_layer, limiter_backend_for
from bchub.settings import Settings, load_settings
from bchub.storage import migrate
from bchub.storage.db import database_unavailable, describe_unavailable, make_engine, session_factory
from bchub.storage.repositories import utc_now
from bchub.storage.secrets import KeySource, RotationResult, SecretBox, has_encrypted_secrets, rotate_key
from bchub.sync.catalog.service import CatalogService
from bchub.sync.connections import AppInstaller, ConnectionService
from bchub.sync.connections.app_install import AppCredentials
from bchub.sync.orders.items import CatalogItems
from bchub.sync.orders.service import OrderService
from bchub.sync.users import ApiTokenService, UserService


class Clients:
    """Builds a ``BigCommerceClient`` per store with the hub's API URL, transport and timeout."""

    def __init__(
        self,
        api_url: str,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float,
        limiter_backend: LimiterBackend | None = None,  # one budget per store for all clients
    ) -> None:
        self._api_url = api_url
        self._transport = transport
        self._timeout = timeout
        self._limiter_backend = limiter_backend

    @property
    def api_url(self) -> str:
        return self._api_url

    def __call__(self, store_hash: str, access_token: str, *, retry: RetryPolicy | None = None) -> BigCommerceClient:
        return BigCommerceClient(
            store_hash,
            access_token,
            base_url=self._api_url,
            transport=self._transport,
            timeout=self._timeout,
            retry=retry,
            limiter_backend=self._limiter_backend,
            scope_advice=scope_advice,
        )


def app_credentials(settings: Settings) -> AppCredentials | None:
    """The OAuth app profile, when both the client id and secret are set."""
    if not settings.oauth_client_id and settings.oauth_client_secret is None:
        return None
    if not settings.oauth_client_id or settings.oauth_client_secret is None:
        raise ConfigurationError("set both BCHUB_OAUTH_CLIENT_ID and BCHUB_OAUTH_CLIENT_SECRET, or neither")
    try:
        role = Role(settings.oauth_default_role)
    except ValueError:
        raise ConfigurationError(
            f"oauth_default_role must be one of {', '.join(role.value for role in Role)}; got {settings.oauth_default_role!r}"
        ) from None
    return AppCredentials(
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret.get_secret_value(),
        login_url=settings.oauth_login_url,
        auth_callback_url=settings.oauth_auth_callback,
        default_role=role,
    )


class Hub:
    """One running bchub: open it once per process (CLI command, API server) and close it at the end."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        if settings.auto_migrate:
            self._migrate()
        self.sessions = session_factory(self.engine)
        env_keys = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        self.keys = KeySource(settings.key_file, env_keys)
        self._box: SecretBox | None = None
        self._box_lock = threading.Lock()
        self.limiter_backend = limiter_backend_for(settings)
        self.clients = Clients(settings.bigcommerce_api_url, transport, settings.http_timeout, self.limiter_backend)
        self.connections = ConnectionService(self.sessions, self.secret_box, self.clients, now=now)
        self.users = UserService(self.sessions, now=now)
        self.tokens = ApiTokenService(self.sessions, now=now)
        self.orders = OrderService(self.sessions, self.connections, self.clients, CatalogItems(), now=now)
        self.catalog = CatalogService(self.sessions, self.connections, self.clients, now=now)
        self.app_installer = AppInstaller(
            self.connections, app_credentials(settings), transport=transport, timeout=settings.http_timeout
        )
        job_layer = build_job_layer(settings, self.sessions, self.connections, self.clients, self.secret_box)
        self.jobs, self.webhooks = job_layer.jobs, job_layer.webhooks

    def _migrate(self) -> None:
        try:
            migrate.upgrade(self.engine)
        except DBAPIError as error:
            if not database_unavailable(error):
                raise
            self.engine.dispose()
            raise DatabaseUnavailable(describe_unavailable(self.settings.database_url, error)) from None

    def secret_box(self) -> SecretBox:
        """The keys, loaded on first need (listing connections needs none)."""
        with self._box_lock:
            if self._box is None:
                with self.sessions() as session:
                    stored = has_encrypted_secrets(session)
                self._box = self.keys.load(may_create=not stored)
            return self._box

    def rotate_secret_key(self) -> RotationResult:
        with self._box_lock:
            result = rotate_key(self.sessions, self.keys)
            self._box = None
        return result

    def close(self) -> None:
        self.jobs.close()
        self.engine.dispose()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_hub(settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> Hub:
    return Hub(settings or load_settings(), transport=transport)

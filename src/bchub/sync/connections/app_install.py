"""bchub as a BigCommerce app: the install, load and uninstall callbacks' work, minus the HTTP.

``install`` trades the callback's code for a token and creates (or refreshes) the store's OAuth
connection, then tests it so its health and store name are known at once. ``load`` and
``uninstall`` trust nothing until the ``signed_payload_jwt`` verifies against the app's secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from bchub.bigcommerce.oauth import (
    DEFAULT_LOGIN_URL,
    SignedPayload,
    exchange_code,
    verify_signed_payload_jwt,
)
from bchub.domain.connections import Connection, Role
from bchub.domain.secrets import mask
from bchub.errors import ConfigurationError, NotFoundError
from bchub.sync.connections.probe import TestReport
from bchub.sync.connections.service import ConnectionService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppCredentials:
    """The app's profile from the BigCommerce Developer Portal."""

    client_id: str
    client_secret: str
    login_url: str = DEFAULT_LOGIN_URL
    auth_callback_url: str | None = None  # the registered /bigcommerce/auth URL (redirect_uri)
    default_role: Role = Role.MERCHANT

    def __repr__(self) -> str:
        return f"AppCredentials(client_id={self.client_id!r}, client_secret={mask(self.client_secret)!r})"


@dataclass(frozen=True)
class InstalledStore:
    connection: Connection
    payload: SignedPayload | None = None  # for load: who opened the app, and where
    report: TestReport | None = None  # for install: the test run right after

    @property
    def store_label(self) -> str:
        return self.connection.store_name or self.connection.name


class AppInstaller:
    def __init__(
        self,
        connections: ConnectionService,
        app: AppCredentials | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._connections = connections
        self._app_credentials = app
        self._transport = transport
        self._timeout = timeout

    @property
    def configured(self) -> bool:
        return self._app_credentials is not None

    def _app(self) -> AppCredentials:
        if self._app_credentials is None:
            raise ConfigurationError(
                "bchub is not set up as a BigCommerce app: set BCHUB_OAUTH_CLIENT_ID and BCHUB_OAUTH_CLIENT_SECRET "
                "(from the Developer Portal) and BCHUB_PUBLIC_URL"
            )
        return self._app_credentials

    async def install(self, *, code: str, scope: str, context: str, redirect_uri: str) -> InstalledStore:
        """The ``/auth`` callback: exchange the code, save the connection, test it."""
        app = self._app()
        grant = await exchange_code(
            code=code,
            scope=scope,
            context=context,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.auth_callback_url or redirect_uri,
            login_url=app.login_url,
            transport=self._transport,
            timeout=self._timeout,
        )
        connection = self._connections.save_installed_token(
            grant.store_hash, grant.access_token, grant.scopes, app.client_id, app.default_role
        )
        assert connection.id is not None
        report = await self._connections.test(connection.id)
        return InstalledStore(self._connections.get(connection.id), report=report)

    def verify(self, signed_payload_jwt: str) -> SignedPayload:
        app = self._app()
        return verify_signed_payload_jwt(signed_payload_jwt, client_id=app.client_id, client_secret=app.client_secret)

    def load(self, signed_payload_jwt: str) -> InstalledStore:
        """The ``/load`` callback: the verified store's connection, for the page to show."""
        payload = self.verify(signed_payload_jwt)
        connection = self._connections.installed_connection(payload.store_hash)
        if connection is None or connection.access_token is None:
            raise NotFoundError(
                f"bchub is not installed in store {payload.store_hash}; install the app from the control panel"
            )
        return InstalledStore(connection, payload=payload)

    def uninstall(self, signed_payload_jwt: str) -> list[Connection]:
        """The ``/uninstall`` callback: disable the store's connection and delete its token."""
        payload = self.verify(signed_payload_jwt)
        changed = self._connections.mark_uninstalled(payload.store_hash)
        if not changed:
            raise NotFoundError(f"bchub has no app connection for store {payload.store_hash}")
        return changed

"""After a session touching every kind of secret bchub handles, none of them is in the database file in clear.

The session: bchub installed as a BigCommerce app in one store (the app's client secret, the token
the install issues), a second store connected with a store-level API account (its token and
client secret), webhooks kept on both (the secret header) and a callback received, a console
user (their password), an API token and the bootstrap API token, and the encryption key itself.
Every log line of the session is checked too. A whole session of imports, routing and shipments
under faults, with a token revoked and replaced, is ``tests/faults/test_secrets_after_session.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.connections import AuthType, Role
from bchub.domain.users import shown_part
from bchub.interfaces.api.app import create_api
from bchub.jobs.model import JobStatus
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Sandbox, Store, oauth
from bcsandbox.testing import transport_for
from bcsandbox.webhooks import WebhookDispatcher
from tests.interfaces.test_bigcommerce_app import SCOPES
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard, secrets_guard

pytestmark = pytest.mark.anyio

__all__ = ["secrets_guard"]

CLIENT_ID = "bchub-at-rest"  # public: shown in listings
CLIENT_SECRET = secrets.token_hex(24)  # random, so no part of it is also in a public value
PUBLIC_URL = "https://hub.example.com"  # where the stores send webhooks (delivered in-process)
BOOTSTRAP_TOKEN = "bootstrap-api-token-0123456789"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(autouse=True)
def registered(sandbox: Sandbox) -> oauth.OAuthApp:
    """bchub registered as an app whose callbacks are at its public address."""
    return oauth.register_app(
        sandbox,
        CLIENT_ID,
        CLIENT_SECRET,
        f"{PUBLIC_URL}/bigcommerce/auth",
        f"{PUBLIC_URL}/bigcommerce/load",
        f"{PUBLIC_URL}/bigcommerce/uninstall",
        SCOPES,
        name="bchub",
    )


@pytest.fixture
def session_hub(sandbox: Sandbox, tmp_path: Path) -> Iterator[Hub]:
    settings = make_settings(
        tmp_path,
        oauth_client_id=CLIENT_ID,
        oauth_client_secret=CLIENT_SECRET,
        public_url=PUBLIC_URL,
        api_token=BOOTSTRAP_TOKEN,
    )
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        yield hub


def _database_bytes(hub: Hub) -> bytes:
    path = Path(hub.settings.database_url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def _register_store_secrets(guard: SecretsGuard, store: Store) -> None:
    for account in store.accounts.values():
        guard.add(account.access_token, label=f"an access token of {store.hash}")
        guard.add(account.client_secret, label=f"a client secret of {store.hash}")


async def _keep_webhooks(hub: Hub, connection: str) -> None:
    job = hub.jobs.run("keep_webhooks", connection).job
    await hub.jobs.runner("w1").run(job.id)
    kept = hub.jobs.get(job.id)
    assert kept.status is JobStatus.SUCCEEDED, kept.error


async def test_no_secret_of_any_kind_is_in_the_database_file(
    session_hub: Hub, sandbox: Sandbox, store: Store, secrets_guard: SecretsGuard
) -> None:
    hub = session_hub
    secrets_guard.add(CLIENT_SECRET, label="the app's client secret")
    secrets_guard.add(BOOTSTRAP_TOKEN, label="the bootstrap API token")
    web = httpx.ASGITransport(app=create_api(hub))

    # installed as an app in one store; connected with a store-level API account in another
    installed = await oauth.install(sandbox, store.hash, CLIENT_ID, transport=web)
    assert installed.status_code == 200, installed.text
    vendor = sandbox.create_store("vnd001", name="Vendor")
    account = vendor.add_account(client_secret=secrets.token_hex(20))
    hub.connections.add(
        NewConnection(
            Role.VENDOR,
            CredentialInput(
                store_hash=vendor.hash,
                access_token=account.access_token,
                client_id=account.client_id,
                client_secret=account.client_secret,
            ),
            name="vendor",
        )
    )
    for each in (store, vendor):
        _register_store_secrets(secrets_guard, each)
    [app_connection] = [each for each in hub.connections.all() if each.auth_type is AuthType.OAUTH]

    # webhooks kept on both, and a callback received through the real receiver
    webhook_secret = hub.webhooks.secrets.current()
    secrets_guard.add(webhook_secret, label="the webhook secret")
    for name in (app_connection.name, "vendor"):
        await _keep_webhooks(hub, name)
    with WebhookDispatcher(sandbox, transport=web) as dispatcher:
        store.catalog.create_product({"name": "Mug", "type": "physical", "sku": "MUG-1", "price": 12, "weight": 1})
        store.orders.place_shopper_order({"lines": [{"sku": "MUG-1", "quantity": 1}]})
        await dispatcher.aflush()
        assert any(record.ok and record.scope == "store/order/created" for record in dispatcher.deliveries)
    assert hub.jobs.events.recent(scope="store/order/created")

    # a console user and an API token
    hub.users.add("admin", PASSWORD)
    secrets_guard.add(PASSWORD, label="the console password")
    created = hub.tokens.create("ci")
    secrets_guard.add(created.value[len(shown_part(created.value)) :], label="an API token")
    async with httpx.AsyncClient(transport=web, base_url=PUBLIC_URL) as client:
        for token in (created.value, BOOTSTRAP_TOKEN):
            listed = await client.get("/api/v1/connections", headers={"Authorization": f"Bearer {token}"})
            assert listed.status_code == 200
            secrets_guard.check(listed.text, "the API's connection list")

    # the key that encrypts the stored secrets is not stored beside them
    for key in hub.secret_box().keys:
        secrets_guard.add(key.decode("ascii"), label="the encryption key")

    raw = _database_bytes(hub).decode("latin-1")
    assert store.hash in raw and "store/order/created" in raw  # it is the session's database
    secrets_guard.check(raw, "the database file")
    # and the connections still work: the secrets are there, encrypted
    assert (await hub.connections.test("vendor")).passed
    assert (await hub.connections.test(app_connection.name)).passed

"""bchub as a BigCommerce app, end to end against bcsandbox's OAuth emulation.

The sandbox plays the merchant's browser and the login service: it calls bchub's /auth, /load and
/uninstall (over an ASGI transport), and bchub exchanges the code at the sandbox's /oauth2/token.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.domain.connections import AuthType, HealthStatus
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox, Store, oauth
from bcsandbox.testing import api_client, transport_for
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard

pytestmark = pytest.mark.anyio

CLIENT_ID = "bchub-app-client-id"
CLIENT_SECRET = "bchub-app-client-secret-0123456789abcdef"
HUB_URL = "http://bchub.test"
SCOPES = "store_v2_orders store_v2_products store_inventory store_locations_read_only store_v2_information_read_only"


@pytest.fixture
def app_hub(sandbox: Sandbox, tmp_path: Path) -> Iterator[Hub]:
    settings = make_settings(
        tmp_path, oauth_client_id=CLIENT_ID, oauth_client_secret=CLIENT_SECRET, public_url=HUB_URL, api_token="t" * 20
    )
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        yield hub


@pytest.fixture
def bchub_transport(app_hub: Hub) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_api(app_hub))


@pytest.fixture
async def browser(bchub_transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=bchub_transport, base_url=HUB_URL) as client:
        yield client


@pytest.fixture(autouse=True)
def registered(sandbox: Sandbox) -> oauth.OAuthApp:
    return oauth.register_app(
        sandbox,
        CLIENT_ID,
        CLIENT_SECRET,
        f"{HUB_URL}/bigcommerce/auth",
        f"{HUB_URL}/bigcommerce/load",
        f"{HUB_URL}/bigcommerce/uninstall",
        SCOPES,
        name="bchub",
    )


async def install(sandbox: Sandbox, store: Store, transport: httpx.ASGITransport) -> httpx.Response:
    return await oauth.install(sandbox, store.hash, CLIENT_ID, transport=transport)


async def test_install_creates_a_tested_connection(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport, secrets_guard: SecretsGuard
) -> None:
    secrets_guard.add(CLIENT_SECRET, label="app client secret")

    answer = await install(sandbox, store, bchub_transport)

    assert answer.status_code == 200, answer.text
    assert "bchub is installed in Test Store" in answer.text
    assert "TEST PASSED: connected to Test Store (abc123, Enterprise)" in answer.text
    [connection] = app_hub.connections.all()
    assert (connection.auth_type, connection.store_hash, connection.client_id) == (AuthType.OAUTH, "abc123", CLIENT_ID)
    assert connection.scopes == frozenset(SCOPES.split())
    assert connection.health.status is HealthStatus.OK and connection.store_name == "Test Store"
    token = connection.access_token
    assert token is not None
    secrets_guard.add(token.reveal(), label="installed access token")
    assert oauth.service_for(sandbox).installed(store.hash, CLIENT_ID)
    # the token works against the store
    async with api_client(sandbox, store) as raw:
        response = await raw.get("/v2/time", headers={"X-Auth-Token": token.reveal()})
    assert response.status_code == 200
    secrets_guard.check(answer.text, "the install page")


async def test_reinstall_updates_the_same_connection(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport
) -> None:
    await install(sandbox, store, bchub_transport)
    first = app_hub.connections.all()[0].access_token
    await install(sandbox, store, bchub_transport)
    [connection] = app_hub.connections.all()
    assert first is not None and connection.access_token is not None
    assert connection.access_token.reveal() != first.reveal()  # re-auth issues a new token
    assert connection.health.status is HealthStatus.OK


async def test_load_opens_the_store_page(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport
) -> None:
    await install(sandbox, store, bchub_transport)
    page = await oauth.load(sandbox, store.hash, CLIENT_ID, transport=bchub_transport)
    assert page.status_code == 200
    assert "<title>bchub · Test Store</title>" in page.text
    assert "Signed in as owner@abc123.sandbox.mybigcommerce.com" in page.text


async def test_pages_escape_what_they_show(
    app_hub: Hub, sandbox: Sandbox, bchub_transport: httpx.ASGITransport
) -> None:
    store = sandbox.create_store("evil1", name="<script>alert(1)</script>", scopes=SCOPES)
    answer = await install(sandbox, store, bchub_transport)
    page = await oauth.load(sandbox, store.hash, CLIENT_ID, transport=bchub_transport)
    for text in (answer.text, page.text):
        assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def forged(store_hash: str, **overrides: object) -> str:
    arguments: dict[str, object] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "store_hash": store_hash,
        "user": {"id": 1, "email": "owner@example.com"},
        "owner": {"id": 1, "email": "owner@example.com"},
    }
    arguments.update(overrides)
    return oauth.signed_payload_jwt(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"client_secret": "an-attackers-secret-0123456789abcdef"}, "signature does not match"),
        ({"issued_at": int(time.time()) - 3 * 86_400}, "expired"),
        ({"client_id": "some-other-app"}, "another app"),
    ],
    ids=["forged", "expired", "wrong-audience"],
)
async def test_load_and_uninstall_reject_bad_payloads(
    app_hub: Hub,
    sandbox: Sandbox,
    store: Store,
    bchub_transport: httpx.ASGITransport,
    browser: httpx.AsyncClient,
    overrides: dict[str, object],
    says: str,
) -> None:
    await install(sandbox, store, bchub_transport)
    token = forged(store.hash, **overrides)
    for path in ("/bigcommerce/load", "/bigcommerce/uninstall"):
        response = await browser.get(path, params={"signed_payload_jwt": token})
        assert response.status_code == 401
        assert says in response.text and "Test Store" not in response.text
    [connection] = app_hub.connections.all()
    assert connection.enabled and connection.access_token is not None  # the forged uninstall did nothing


async def test_uninstall_disables_and_deletes_the_token(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport, browser: httpx.AsyncClient
) -> None:
    await install(sandbox, store, bchub_transport)
    result = await oauth.uninstall(sandbox, store.hash, CLIENT_ID, transport=bchub_transport)
    assert result.callback_status == 204
    [connection] = app_hub.connections.all()
    assert not connection.enabled and connection.access_token is None
    assert connection.health.status is HealthStatus.NEEDS_ATTENTION and "uninstalled" in (
        connection.health.reason or ""
    )
    assert app_hub.connections.is_paused(connection)
    # a load for the store now finds nothing to open
    page = await browser.get("/bigcommerce/load", params={"signed_payload_jwt": forged(store.hash)})
    assert page.status_code == 404
    # installing again brings it back
    await install(sandbox, store, bchub_transport)
    [again] = app_hub.connections.all()
    assert again.enabled and again.access_token is not None and not app_hub.connections.is_paused(again)


async def test_bad_code_is_a_clear_page(sandbox: Sandbox, store: Store, browser: httpx.AsyncClient) -> None:
    response = await browser.get(
        "/bigcommerce/auth", params={"code": "not-a-code", "context": f"stores/{store.hash}", "scope": SCOPES}
    )
    assert response.status_code == 502
    assert "token exchange was refused (400): invalid_grant" in response.text
    missing = await browser.get("/bigcommerce/auth")
    assert missing.status_code == 400


async def test_without_app_settings_the_callbacks_say_so(sandbox: Sandbox, store: Store, tmp_path: Path) -> None:
    with Hub(make_settings(tmp_path), transport=transport_for(sandbox)) as hub:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api(hub)), base_url=HUB_URL) as client:
            response = await client.get("/bigcommerce/load", params={"signed_payload_jwt": forged(store.hash)})
    assert response.status_code == 500 and "BCHUB_OAUTH_CLIENT_ID" in response.text


async def test_redirect_uri_comes_from_the_request_without_public_url(
    sandbox: Sandbox, store: Store, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, oauth_client_id=CLIENT_ID, oauth_client_secret=CLIENT_SECRET)
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        answer = await install(sandbox, store, httpx.ASGITransport(app=create_api(hub)))
        assert answer.status_code == 200, answer.text
        assert len(hub.connections.all()) == 1

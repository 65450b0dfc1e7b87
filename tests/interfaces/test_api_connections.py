"""``/api/v1/connections`` through httpx's ASGI transport, against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.interfaces.conftest import credentials_file
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard

API_TOKEN = "hub-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
pytestmark = pytest.mark.anyio


def api_client(hub: Hub, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_api(hub))
    return httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers)


@pytest.fixture
async def api(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    with Hub(make_settings(tmp_path, api_token=API_TOKEN), transport=transport_for(sandbox)) as hub:
        async with api_client(hub, AUTH) as client:
            yield client


def token_of(store: Store) -> str:
    return next(iter(store.accounts))


async def test_the_api_needs_the_token(api: httpx.AsyncClient, sandbox: Sandbox, tmp_path: Path) -> None:
    assert (await api.get("/api/v1/connections", headers={"Authorization": ""})).status_code == 401
    wrong = await api.get("/api/v1/connections", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    with Hub(make_settings(tmp_path / "off"), transport=transport_for(sandbox)) as hub:
        async with api_client(hub) as off:
            # without BCHUB_API_TOKEN only tokens from `bchub tokens create` open the API
            refused = await off.get("/api/v1/connections", headers=AUTH)
            assert refused.status_code == 401 and "bchub tokens create" in refused.json()["detail"]


async def test_crud_and_test(api: httpx.AsyncClient, store: Store) -> None:
    created = await api.post(
        "/api/v1/connections",
        json={
            "name": "shop",
            "role": "both",
            "api_path": "https://api.bigcommerce.com/stores/abc123/v3/",
            "access_token": token_of(store),
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["access_token"] == "****" + token_of(store)[-4:]
    assert (body["role"], body["health"]["status"], body["auth_type"]) == ("both", "unknown", "private")
    connection_id = body["id"]

    tested = await api.post(f"/api/v1/connections/{connection_id}/test")
    assert tested.status_code == 200
    assert tested.json()["passed"] is True
    assert tested.json()["headline"] == "TEST PASSED: connected to Test Store (abc123, Enterprise)"

    fetched = (await api.get(f"/api/v1/connections/{connection_id}")).json()
    assert fetched["health"]["status"] == "ok" and fetched["store_name"] == "Test Store"
    assert fetched["plan"] == "Enterprise"
    assert fetched["quota"]["unlimited"] is True and fetched["quota"]["text"] == "no fixed limit"
    assert [item["name"] for item in (await api.get("/api/v1/connections")).json()] == ["shop"]

    patched = await api.patch(
        f"/api/v1/connections/{connection_id}",
        json={"name": "vendor-1", "enabled": False, "settings": {"order_status_id": 11}},
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["paused"], patched.json()["settings"]) == (
        "vendor-1",
        True,
        {"order_status_id": 11},
    )

    assert (await api.delete(f"/api/v1/connections/{connection_id}")).status_code == 204
    assert (await api.get(f"/api/v1/connections/{connection_id}")).status_code == 404


async def test_create_from_the_credentials_file_text(api: httpx.AsyncClient, store: Store, tmp_path: Path) -> None:
    text = credentials_file(store, tmp_path).read_text()
    created = await api.post("/api/v1/connections", json={"credentials_file": text, "role": "vendor"})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Test Store API" and created.json()["client_secret"].startswith("****")


async def test_errors_map_to_statuses(api: httpx.AsyncClient, store: Store) -> None:
    conflict = await api.post(
        "/api/v1/connections",
        json={
            "store_hash": "abc123",
            "api_path": "https://api.bigcommerce.com/stores/xyz789/v3/",
            "access_token": token_of(store),
        },
    )
    assert conflict.status_code == 422 and "'xyz789'" in conflict.json()["detail"]
    await api.post("/api/v1/connections", json={"name": "a", "store_hash": "abc123", "access_token": token_of(store)})
    duplicate = await api.post(
        "/api/v1/connections", json={"name": "a", "store_hash": "abc123", "access_token": token_of(store)}
    )
    assert duplicate.status_code == 409
    assert (await api.post("/api/v1/connections/999/test")).status_code == 404
    assert (await api.patch("/api/v1/connections/999", json={})).status_code == 404
    unknown_field = await api.post("/api/v1/connections", json={"store_hash": "abc123", "token": "x"})
    assert unknown_field.status_code == 422


async def test_validation_errors_never_echo_input(api: httpx.AsyncClient, secrets_guard: SecretsGuard) -> None:
    secret = "s3cr3t-token-that-must-not-echo"
    secrets_guard.add(secret, label="posted token")
    for body in (
        {"store_hash": "abc123", "access_token": {"nested": secret}},
        {"store_hash": "abc123", "access_token": secret, "role": "supplier"},
        {"store_hash": "abc123", "access_token": secret, "enabled": "maybe"},
    ):
        response = await api.post("/api/v1/connections", json=body)
        assert response.status_code == 422
        secrets_guard.check(response.text, "a validation error")
    raw = await api.post(
        "/api/v1/connections",
        content=b'{"access_token": "' + secret.encode() + b'", ',
        headers={"Content-Type": "application/json"},
    )
    assert raw.status_code == 422
    secrets_guard.check(raw.text, "a JSON decode error")


async def test_create_by_uploading_the_credentials_file(
    api: httpx.AsyncClient, store: Store, tmp_path: Path, secrets_guard: SecretsGuard
) -> None:
    path = credentials_file(store, tmp_path)
    account = next(iter(store.accounts.values()))
    secrets_guard.add(account.access_token, account.client_secret, label="store credential")
    with path.open("rb") as handle:
        created = await api.post(
            "/api/v1/connections/upload",
            files={"credentials_file": ("shop.txt", handle, "text/plain")},
            data={"role": "vendor"},
        )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["role"], body["store_hash"]) == ("Test Store API", "vendor", "abc123")
    assert body["access_token"] == "****" + account.access_token[-4:] and body["enabled"] is True
    secrets_guard.check(created.text, "the upload's answer")

    named = await api.post(
        "/api/v1/connections/upload",
        files={"credentials_file": ("again.txt", path.read_bytes())},
        data={"name": "second", "enabled": "false"},
    )
    assert named.status_code == 201 and (named.json()["name"], named.json()["enabled"]) == ("second", False)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the credentials file 'c.txt' is empty"),
        (b"\xff\xfe\x00binary", "the credentials file 'c.txt' is not text"),
        (b"x" * (64 * 1024 + 1), "the credentials file 'c.txt' is over 64 KB"),
        (b"just some notes\n", "c.txt"),
    ],
)
async def test_a_wrong_upload_is_refused_naming_the_file(api: httpx.AsyncClient, content: bytes, message: str) -> None:
    answer = await api.post("/api/v1/connections/upload", files={"credentials_file": ("c.txt", content)})
    assert answer.status_code == 422 and message in answer.json()["detail"], answer.text
    assert (await api.get("/api/v1/connections")).json() == []


async def test_an_upload_needs_the_file(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/v1/connections/upload", data={"role": "merchant"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "credentials_file"]

"""``/api/v1`` authentication: tokens from ``bchub tokens create``, revocation, expiry, the bootstrap token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bchub.app import Hub
from bchub.errors import ConflictError, InputError, NotFoundError
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for
from tests.browser.support import cheap_passwords, log_in
from tests.support.hub import make_settings

pytestmark = pytest.mark.anyio
BOOTSTRAP = "bootstrap-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(sandbox: Sandbox, tmp_path: Path, clock: Clock) -> Iterator[Hub]:
    with Hub(make_settings(tmp_path), transport=transport_for(sandbox), now=clock) as opened:
        yield opened


@pytest.fixture
async def api(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_api(hub)), base_url="http://bchub.test"
    ) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# every /api/v1 route, with a method that needs no body to reach the auth check
PROTECTED = [("GET", "/api/v1/connections"), ("POST", "/api/v1/connections/1/test"), ("GET", "/api/v1/jobs")]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_a_missing_token_is_401_saying_how_to_get_one(api: httpx.AsyncClient, method: str, path: str) -> None:
    answer = await api.request(method, path)
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["detail"].startswith("missing API token") and "bchub tokens create" in answer.json()["detail"]


@pytest.mark.parametrize("value", ["nope", "bchub_" + "A" * 43, "Basic dXNlcjpwYXNz"])
async def test_a_wrong_token_is_401(api: httpx.AsyncClient, value: str) -> None:
    headers = {"Authorization": value} if value.startswith("Basic") else bearer(value)
    answer = await api.get("/api/v1/connections", headers=headers)
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


async def test_a_created_token_opens_the_api_and_records_its_use(
    api: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    created = hub.tokens.create("ci")
    assert created.value.startswith("bchub_") and created.token.shown == created.value[:10]
    answer = await api.get("/api/v1/connections", headers=bearer(created.value))
    assert answer.status_code == 200 and answer.json() == []
    assert hub.tokens.all()[0].last_used_at == clock.now
    # within a minute the use is not written again; after it, it is
    clock.now += timedelta(seconds=30)
    await api.get("/api/v1/connections", headers=bearer(created.value))
    assert hub.tokens.all()[0].last_used_at == clock.now - timedelta(seconds=30)
    clock.now += timedelta(minutes=2)
    await api.get("/api/v1/connections", headers=bearer(created.value))
    assert hub.tokens.all()[0].last_used_at == clock.now


async def test_a_revoked_token_stops_working_at_once(api: httpx.AsyncClient, hub: Hub) -> None:
    kept, revoked = hub.tokens.create("kept"), hub.tokens.create("old")
    assert (await api.get("/api/v1/connections", headers=bearer(revoked.value))).status_code == 200
    hub.tokens.revoke("old")
    refused = await api.get("/api/v1/connections", headers=bearer(revoked.value))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert (await api.get("/api/v1/connections", headers=bearer(kept.value))).status_code == 200


async def test_an_expired_token_is_refused(api: httpx.AsyncClient, hub: Hub, clock: Clock) -> None:
    created = hub.tokens.create("temp", expires_in_days=1)
    assert (await api.get("/api/v1/connections", headers=bearer(created.value))).status_code == 200
    clock.now += timedelta(days=1)
    assert (await api.get("/api/v1/connections", headers=bearer(created.value))).status_code == 401


async def test_the_bootstrap_token_works_only_when_configured(sandbox: Sandbox, tmp_path: Path) -> None:
    with Hub(make_settings(tmp_path, api_token=BOOTSTRAP), transport=transport_for(sandbox)) as hub:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api(hub)), base_url="http://t") as api:
            assert (await api.get("/api/v1/connections", headers=bearer(BOOTSTRAP))).status_code == 200
            assert (await api.get("/api/v1/connections", headers=bearer(BOOTSTRAP + "x"))).status_code == 401
    with Hub(make_settings(tmp_path / "none"), transport=transport_for(sandbox)) as hub:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api(hub)), base_url="http://t") as api:
            assert (await api.get("/api/v1/connections", headers=bearer(BOOTSTRAP))).status_code == 401


async def test_tokens_are_stored_only_as_hashes(hub: Hub) -> None:
    created = hub.tokens.create("ci")
    with hub.engine.connect() as connection:
        stored = connection.execute(text("SELECT name, token_hash, shown FROM api_tokens")).one()
    assert created.value not in "".join(stored) and created.value[10:] not in "".join(stored)
    assert len(stored.token_hash) == 64 and stored.shown == created.value[:10]
    assert created.value not in repr(created)


async def test_token_names_are_unique_and_expiry_is_bounded(hub: Hub) -> None:
    hub.tokens.create("ci")
    hub.tokens.revoke("ci")
    with pytest.raises(ConflictError, match="revoked tokens keep their names"):
        hub.tokens.create("ci")
    with pytest.raises(InputError, match="1 to 3650 days"):
        hub.tokens.create("later", expires_in_days=0)
    with pytest.raises(InputError, match="needs a name"):
        hub.tokens.create("  ")
    with pytest.raises(NotFoundError, match="tokens: ci"):
        hub.tokens.revoke("cd")


async def test_the_openapi_page_documents_bearer_auth(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"HTTPBearer": []} in schema["paths"]["/api/v1/connections"]["get"]["security"]
    assert "/console/login" not in schema["paths"] and "/" not in schema["paths"]


async def test_console_sessions_do_not_open_the_api(api: httpx.AsyncClient, hub: Hub) -> None:
    cheap_passwords(hub)
    hub.users.add("alice", "correct horse battery")
    assert (await log_in(api, "alice", "correct horse battery")).status_code == 303
    assert (await api.get("/api/v1/connections")).status_code == 401

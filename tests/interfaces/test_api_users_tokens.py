"""``/api/v1/users`` and ``/api/v1/tokens``: what ``bchub users`` and ``bchub tokens`` do, over REST.

Passwords and token values go in (or, for a new token, out) once and are never returned, listed
or logged afterwards; ``secrets_guard`` checks every log record of each test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for
from tests.browser.support import cheap_passwords, console_client, log_in
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def hub(sandbox: Sandbox, tmp_path: Path) -> Iterator[Hub]:
    with Hub(make_settings(tmp_path), transport=transport_for(sandbox)) as opened:
        cheap_passwords(opened)
        yield opened


@pytest.fixture
def admin_token(hub: Hub, secrets_guard: SecretsGuard) -> str:
    created = hub.tokens.create("admin")
    # lists and logs show a token's first characters on purpose: the rest is the secret
    secrets_guard.add(created.value[len(created.token.shown) :], PASSWORD, NEW_PASSWORD, label="credential")
    return created.value


@pytest.fixture
async def api(hub: Hub, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_api(hub))
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bchub.test", headers=headers) as client:
        yield client


def no_secret_in(answer: httpx.Response, guard: SecretsGuard) -> None:
    guard.check(answer.text, f"{answer.request.method} {answer.request.url.path}")


# -- users ----------------------------------------------------------------------------------------


async def test_users_list_create_change_password_delete(
    api: httpx.AsyncClient, hub: Hub, secrets_guard: SecretsGuard
) -> None:
    assert (await api.get("/api/v1/users")).json() == []
    created = await api.post("/api/v1/users", json={"username": "Alice@Example.com", "password": PASSWORD})
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "username", "created_at", "last_login_at"}
    assert body["username"] == "alice@example.com" and body["last_login_at"] is None
    no_secret_in(created, secrets_guard)
    hub.users.authenticate("alice@example.com", PASSWORD)  # the password given over the API is the one that works

    listed = await api.get("/api/v1/users")
    assert [user["username"] for user in listed.json()] == ["alice@example.com"]
    assert listed.json()[0]["last_login_at"] is not None

    changed = await api.put("/api/v1/users/alice@example.com/password", json={"password": NEW_PASSWORD})
    assert changed.status_code == 200 and changed.json()["id"] == body["id"]
    no_secret_in(changed, secrets_guard)
    hub.users.authenticate("alice@example.com", NEW_PASSWORD)

    removed = await api.delete("/api/v1/users/alice@example.com")
    assert removed.status_code == 204 and removed.content == b""
    assert hub.users.all() == []


async def test_user_mistakes_are_clear_and_never_echo_the_password(
    api: httpx.AsyncClient, hub: Hub, secrets_guard: SecretsGuard
) -> None:
    short = await api.post("/api/v1/users", json={"username": "bob", "password": "short"})
    assert short.status_code == 422 and "at least 8 characters" in short.json()["detail"]
    same = await api.post("/api/v1/users", json={"username": "bobbobbob", "password": "BobBobBob"})
    assert same.status_code == 422 and "cannot be the username" in same.json()["detail"]
    odd = await api.post("/api/v1/users", json={"username": "bob", "password": PASSWORD, "admin": True})
    assert odd.status_code == 422 and PASSWORD not in odd.text  # FastAPI's validation error drops the input
    number = await api.post("/api/v1/users", json={"username": "bob", "password": 12345678})
    assert number.status_code == 422 and "12345678" not in number.text

    assert (await api.post("/api/v1/users", json={"username": "bob", "password": PASSWORD})).status_code == 201
    taken = await api.post("/api/v1/users", json={"username": "BOB", "password": PASSWORD})
    assert taken.status_code == 409 and "already exists" in taken.json()["detail"]
    for answer in (
        await api.put("/api/v1/users/carol/password", json={"password": PASSWORD}),
        await api.delete("/api/v1/users/carol"),
    ):
        assert answer.status_code == 404 and "no user named 'carol' (users: bob)" in answer.json()["detail"]
    for answer in (short, same, odd, number, taken):
        no_secret_in(answer, secrets_guard)
    assert [user.username for user in hub.users.all()] == ["bob"]


async def test_a_new_password_or_deletion_over_the_api_ends_console_sessions(api: httpx.AsyncClient, hub: Hub) -> None:
    hub.users.add("alice", PASSWORD)
    async with console_client(hub) as console:
        assert (await log_in(console, "alice", PASSWORD)).status_code == 303
        assert (await console.get("/console/")).status_code == 200
        await api.put("/api/v1/users/alice/password", json={"password": NEW_PASSWORD})
        assert (await console.get("/console/")).status_code == 303  # sent back to the login
        assert (await log_in(console, "alice", NEW_PASSWORD)).status_code == 303
        await api.delete("/api/v1/users/alice")
        assert (await console.get("/console/")).status_code == 303


async def test_user_changes_are_logged_with_who_made_them_and_no_password(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await api.post("/api/v1/users", json={"username": "dave", "password": PASSWORD})
    await api.put("/api/v1/users/dave/password", json={"password": NEW_PASSWORD})
    await api.delete("/api/v1/users/dave")
    lines = [record.getMessage() for record in caplog.records if record.name == "bchub.interfaces.api.users"]
    assert [line.split(" through the API by ")[0] for line in lines] == [
        "user 'dave' added",
        "password of user 'dave' changed",
        "user 'dave' removed",
    ]
    assert all(line.endswith("by API token 'admin' (bchub_" + line.split("(bchub_")[1]) for line in lines)
    assert all(line.split("(bchub_")[1] == lines[0].split("(bchub_")[1] for line in lines)
    assert len(lines[0].split("(bchub_")[1]) == len("Ab3x…)")
    assert not any(PASSWORD in line or NEW_PASSWORD in line for line in caplog.messages)


# -- tokens ---------------------------------------------------------------------------------------


async def test_a_created_token_is_shown_once_and_works(
    api: httpx.AsyncClient, hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    created = await api.post("/api/v1/tokens", json={"name": "ci", "expires_days": 30})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    value = body["value"]
    assert value.startswith("bchub_") and body["prefix"] == value[:10] and body["state"] == "active"
    assert body["expires_at"] is not None and body["last_used_at"] is None

    listed = await api.get("/api/v1/tokens")
    assert value not in listed.text and value[10:18] not in listed.text
    rows = {row["name"]: row for row in listed.json()}
    assert set(rows) == {"admin", "ci"} and "value" not in rows["ci"]
    assert set(rows["ci"]) == {
        "id",
        "name",
        "prefix",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert rows["admin"]["last_used_at"] is not None  # this very request used it

    used = await api.get("/api/v1/users", headers={"Authorization": f"Bearer {value}"})
    assert used.status_code == 200
    assert not any(value[6:14] in message for message in caplog.messages)
    with hub.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash, shown FROM api_tokens WHERE name = 'ci'")).one()
    assert value not in "".join(stored)


async def test_revoking_a_token_stops_it_at_once_and_keeps_it_listed(api: httpx.AsyncClient) -> None:
    value = (await api.post("/api/v1/tokens", json={"name": "erp-sync"})).json()["value"]
    other = {"Authorization": f"Bearer {value}"}
    assert (await api.get("/api/v1/tokens", headers=other)).status_code == 200
    revoked = await api.post("/api/v1/tokens/erp-sync/revoke")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked" and "value" not in revoked.json()
    refused = await api.get("/api/v1/tokens", headers=other)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    again = await api.post(f"/api/v1/tokens/{revoked.json()['id']}/revoke")  # by id; nothing changes
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    states = {row["name"]: row["state"] for row in (await api.get("/api/v1/tokens")).json()}
    assert states == {"admin": "active", "erp-sync": "revoked"}


async def test_a_token_may_revoke_itself(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/tokens/admin/revoke")).json()["state"] == "revoked"
    assert (await api.get("/api/v1/tokens")).status_code == 401


async def test_token_mistakes_are_clear(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/tokens", json={"name": "ci"})
    taken = await api.post("/api/v1/tokens", json={"name": "ci"})
    assert taken.status_code == 409 and "already exists" in taken.json()["detail"]
    for body, message in (
        ({"name": "  "}, "needs a name"),
        ({"name": "later", "expires_days": 0}, "1 to 3650 days"),
    ):
        answer = await api.post("/api/v1/tokens", json=body)
        assert answer.status_code == 422 and message in answer.json()["detail"]
    extra = await api.post("/api/v1/tokens", json={"name": "x", "value": "bchub_mine"})
    assert extra.status_code == 422 and extra.json()["detail"][0]["loc"] == ["body", "value"]
    missing = await api.post("/api/v1/tokens/nope/revoke")
    assert missing.status_code == 404 and "tokens: admin, ci" in missing.json()["detail"]


async def test_the_openapi_page_says_who_may_manage_users_and_tokens(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    for path, method in (
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{username}/password", "put"),
        ("/api/v1/users/{username}", "delete"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{token}/revoke", "post"),
    ):
        operation = paths[path][method]
        assert "any valid API token may" in operation["description"], (method, path)
        assert {"HTTPBearer": []} in operation["security"]
    assert paths["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]["schema"]

"""A whole session through the CLI and the API, every output and log line checked for secrets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bchub.app import Hub
from bchub.interfaces.api.app import RedactCallbackQuery, create_api
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bchub.settings import Settings
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for
from tests.interfaces.conftest import credentials_file
from tests.support.hub import make_settings
from tests.support.secrets_guard import SecretsGuard

API_TOKEN = "hub-api-token-0123456789"


def test_cli_session_shows_no_secret(
    runner: CliRunner,
    cli_state: Callable[[], CliState],
    sandbox: Sandbox,
    hub_settings: Settings,
    tmp_path: Path,
    secrets_guard: SecretsGuard,
) -> None:
    store = sandbox.create_store("leak1", name="Leak Test", plan="plus")
    account = next(iter(store.accounts.values()))
    replacement = store.add_account()
    secrets_guard.add(account.access_token, replacement.access_token, label="access token")
    secrets_guard.add(account.client_secret, replacement.client_secret, label="client secret")
    path = credentials_file(store, tmp_path)

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(app, ["-vv", *args], obj=cli_state(), input=input)
        secrets_guard.check(result.output, f"`bchub {' '.join(args)}`")
        return result.output

    assert "TEST PASSED" in run("connections", "add", "--credentials-file", str(path), "--role", "both")
    secrets_guard.add(hub_settings.key_file.read_text().strip(), label="secret key")
    for args in (
        ("connections", "list"),
        ("connections", "list", "--json"),
        ("connections", "show", "Leak Test API"),
        ("connections", "show", "Leak Test API", "--json"),
        ("connections", "test", "Leak Test API", "--json"),
    ):
        run(*args)
    store.revoke(account.access_token)
    assert "401" in run("connections", "test", "Leak Test API")
    conflicting = run(
        "connections", "add", "x", "--credentials-file", str(path), "--access-token", replacement.access_token
    )
    assert "conflicting access tokens" in conflicting
    run("connections", "add", "y", "--store-hash", "leak1", "--access-token", account.access_token + "!")
    assert "TEST PASSED" in run(
        "connections",
        "edit",
        "Leak Test API",
        "--key",
        "-",
        "--client-secret",
        replacement.client_secret,
        "--test",
        input=f"{replacement.client_id}:{replacement.access_token}\n",
    )
    run("secrets", "rotate-key")
    secrets_guard.add(hub_settings.key_file.read_text().strip(), label="rotated secret key")
    run("connections", "show", "Leak Test API", "--json")
    run("connections", "remove", "Leak Test API", "--yes")
    secrets_guard.check_logs()
    assert any("bchub.bigcommerce" in record.name for record in secrets_guard.records)  # the client did log


@pytest.mark.anyio
async def test_api_session_shows_no_secret(sandbox: Sandbox, tmp_path: Path, secrets_guard: SecretsGuard) -> None:
    store = sandbox.create_store("leak2")
    account = next(iter(store.accounts.values()))
    secrets_guard.add(account.access_token, label="access token")
    secrets_guard.add(account.client_secret, label="client secret")
    secrets_guard.add(API_TOKEN, label="API token")
    with Hub(make_settings(tmp_path, api_token=API_TOKEN), transport=transport_for(sandbox)) as hub:
        transport = httpx.ASGITransport(app=create_api(hub))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bchub.test", headers={"Authorization": f"Bearer {API_TOKEN}"}
        ) as api:
            texts = []
            created = await api.post(
                "/api/v1/connections",
                json={
                    "store_hash": "leak2",
                    "access_token": account.access_token,
                    "client_secret": account.client_secret,
                },
            )
            texts.append(created.text)
            connection_id = created.json()["id"]
            texts.append((await api.post(f"/api/v1/connections/{connection_id}/test")).text)
            texts.append((await api.get("/api/v1/connections")).text)
            store.revoke(account.access_token)
            texts.append((await api.post(f"/api/v1/connections/{connection_id}/test")).text)
            texts.append((await api.patch(f"/api/v1/connections/{connection_id}", json={"access_token": "bad"})).text)
            texts.append((await api.get(f"/api/v1/connections/{connection_id}")).text)
    for text in texts:
        secrets_guard.check(text, "an API response")
    secrets_guard.check_logs()


def test_the_guard_catches_leaks(secrets_guard: SecretsGuard) -> None:
    token = "0123456789abcdef0123456789abcdef"
    secrets_guard.add(token, label="token")
    secrets_guard.check("token ****cdef", "masked output")  # four characters are allowed
    for leaked in (token, f"prefix {token[:10]}", f"{token[12:24]} suffix"):
        with pytest.raises(AssertionError, match="token leaked in output") as caught:
            secrets_guard.check(leaked, "output")
        assert token not in str(caught.value)
    logging.getLogger("bchub.test").debug("oops %s", token)
    with pytest.raises(AssertionError, match="token leaked in the logs"):
        secrets_guard.check_logs()
    secrets_guard.forget_logs()  # keep the fixture's own teardown check green


def test_access_log_masks_install_codes_and_signed_payloads() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/bigcommerce/auth?code=qr6h3thvbvag2ffq&context=stores%2Fabc123", "1.1", 200),
        None,
    )
    assert RedactCallbackQuery().filter(record)
    assert (
        record.getMessage() == '127.0.0.1:5000 - "GET /bigcommerce/auth?code=****&context=stores%2Fabc123 HTTP/1.1" 200'
    )

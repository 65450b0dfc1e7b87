"""What the console tests share: a hub with users, a logged-in httpx client, the credentials file.

Used by ``tests/interfaces/test_console_*.py`` (httpx, in-process) and ``tests/browser`` (Chromium).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.sync.users import UserService
from bcsandbox import Store

USERNAME = "alice"
PASSWORD = "correct horse battery"
# argon2id at its cheapest: these tests are about sessions, not the cost of a guess
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def cheap_passwords(hub: Hub) -> None:
    hub.users = UserService(hub.sessions, hasher=FAST_HASHER)


def credentials_text(store: Store) -> str:
    """The .txt file the control panel downloads when a store-level API account is created."""
    account = next(iter(store.accounts.values()))
    return (
        f"ACCESS TOKEN: {account.access_token}\n"
        f"CLIENT NAME: {store.name} API\n"
        f"CLIENT ID: {account.client_id}\n"
        f"CLIENT SECRET: {account.client_secret}\n"
        f"NAME: {store.name} API\n"
        f"API PATH: https://api.bigcommerce.com/stores/{store.hash}/v3/\n"
    )


def write_credentials_file(store: Store, directory: Path) -> Path:
    path = directory / f"{store.hash}-credentials.txt"
    path.write_text(credentials_text(store))
    return path


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


def console_client(hub: Hub, *, https: bool = False) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_api(hub))
    scheme = "https" if https else "http"
    return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://bchub.test")


async def log_in(client: httpx.AsyncClient, username: str = USERNAME, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/console/"},
    )


async def page_csrf(client: httpx.AsyncClient, path: str = "/console/") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


@asynccontextmanager
async def logged_in(hub: Hub, *, https: bool = False) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a console session of ``alice`` (created if missing)."""
    if USERNAME not in [user.username for user in hub.users.all()]:
        hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub, https=https) as client:
        answer = await log_in(client)
        assert answer.status_code == 303, answer.text
        yield client

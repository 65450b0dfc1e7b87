"""Fixtures shared by every test: a fresh sandbox and a store in it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bcsandbox import Sandbox, SandboxSettings, Store
from bcsandbox.testing import api_client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(SandboxSettings(window_ms=30_000))


@pytest.fixture
def store(sandbox: Sandbox) -> Store:
    return sandbox.create_store("abc123", name="Test Store", plan="enterprise")


@pytest.fixture
async def api(sandbox: Sandbox, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client on ``store`` (in-process, through the ASGI transport)."""
    async with api_client(sandbox, store) as client:
        yield client


@pytest.fixture(autouse=True)
def _no_store_secret_in_hub_output(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Suite-wide leak check: no token or client secret of any sandbox store in bchub's logs or CLI output.

    Every test that uses the ``sandbox`` fixture is checked: all ``bchub`` log records (at DEBUG)
    and everything a Typer ``CliRunner`` printed. (The emulator itself prints tokens on purpose:
    it is the store, so its own logs are not checked.)
    """
    from typer.testing import CliRunner

    from tests.support.secrets_guard import SecretsGuard

    guard = SecretsGuard()
    hub_logger = logging.getLogger("bchub")
    previous = hub_logger.level
    hub_logger.addHandler(guard.handler)
    hub_logger.setLevel(logging.DEBUG)
    outputs: list[str] = []
    original_invoke = CliRunner.invoke

    def recording_invoke(self: CliRunner, *args: Any, **kwargs: Any) -> Any:
        result = original_invoke(self, *args, **kwargs)
        outputs.append(result.output)
        return result

    monkeypatch.setattr(CliRunner, "invoke", recording_invoke)
    sandbox: Sandbox | None = request.getfixturevalue("sandbox") if "sandbox" in request.fixturenames else None
    try:
        yield
    finally:
        hub_logger.removeHandler(guard.handler)
        hub_logger.setLevel(previous)
    if sandbox is None:
        return
    for store in sandbox.stores.values():
        for account in store.accounts.values():
            for secret in (account.access_token, account.client_secret):
                if len(secret) >= guard.window:
                    guard.add(secret, label=f"a secret of store {store.hash}")
    guard.check_logs()
    for number, output in enumerate(outputs, 1):
        guard.check(output, f"CLI output #{number}")

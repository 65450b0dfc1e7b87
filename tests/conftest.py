"""Fixtures shared by every test: a fresh sandbox and a store in it."""

from __future__ import annotations

from collections.abc import AsyncIterator

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

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.settings import Settings
from tests.support import hub as hub_fixtures
from tests.support import servers

PUBLIC_URL = "http://127.0.0.1:9"  # the sandbox accepts plain http on loopback; deliveries go in-process

hub = hub_fixtures.hub
postgres_server = servers.postgres_server
postgres_url = servers.postgres_url
redis_server = servers.redis_server
redis_url = servers.redis_url


@pytest.fixture
def hub_settings(tmp_path: Path) -> Settings:
    return hub_fixtures.make_settings(tmp_path, public_url=PUBLIC_URL)


@pytest.fixture
async def hub_api(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    """bchub's web app (REST API and webhook receiver), in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api(hub)), base_url=PUBLIC_URL) as client:
        yield client

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bchub.bigcommerce import BigCommerceClient
from bcsandbox import Sandbox, Store
from tests.client.helpers import make_client


@pytest.fixture
async def client(sandbox: Sandbox, store: Store) -> AsyncIterator[BigCommerceClient]:
    """A real client on the enterprise-plan test store, through the in-process sandbox."""
    async with make_client(sandbox, store) as bc:
        yield bc

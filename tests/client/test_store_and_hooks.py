"""The store and hooks services against the sandbox, every response checked against the official specs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import pytest

from bchub.bigcommerce import BigCommerceClient, NotFound
from bchub.bigcommerce.models import HookInput
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.client.helpers import Recording, make_client
from tests.support.conformance import assert_conforms

pytestmark = pytest.mark.anyio


@pytest.fixture
def recording(sandbox: Sandbox) -> Recording:
    return Recording(transport_for(sandbox))


@pytest.fixture
async def checked(sandbox: Sandbox, store: Store, recording: Recording) -> AsyncIterator[BigCommerceClient]:
    """A client whose every response must match the official spec of the operation it called."""
    async with make_client(sandbox, store, transport=recording) as client:
        yield client
    for response in recording.responses:
        assert_conforms(response)


async def test_store_info(checked: BigCommerceClient, store: Store) -> None:
    info = await checked.store.info()
    assert info.id == store.hash
    assert info.name == "Test Store"
    assert info.store_id == store.store_id
    assert info.plan_name == "Enterprise"
    assert info.model_extra  # fields the model does not declare are kept, not rejected


async def test_store_time_is_aware_utc(checked: BigCommerceClient, sandbox: Sandbox) -> None:
    moment = await checked.store.time()
    assert moment.tzinfo is UTC
    assert abs(moment - sandbox.clock.now()) < timedelta(seconds=2)


async def test_hook_lifecycle(checked: BigCommerceClient, store: Store, recording: Recording) -> None:
    created = await checked.hooks.create(
        HookInput(scope="store/order/created", destination="https://hooks.example.com/orders", headers={"X-Key": "v"})
    )
    assert created.is_active and created.headers == {"X-Key": "v"}
    assert created.store_hash == store.hash and created.created_at is not None
    assert (await checked.hooks.get(created.id)).destination == "https://hooks.example.com/orders"
    await checked.hooks.create({"scope": "store/product/updated", "destination": "https://hooks.example.com/p"})

    assert [hook.scope async for hook in checked.hooks.list(scope="store/order/created")] == ["store/order/created"]
    assert len([hook async for hook in checked.hooks.list()]) == 2
    assert (await checked.hooks.find("store/order/created", "https://hooks.example.com/orders")) == created
    assert await checked.hooks.find("store/order/created", "https://elsewhere.example.com") is None

    updated = await checked.hooks.update(created.id, HookInput(is_active=False))
    assert updated.is_active is False and updated.scope == "store/order/created"  # unset fields were not sent
    assert [hook.id async for hook in checked.hooks.list(is_active=False)] == [created.id]

    deleted = await checked.hooks.delete(created.id)
    assert deleted.id == created.id
    with pytest.raises(NotFound):
        await checked.hooks.get(created.id)
    assert ("POST", "/stores/abc123/v3/hooks", 200) in recording.operations()

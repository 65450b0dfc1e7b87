"""One log line per request with method, path, status, duration and quota; the token only masked."""

from __future__ import annotations

import logging

import pytest

from bchub.bigcommerce import AuthFailed, WriteOutcomeUnknown
from bcsandbox import Sandbox, Store
from bcsandbox.faults import FaultRule
from tests.client.helpers import make_client, token_of

pytestmark = pytest.mark.anyio


async def test_each_request_is_logged_without_the_token(
    sandbox: Sandbox, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = token_of(store)
    store.faults.add(FaultRule(path="/v2/time", error_rate=1.0, error_statuses=(503,), remaining=1))
    store.faults.add(FaultRule(method="POST", path="/v3/hooks", drop_rate=1.0))
    async with make_client(sandbox, store) as client:
        await client.store.time()
        await client.store.info()
        with pytest.raises(WriteOutcomeUnknown):
            await client.hooks.create({"scope": "store/order/created", "destination": "https://h.example.com/x"})
    async with make_client(sandbox, store, token="wrong-token-abcdefgh") as client:
        with pytest.raises(AuthFailed):
            await client.store.time()

    lines = [record.getMessage() for record in caplog.records if record.name == "bchub.bigcommerce"]
    request_lines = [line for line in lines if " -> " in line]
    assert len(request_lines) == 5
    assert request_lines[0].startswith("GET /v2/time -> 503 in ")
    assert "quota left" in request_lines[0] and " ms" in request_lines[0]
    assert request_lines[1].startswith("GET /v2/time -> 200 in ")
    assert request_lines[2].startswith("GET /v2/store -> 200 in ")
    assert request_lines[3].startswith("POST /v3/hooks -> RemoteProtocolError in ")
    assert request_lines[4].startswith("GET /v2/time -> 401 in ")
    assert f"token ****{token[-4:]}" in request_lines[0]
    assert "token ****efgh" in request_lines[4]
    assert any(line.startswith("retrying GET /v2/time") for line in lines)
    everything = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert token not in everything
    assert "wrong-token-abcdefgh" not in everything

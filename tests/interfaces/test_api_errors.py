"""How ``/api/v1`` answers when things go wrong: statuses, JSON bodies, and bodies too large to read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bchub.app import Hub
from bchub.errors import NotFoundError, RetryableError
from bchub.interfaces.api import catalog, connections, orders
from bchub.interfaces.api.app import create_api
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for
from tests.support.hub import make_settings

pytestmark = pytest.mark.anyio
API_TOKEN = "hub-api-token-errors-0123456789"


@pytest.fixture
def hub(sandbox: Sandbox, tmp_path: Path) -> Iterator[Hub]:
    with Hub(make_settings(tmp_path, api_token=API_TOKEN), transport=transport_for(sandbox)) as opened:
        yield opened


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    return create_api(hub)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bchub.test", headers=headers
    ) as client:
        yield client


async def test_a_csv_body_over_the_limit_is_413_before_it_is_read(api: httpx.AsyncClient) -> None:
    too_big = b"order,sku,quantity\n" + b"1" * orders.MAX_CSV_BYTES
    answer = await api.post("/api/v1/connections/1/shipments/import-csv", content=too_big)
    assert answer.status_code == 413 and answer.json() == {"detail": "the CSV body is over 10 MB; split it"}


async def test_a_chunked_csv_body_is_cut_off_at_the_limit(api: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(catalog.MAX_CSV_BYTES // 1_000_000 + 20):
            sent += 1
            yield b"x" * 1_000_000

    answer = await api.post("/api/v1/catalog/import-csv", content=chunks(), headers={"Content-Type": "text/csv"})
    assert answer.status_code == 413 and "over 50 MB" in answer.json()["detail"]
    assert sent <= catalog.MAX_CSV_BYTES // 1_000_000 + 2  # the rest was never read


async def test_a_csv_body_that_is_not_text_is_422(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/v1/catalog/import-csv", content=b"sku,name\n\xff\xfe,x\n")
    assert answer.status_code == 422 and answer.json() == {"detail": "the CSV body is not UTF-8 text"}


async def test_an_upload_over_the_limit_is_413(api: httpx.AsyncClient) -> None:
    big = b"x" * (connections.UPLOAD_MAX + 1)
    answer = await api.post("/api/v1/connections/upload", files={"credentials_file": ("c.txt", big)})
    assert answer.status_code == 413
    assert (await api.get("/api/v1/connections")).json() == []


async def test_a_retryable_error_is_503_with_retry_after(app: FastAPI, api: httpx.AsyncClient) -> None:
    # a route of this test's own, raising what a service raises when a store asks to slow down
    @app.get("/api/v1/test-only/busy")
    def busy() -> None:
        raise RetryableError("the store is rate limiting; try again shortly", delay=2.2)

    answer = await api.get("/api/v1/test-only/busy")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "3"
    assert answer.json() == {"detail": "the store is rate limiting; try again shortly"}


async def test_an_error_with_a_next_step_says_it(app: FastAPI, api: httpx.AsyncClient) -> None:
    @app.get("/api/v1/test-only/missing")
    def missing() -> None:
        raise NotFoundError("no connection named 'shp'", next_step="bchub connections list")

    answer = await api.get("/api/v1/test-only/missing")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "no connection named 'shp'", "next_step": "bchub connections list"}
    plain = await api.get("/api/v1/connections/99")
    assert plain.status_code == 404 and set(plain.json()) == {"detail"}

"""``/api/v1/jobs``, ``/api/v1/schedules``, ``/api/v1/webhook-events`` and ``/api/v1/operations``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.jobs.webhooks import SECRET_HEADER
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.jobs.conftest import PUBLIC_URL
from tests.jobs.helpers import add_connection
from tests.support.hub import make_settings

pytestmark = pytest.mark.anyio
API_TOKEN = "hub-api-token-jobs-0123456789"


@pytest.fixture
def api_hub(sandbox: Sandbox, store: Store, tmp_path: Path) -> Hub:
    hub = Hub(make_settings(tmp_path, api_token=API_TOKEN, public_url=PUBLIC_URL), transport=transport_for(sandbox))
    add_connection(hub, store)
    return hub


@pytest.fixture
async def api(api_hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_api(api_hub))
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL, headers=headers) as client:
        yield client
    api_hub.close()


async def test_the_api_needs_the_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/jobs", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


async def test_submit_absorb_show_cancel_retry(api: httpx.AsyncClient, api_hub: Hub) -> None:
    body = {"operation": "test_connection", "connection": "shop", "params": {"note": 1}}
    first = await api.post("/api/v1/jobs", json=body)
    assert first.status_code == 202 and first.json()["created"] is True
    job_id = first.json()["job"]["id"]
    again = await api.post("/api/v1/jobs", json=body)
    assert again.json()["created"] is False and again.json()["job"]["id"] == job_id

    await api_hub.jobs.runner("w1").run(job_id)
    shown = (await api.get(f"/api/v1/jobs/{job_id}", params={"items": "all"})).json()
    assert shown["status"] == "succeeded" and shown["source"] == "api"
    assert shown["runs"][0]["items"] == [{"kind": "connection", "key": "shop", "outcome": "unchanged", "reason": None}]
    listed = (await api.get("/api/v1/jobs", params={"status": "succeeded"})).json()
    assert [job["id"] for job in listed] == [job_id]

    cancel = await api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert cancel.status_code == 422 and "already finished" in cancel.json()["detail"]
    retried = await api.post(f"/api/v1/jobs/{job_id}/retry")
    assert retried.status_code == 202 and retried.json()["job"]["retry_of"] == job_id
    new_id = retried.json()["job"]["id"]
    cancelled = await api.post(f"/api/v1/jobs/{new_id}/cancel")
    assert cancelled.json()["status"] == "cancelled"


async def test_unknown_things_are_404_or_422(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/jobs/999")).status_code == 404
    unknown = await api.post("/api/v1/jobs", json={"operation": "nope", "connection": "shop"})
    assert unknown.status_code == 422 and "unknown operation 'nope'" in unknown.json()["detail"]
    nobody = await api.post("/api/v1/jobs", json={"operation": "test_connection", "connection": "ghost"})
    assert nobody.status_code == 404


async def test_schedules_and_operations(api: httpx.AsyncClient) -> None:
    names = {entry["name"] for entry in (await api.get("/api/v1/operations")).json()}
    assert {"test_connection", "keep_webhooks"} <= names
    saved = await api.put("/api/v1/schedules/shop/test_connection", json={"enabled": True, "interval_s": 600})
    assert saved.status_code == 200 and saved.json()["enabled"] is True and saved.json()["next_run_at"] is not None
    (listed,) = (await api.get("/api/v1/schedules", params={"connection": "shop"})).json()
    assert (listed["operation"], listed["interval_s"]) == ("test_connection", 600)
    short = await api.put("/api/v1/schedules/shop/test_connection", json={"interval_s": 1})
    assert short.status_code == 422


async def test_webhook_events_are_listed_and_replayed(api: httpx.AsyncClient, api_hub: Hub, store: Store) -> None:
    payload = {
        "scope": "store/order/created",
        "store_id": str(store.store_id),
        "data": {"type": "order", "id": 3},
        "hash": "f" * 40,
        "created_at": 1_767_600_000,
        "producer": f"stores/{store.hash}",
    }
    secret = {SECRET_HEADER: api_hub.webhooks.secrets.current()}
    assert (await api.post("/webhooks/bigcommerce", json=payload, headers=secret)).status_code == 200
    assert (await api.post("/webhooks/bigcommerce", json=payload, headers=secret)).status_code == 200
    (event,) = (await api.get("/api/v1/webhook-events")).json()
    assert event["scope"] == "store/order/created" and "payload" not in event
    detail = (await api.get(f"/api/v1/webhook-events/{event['id']}")).json()
    assert detail["payload"] == payload
    replayed = await api.post(f"/api/v1/webhook-events/{event['id']}/replay")
    assert replayed.status_code == 200 and replayed.json()["replays"] == 1

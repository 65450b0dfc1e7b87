"""Console jobs pages through httpx: Run now, runs with their item outcomes, Retry, Cancel; webhook events, Replay."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.jobs.model import JobStatus
from bchub.sync.connections import CredentialInput, NewConnection
from bcsandbox import Store
from tests.browser.support import cheap_passwords, logged_in, page_csrf

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _cheap_passwords(hub: Hub) -> None:
    cheap_passwords(hub)


def add(hub: Hub, store: Store) -> int:
    token = next(iter(store.accounts))
    connection = hub.connections.add(
        NewConnection(Role.MERCHANT, CredentialInput(store_hash=store.hash, access_token=token), name="shop")
    )
    assert connection.id is not None
    return connection.id


def htmx(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token, "HX-Request": "true"}


async def test_run_now_then_see_the_run_and_its_items(hub: Hub, store: Store) -> None:
    connection_id = add(hub, store)
    async with logged_in(hub) as client:
        page = await client.get(f"/console/connections/{connection_id}")
        assert 'hx-post="/console/jobs/run"' in page.text and '"operation": "test_connection"' in page.text
        token = await page_csrf(client, f"/console/connections/{connection_id}")
        queued = await client.post(
            "/console/jobs/run",
            data={"operation": "test_connection", "connection": str(connection_id)},
            headers=htmx(token),
        )
        assert queued.status_code == 200, queued.text
        job_id = int(queued.headers["hx-redirect"].rsplit("/", 1)[1])
        waiting = await client.get(f"/console/jobs/{job_id}")
        assert "Queued job" in waiting.text and "Not run yet" in waiting.text and ">Cancel<" in waiting.text

        done = await hub.jobs.wait(job_id, run_here=True)
        assert done.status is JobStatus.SUCCEEDED
        detail = await client.get(f"/console/jobs/{job_id}?items=all")
        assert '<span class="badge ok">succeeded</span>' in detail.text
        assert "console (alice)" in detail.text and ">Retry<" in detail.text
        assert "unchanged 1" in detail.text and '<td class="mono">shop</td><td>unchanged</td>' in detail.text
        only_failures = await client.get(f"/console/jobs/{job_id}")
        assert "No item failed." in only_failures.text

        listing = await client.get("/console/jobs?status=succeeded&connection=shop")
        assert f'href="/console/jobs/{job_id}">#{job_id}</a>' in listing.text
        assert "No jobs match these filters" in (await client.get("/console/jobs?status=failed")).text

        retried = await client.post(f"/console/jobs/{job_id}/retry", headers=htmx(token))
        new_id = int(retried.headers["hx-redirect"].rsplit("/", 1)[1])
        assert new_id != job_id
        assert f"Job {job_id} queued again as job {new_id}." in (await client.get(f"/console/jobs/{new_id}")).text
        assert hub.jobs.get(new_id).retry_of == job_id


async def test_a_failing_run_shows_each_failed_item_with_its_reason(hub: Hub, store: Store) -> None:
    connection_id = add(hub, store)
    store.revoke(next(iter(store.accounts)))
    job = hub.jobs.run("test_connection", connection_id).job
    await hub.jobs.wait(job.id, run_here=True)
    async with logged_in(hub) as client:
        detail = await client.get(f"/console/jobs/{job.id}")
        dashboard = await client.get("/console/")
    assert "Failed items" in detail.text and "was refused (401 on GET /v2/store)" in detail.text
    # the dashboard lists it among the failures, and as the connection's last job
    assert "Needs attention: jobs that failed in the last day" in dashboard.text
    assert dashboard.text.count(f'href="/console/jobs/{job.id}"') == 2


async def test_cancel_a_queued_job(hub: Hub, store: Store) -> None:
    job = hub.jobs.run("test_connection", add(hub, store)).job
    async with logged_in(hub) as client:
        token = await page_csrf(client, f"/console/jobs/{job.id}")
        cancelled = await client.post(f"/console/jobs/{job.id}/cancel", headers=htmx(token))
        assert cancelled.headers["hx-redirect"] == f"/console/jobs/{job.id}"
        page = await client.get(f"/console/jobs/{job.id}")
        assert f"Job {job.id} cancelled." in page.text and '<span class="badge off">cancelled</span>' in page.text
        # a second cancel is refused, and the message lands in the page's message area
        refused = await client.post(f"/console/jobs/{job.id}/cancel", headers=htmx(token))
        assert refused.status_code == 422 and refused.headers["hx-retarget"] == "#htmx-messages"
        assert "has already finished (cancelled); nothing to cancel" in refused.text
        assert "<html" not in refused.text


async def test_mistakes_get_an_error_page(hub: Hub, store: Store) -> None:
    add(hub, store)
    async with logged_in(hub) as client:
        token = await page_csrf(client, "/console/jobs")
        bad_status = await client.get("/console/jobs?status=done")
        assert bad_status.status_code == 422 and "no job status &#39;done&#39;" in bad_status.text
        unknown = await client.post(
            "/console/jobs/run", data={"operation": "teleport", "connection": "shop", "csrf_token": token}
        )
        assert unknown.status_code == 422
        missing = await client.get("/console/jobs/999")
        assert missing.status_code == 404


async def test_webhook_events_are_listed_and_replayed(hub: Hub, store: Store) -> None:
    add(hub, store)
    received = hub.webhooks.receive(
        {
            "scope": "store/order/created",
            "store_id": "1001",
            "data": {"type": "order", "id": 250},
            "hash": "abc",
            "created_at": 1561479335,
            "producer": f"stores/{store.hash}",
        }
    )
    assert received.event is not None
    async with logged_in(hub) as client:
        page = await client.get("/console/webhooks")
        assert "store/order/created" in page.text and "shop" in page.text and ">Replay<" in page.text
        token = await page_csrf(client, "/console/webhooks")
        replayed = await client.post(f"/console/webhooks/{received.event.id}/replay", headers=htmx(token))
        assert replayed.headers["hx-redirect"] == "/console/webhooks"
        after = await client.get("/console/webhooks")
        assert f"Replayed webhook event {received.event.id} (store/order/created)" in after.text
        assert "replayed 1×" in after.text
        assert "No webhook events match" in (await client.get("/console/webhooks?scope=store/product/deleted")).text

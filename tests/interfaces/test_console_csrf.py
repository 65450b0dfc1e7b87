"""CSRF protection of every state-changing console route, read from the console app's own route table.

Each POST/PUT/PATCH/DELETE route under ``/console`` gets a request that would change something (real
ids, a valid form) from a logged-in session, but without the session's CSRF token: with none, with a
forged one (form field and htmx header), and with another session's token sent cross-site (``Origin``
and ``Referer`` of another site), as a forged form on an attacker's page would. Every one must be
refused with 403 and leave the database and the stores untouched; the right token must get past the
check. A new unsafe route without a value for its path parameters fails ``PATH_VALUES``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.domain.scopes import enabled_operations
from bchub.interfaces.console import MOUNT, create_console
from bchub.jobs.webhooks import SECRET_HEADER
from bchub.storage.tables import Base
from bchub.sync.orders.get import GetRequest
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for
from tests.browser.support import (
    PASSWORD,
    USERNAME,
    cheap_passwords,
    console_client,
    csrf_of,
    log_in,
    logged_in,
    page_csrf,
)
from tests.support.hub import make_settings
from tests.sync.test_orders_helpers import MERCHANT, World, world

pytestmark = pytest.mark.anyio
__all__ = ["world"]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVIL = "https://evil.example"


def unsafe_console_routes(hub: Hub) -> list[tuple[str, str]]:
    """Every (method, path) of the console that changes state, as mounted under ``/console``."""
    console = create_console(hub)
    found = {
        (method, MOUNT + context.path)
        for context in iter_route_contexts(console.routes)
        if isinstance(context.path, str)
        for method in (context.methods or set()) & UNSAFE
    }
    return sorted(found)


@dataclass
class Scene:
    """What the forged requests aim at: things that exist, so an accepted request would change them."""

    world: World
    merchant: int
    job: int
    event: int
    order: int

    def path_values(self) -> dict[str, int]:
        return {
            "connection_id": self.merchant,
            "job_id": self.job,
            "event_id": self.event,
            "store_order_id": self.order,
        }

    def form(self, path: str) -> dict[str, Any]:
        """A form the route would accept (so a missing check would show up as a change)."""
        sku = self.world.own_skus()[0]
        merchant_store = self.world.merchant
        forms: dict[str, dict[str, Any]] = {
            "/console/login": {"username": USERNAME, "password": PASSWORD, "next": "/console/"},
            "/console/connections/new": {
                "role": "merchant",
                "name": "forged",
                "store_hash": merchant_store.hash,
                "access_token": next(iter(merchant_store.accounts)),
                "enabled": "on",
            },
            "/console/connections/{connection_id}": {
                "name": "renamed",
                "role": "merchant",
                "enabled": "on",
                "operations": [operation.key for operation in enabled_operations(Role.MERCHANT)],
            },
            "/console/jobs/run": {"operation": "test_connection", "connection": str(self.merchant)},
            "/console/catalog/dry-run": {"action": "hide", "target": str(self.merchant), "sku": sku},
            "/console/catalog/actions": {"action": "pause", "target": str(self.merchant), "sku": sku},
            "/console/orders/{connection_id}/{store_order_id}/route": {"force": "on"},
        }
        return forms.get(path, {})

    def url(self, path: str) -> str:
        values = self.path_values()

        def fill(match: re.Match[str]) -> str:
            name = match.group(1).split(":")[0]
            assert name in values, f"{path}: no value for {{{name}}}; add one to Scene.path_values"
            return str(values[name])

        return re.sub(r"\{([^}]+)\}", fill, path)


async def _scene(world: World) -> Scene:
    hub = world.hub
    merchant = next(connection.id for connection in hub.connections.all() if connection.name == MERCHANT)
    assert merchant is not None
    job = hub.jobs.run("test_connection", merchant, source="test").job.id
    number = world.place((world.own_skus()[1], 1))
    await hub.orders.get(merchant, GetRequest([number], False))
    payload = {
        "scope": "store/order/created",
        "store_id": str(world.merchant.store_id),
        "data": {"type": "order", "id": number},
        "hash": "c" * 40,
        "created_at": 1_767_600_000,
        "producer": f"stores/{world.merchant.hash}",
    }
    async with console_client(hub) as client:
        headers = {SECRET_HEADER: hub.webhooks.secrets.current()}
        assert (await client.post("/webhooks/bigcommerce", json=payload, headers=headers)).status_code == 200
    (event,) = hub.jobs.events.recent(limit=1)
    return Scene(world, merchant, job, event.id, number)


def snapshot(hub: Hub) -> dict[str, list[str]]:
    """Every row of every table, as text: any insert, update or delete shows up as a difference."""
    with hub.sessions() as session:
        return {
            name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for name, table in Base.metadata.tables.items()
        }


def store_requests(world: World) -> int:
    return len(world.sandbox.requests(world.merchant.hash)) + sum(
        len(world.sandbox.requests(world.vendor(number).hash)) for number in (0, 1)
    )


@pytest.fixture
async def scene(world: World) -> AsyncIterator[Scene]:
    cheap_passwords(world.hub)
    yield await _scene(world)


def _refused(answer: httpx.Response) -> bool:
    return answer.status_code == 403 and "CSRF token" in answer.text


async def test_every_unsafe_console_route_refuses_requests_without_the_sessions_token(scene: Scene) -> None:
    hub = scene.world.hub
    routes = unsafe_console_routes(hub)
    assert ("POST", "/console/login") in routes and len(routes) >= 14
    hub.users.add("mallory", "mallory's own password")
    async with logged_in(hub) as victim, console_client(hub) as attacker:
        assert (await log_in(attacker, "mallory", "mallory's own password")).status_code == 303
        foreign = await page_csrf(attacker)
        own = await page_csrf(victim)
        assert foreign != own
        before, requests_before = snapshot(hub), store_requests(scene.world)
        failures = []
        for method, path in routes:
            url, form = scene.url(path), scene.form(path)
            attempts = {
                "no token": await victim.request(method, url, data=form),
                "forged form token": await victim.request(method, url, data={**form, "csrf_token": "forged"}),
                "forged htmx header": await victim.request(
                    method, url, data=form, headers={"X-CSRF-Token": "forged", "HX-Request": "true"}
                ),
                "empty token": await victim.request(method, url, data={**form, "csrf_token": ""}),
                "another session's token, cross-site": await victim.request(
                    method,
                    url,
                    data={**form, "csrf_token": foreign},
                    headers={"Origin": EVIL, "Referer": EVIL + "/attack.html"},
                ),
            }
            failures += [
                f"{method} {path} ({case}): {answer.status_code}"
                for case, answer in attempts.items()
                if not _refused(answer)
            ]
        assert failures == []
        assert snapshot(hub) == before, "a refused request changed the database"
        assert store_requests(scene.world) == requests_before, "a refused request reached a store"
        assert (await victim.get("/console/")).status_code == 200  # still logged in: logout was refused too


async def test_the_right_token_gets_past_the_check_on_every_route(scene: Scene) -> None:
    """The control for the test above: the same requests with the session's token do their work."""
    hub = scene.world.hub
    last = ("/console/connections/{connection_id}/delete", "/console/logout")  # they end what the others need
    routes = sorted(
        unsafe_console_routes(hub), key=lambda route: (last.index(route[1]) if route[1] in last else -1, route)
    )
    async with logged_in(hub) as client:
        answers = []
        for method, path in routes:
            token = await page_csrf(client)
            answer = await client.request(method, scene.url(path), data={**scene.form(path), "csrf_token": token})
            answers.append((path, answer.status_code))
    assert [(path, status) for path, status in answers if status >= 400] == []
    # the form added "forged"; the merchant was renamed, then deleted
    assert [connection.name for connection in hub.connections.all()] == ["north", "harbor", "forged"]


async def test_the_login_form_is_csrf_protected(scene: Scene) -> None:
    """No login CSRF: a forged form cannot log a browser in (say, into the attacker's account)."""
    hub = scene.world.hub
    hub.users.add(USERNAME, PASSWORD)
    async with console_client(hub) as attacker:
        foreign = csrf_of((await attacker.get("/console/login")).text)
    async with console_client(hub) as browser:
        page = await browser.get("/console/login")
        assert 'name="csrf_token"' in page.text
        form = {"username": USERNAME, "password": PASSWORD, "next": "/console/"}
        for data, headers in (
            (form, {}),
            ({**form, "csrf_token": foreign}, {"Origin": EVIL}),
            ({**form, "csrf_token": "forged"}, {}),
        ):
            answer = await browser.post("/console/login", data=data, headers=headers)
            assert _refused(answer) and "set-cookie" not in answer.headers
        assert (await browser.get("/console/")).status_code == 303  # not logged in
        assert hub.users.all()[0].last_login_at is None
        # a browser with no session cookie at all (the forged form's first visit) is refused too
        browser.cookies.clear()
        assert _refused(await browser.post("/console/login", data={**form, "csrf_token": foreign}))


async def test_a_cross_site_origin_is_refused_even_with_the_sessions_token(scene: Scene) -> None:
    hub = scene.world.hub
    async with logged_in(hub) as client:
        token = await page_csrf(client)
        before = snapshot(hub)
        answer = await client.post(
            f"/console/jobs/{scene.job}/cancel", data={"csrf_token": token}, headers={"Origin": EVIL}
        )
        assert answer.status_code == 403 and snapshot(hub) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": f"{EVIL}/page"},  # no Origin: the Referer decides
        {"Origin": "null"},  # sandboxed frames and privacy redirects
        {"Origin": "http://bchub.test:8080"},  # another port is another origin
        {"Origin": "https://bchub.test"},  # and so is another scheme
    ],
)
async def test_other_origins_are_refused_with_the_sessions_token(scene: Scene, headers: dict[str, str]) -> None:
    hub = scene.world.hub
    async with logged_in(hub) as client:
        token = await page_csrf(client)
        before = snapshot(hub)
        answer = await client.post(f"/console/jobs/{scene.job}/cancel", data={"csrf_token": token}, headers=headers)
        assert answer.status_code == 403 and snapshot(hub) == before


async def test_the_sites_own_origin_and_referer_are_accepted(scene: Scene) -> None:
    hub = scene.world.hub
    async with logged_in(hub) as client:
        token = await page_csrf(client)
        answer = await client.post(
            f"/console/jobs/{scene.job}/cancel",
            data={"csrf_token": token},
            headers={"Origin": "http://bchub.test", "Referer": "http://bchub.test/console/jobs"},
        )
        assert answer.status_code in (200, 303), answer.text


async def test_behind_a_proxy_the_public_url_is_this_sites_origin(tmp_path: Path, sandbox: Sandbox) -> None:
    settings = make_settings(tmp_path, public_url="https://hub.example.com")
    with Hub(settings, transport=transport_for(sandbox)) as hub:
        hub.users.add(USERNAME, PASSWORD)
        async with console_client(hub) as client:  # arrives as http://bchub.test, as a proxy would forward it
            page = await client.get("/console/login")
            form = {"username": USERNAME, "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": "/console/"}
            answer = await client.post("/console/login", data=form, headers={"Origin": "https://hub.example.com"})
            assert answer.status_code == 303, answer.text

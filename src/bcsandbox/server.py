"""Assembles the ASGI app from the route tables, the control plane and the OAuth emulation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from bcsandbox import control, oauth, webhooks
from bcsandbox.app import SandboxApp
from bcsandbox.routes import catalog, hooks, inventory, orders, store
from bcsandbox.state import Sandbox

ROUTE_TABLES = (store.table, catalog.table, inventory.table, orders.table, hooks.table)


def create_app(sandbox: Sandbox) -> SandboxApp:
    """The whole emulator as one ASGI app (API, ``/_sandbox`` control plane, OAuth)."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Deliver webhooks while serving, unless a test already runs its own dispatcher.
        dispatcher = webhooks.start_dispatcher(sandbox)
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.stop()

    other = Starlette(
        routes=[*control.routes(sandbox), *oauth.routes(sandbox), *webhooks.routes(sandbox)],
        lifespan=lifespan,
    )
    return SandboxApp(sandbox, ROUTE_TABLES, other)

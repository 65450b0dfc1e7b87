"""OAuth app-install emulation: the login service's token exchange and the install flow."""

from __future__ import annotations

from starlette.routing import BaseRoute

from bcsandbox.state import Sandbox


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    return []

"""An httpx transport in front of the sandbox's that rewrites its answers, as a broken proxy or store would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass
class Mangle:
    """Replace the answer to matching requests with ``status`` and ``body(real body)`` of ``content_type``."""

    status: int
    body: Callable[[bytes], bytes]
    content_type: str = "application/json"
    method: str = "GET"
    path_suffix: str = ""


class ManglingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.mangle: Mangle | None = None  # set to start rewriting
        self.mangled = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        real = await self.inner.handle_async_request(request)
        rule = self.mangle
        if rule is None or request.method != rule.method or not request.url.path.endswith(rule.path_suffix):
            return real
        content = await real.aread()
        self.mangled += 1
        return httpx.Response(
            rule.status,
            headers={"content-type": rule.content_type},
            content=rule.body(content),
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()

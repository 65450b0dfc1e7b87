"""Helpers for running bcsandbox inside tests: an in-process transport and a live server.

``SandboxTransport`` wraps httpx's ASGI transport so an injected dropped connection reaches the
client as the network error a real server would cause. ``LiveServer`` runs uvicorn on a free
loopback port in a thread, for clients that need a real socket.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn

from bcsandbox.app import DroppedConnection, SandboxApp
from bcsandbox.server import create_app
from bcsandbox.state import Sandbox, Store


class SandboxTransport(httpx.AsyncBaseTransport):
    """httpx transport that serves requests from the sandbox app in the same process."""

    def __init__(self, app: SandboxApp) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError(f"Server disconnected: {exc}", request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


def transport_for(sandbox: Sandbox) -> SandboxTransport:
    return SandboxTransport(create_app(sandbox))


def api_client(sandbox: Sandbox, store: Store, *, base_url: str = "http://sandbox.test") -> httpx.AsyncClient:
    """An httpx client already pointed at ``store`` with its first token, for sandbox tests."""
    token = next(iter(store.accounts))
    return httpx.AsyncClient(
        transport=transport_for(sandbox),
        base_url=f"{base_url}/stores/{store.hash}",
        headers={"X-Auth-Token": token, "Accept": "application/json"},
    )


class _QuietDrops(logging.Filter):
    """Injected drops are intended; keep them out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


def install_log_filter() -> None:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class LiveServer:
    """uvicorn serving the sandbox on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        sandbox: Sandbox,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_certfile: Path | None = None,
        ssl_keyfile: Path | None = None,
    ) -> None:
        self.sandbox = sandbox
        install_log_filter()
        config = uvicorn.Config(
            create_app(sandbox),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,  # clients' idle keep-alive connections must not hold up stop()
            ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
            ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        )
        self.scheme = "https" if ssl_certfile else "http"
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="bcsandbox-live", daemon=True)
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("bcsandbox live server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

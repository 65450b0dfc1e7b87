"""Browser tests: the app ``bchub serve`` runs, on a real socket, driven by Debian's headless Chromium.

Chromium comes from the system (``scripts/ensure-chromium.sh`` installs Debian's ``chromium``);
Playwright only drives it (``executable_path``), so ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, sync_playwright

from bchub.app import Hub
from bchub.interfaces.api.app import create_api
from bchub.interfaces.cli.worker import embedded_jobs
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.browser.support import PASSWORD, USERNAME, cheap_passwords
from tests.support import hub as hub_fixtures
from tests.support.hub import make_settings

CHROMIUM = os.environ.get("BCHUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
hub_settings = hub_fixtures.hub_settings  # for fixtures borrowed from other suites (the orders ``world``)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class LiveConsole:
    url: str
    hub: Hub
    sandbox: Sandbox
    store: Store


class _Server:
    """uvicorn serving ``create_api(hub)`` on a free loopback port, in a thread."""

    def __init__(self, hub: Hub) -> None:
        config = uvicorn.Config(
            create_api(hub),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="bchub-console", daemon=True)

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the bchub server did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def serving(hub: Hub) -> Iterator[str]:
    """``hub`` served as ``bchub serve`` serves it (jobs run in-process), with ``alice`` able to log in."""
    cheap_passwords(hub)
    hub.users.add(USERNAME, PASSWORD)
    server = _Server(hub)
    url = server.start()
    try:
        with embedded_jobs(hub, 1):
            yield url
    finally:
        server.stop()


@pytest.fixture
def live_console(sandbox: Sandbox, store: Store, tmp_path: Path) -> Iterator[LiveConsole]:
    with Hub(make_settings(tmp_path), transport=transport_for(sandbox)) as hub, serving(hub) as url:
        yield LiveConsole(url, hub, sandbox, store)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium.sh (or set BCHUB_CHROMIUM)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"),  # a fresh profile every test
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 860},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any script error or console error (a CSP violation included)."""
    tab = browser.pages[0] if browser.pages else browser.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield tab
    # a failed login answers 401 and the browser logs it; anything else is a real problem
    real = [problem for problem in problems if "status of 401" not in problem]
    assert real == [], real


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

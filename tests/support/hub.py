"""Fixtures for bchub tests: a hub on a temporary database, talking to the in-process sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bchub.app import Hub
from bchub.settings import Settings, load_settings
from bcsandbox import Sandbox
from bcsandbox.testing import transport_for

API_URL = "http://sandbox.test"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings isolated from the machine: no real HOME, config file or BCHUB_* variables."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "bchub",
        "bigcommerce_api_url": API_URL,
        "oauth_login_url": API_URL,
    }
    values.update(overrides)
    return load_settings({"HOME": str(tmp_path / "home")}, **values)


@pytest.fixture
def hub_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def hub(sandbox: Sandbox, hub_settings: Settings) -> Iterator[Hub]:
    with Hub(hub_settings, transport=transport_for(sandbox)) as opened:
        yield opened

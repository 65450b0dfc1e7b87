"""``bchub jobs …``, ``bchub webhooks …`` and ``bchub worker`` through Typer's CliRunner, on the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from bchub.app import Hub
from bchub.interfaces.cli.common import CliState
from bchub.interfaces.cli.main import app
from bchub.jobs.webhooks import receiver_url
from bchub.settings import Settings
from bcsandbox import Sandbox, Store
from bcsandbox.testing import transport_for
from tests.jobs.conftest import PUBLIC_URL
from tests.jobs.helpers import add_connection


@pytest.fixture
def bchub(sandbox: Sandbox, store: Store, hub_settings: Settings) -> Callable[..., Result]:
    with Hub(hub_settings, transport=transport_for(sandbox)) as hub:
        add_connection(hub, store)

    def invoke(*args: str) -> Result:
        state = CliState(
            open_hub=lambda: Hub(hub_settings, transport=transport_for(sandbox)),
            out=Console(width=200, highlight=False, soft_wrap=True),
            err=Console(width=200, stderr=True, highlight=False, soft_wrap=True),
        )
        return CliRunner().invoke(app, list(args), obj=state)

    return invoke


def as_json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_run_and_wait_then_list_and_show(bchub: Callable[..., Result]) -> None:
    result = bchub("jobs", "run", "shop", "test_connection", "--wait")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.stdout and "API requests" in result.stdout

    (job,) = as_json(bchub("jobs", "list", "--json"))  # type: ignore[misc]
    assert (job["operation"], job["status"], job["source"]) == ("test_connection", "succeeded", "cli")
    shown = as_json(bchub("jobs", "show", str(job["id"]), "--json", "--items", "all"))
    assert isinstance(shown, dict)
    (run,) = shown["runs"]
    assert run["status"] == "succeeded" and run["items"][0]["key"] == "shop" and run["requests"] > 0
    table = bchub("jobs", "list")
    assert "test_connection" in table.stdout and "succeeded" in table.stdout


def test_queue_absorb_cancel_and_retry(bchub: Callable[..., Result]) -> None:
    first = bchub("jobs", "run", "shop", "test_connection", "-p", "note=1")
    assert first.exit_code == 0 and "Queued job 1: test_connection." in first.stdout
    again = bchub("jobs", "run", "test_connection", "shop", "-p", "note=1")  # the older argument order still works
    assert "An identical job is already waiting: job 1 (queued)." in again.stdout
    cancelled = bchub("jobs", "cancel", "1")
    assert "Job 1 cancelled." in cancelled.stdout
    retried = bchub("jobs", "retry", "1", "--wait", "--json")
    body = as_json(retried)
    assert isinstance(body, dict)
    assert body["job"]["retry_of"] == 1 and body["job"]["status"] == "succeeded"
    assert body["job"]["params"] == {"note": 1}
    refused = bchub("jobs", "cancel", "1")
    assert refused.exit_code == 1 and "already finished (cancelled)" in refused.stderr


def test_schedules_start_stopped_and_switch_on(bchub: Callable[..., Result]) -> None:
    stopped = as_json(bchub("jobs", "schedule", "shop", "test_connection", "--json"))
    assert isinstance(stopped, dict) and stopped["enabled"] is False
    on = bchub("jobs", "schedule", "shop", "test_connection", "--on", "--every", "15m")
    assert on.exit_code == 0 and "running" in on.stdout
    (schedule,) = as_json(bchub("jobs", "schedules", "--json"))  # type: ignore[misc]
    assert (schedule["enabled"], schedule["interval_s"]) == (True, 900)
    too_often = bchub("jobs", "schedule", "shop", "test_connection", "--every", "5s")
    assert too_often.exit_code == 1 and "at least 10 seconds" in too_often.stderr
    bad = bchub("jobs", "schedule", "shop", "test_connection", "--every", "soon")
    assert bad.exit_code == 1 and "90s, 15m, 1h or 1d" in bad.stderr


def test_operations_are_listed(bchub: Callable[..., Result]) -> None:
    names = {entry["name"] for entry in as_json(bchub("jobs", "operations", "--json"))}  # type: ignore[union-attr]
    assert {"test_connection", "keep_webhooks"} <= names


def test_webhooks_enable_and_disable(bchub: Callable[..., Result], store: Store) -> None:
    enabled = bchub("webhooks", "enable", "shop", "--wait")
    assert enabled.exit_code == 0, enabled.output
    client_id = next(iter(store.accounts.values())).client_id
    assert len(store.hooks.for_client(client_id, destination=receiver_url(PUBLIC_URL))) == 7
    (schedule,) = as_json(bchub("jobs", "schedules", "--json"))  # type: ignore[misc]
    assert (schedule["operation"], schedule["enabled"], schedule["interval_s"]) == ("keep_webhooks", True, 3600)
    disabled = bchub("webhooks", "disable", "shop", "--wait")
    assert disabled.exit_code == 0, disabled.output
    assert store.hooks.for_client(client_id, destination=receiver_url(PUBLIC_URL)) == []
    events = bchub("webhooks", "events")
    assert "No webhook events received yet." in events.stdout


def test_worker_and_scheduler_need_a_broker(bchub: Callable[..., Result]) -> None:
    for command in ("worker", "scheduler"):
        result = bchub(command)
        assert result.exit_code == 1 and "BCHUB_BROKER_URL" in result.stderr


def test_an_unknown_job_is_an_error(bchub: Callable[..., Result], tmp_path: Path) -> None:
    result = bchub("jobs", "show", "99")
    assert result.exit_code == 1 and "no job with id 99" in result.stderr

"""Scenario 3: the job worker process is SIGKILLed twice in the middle of routing under faults, and restarted.

Embedded mode: ``bchub serve`` on SQLite. Distributed mode: ``bchub worker`` (Celery) and
``bchub scheduler`` on PostgreSQL with Redis. Either way the routing ends as scenario 1 does:
exactly one vendor order per (merchant order, vendor), none missing, the hub agreeing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.process_scenarios import ProcessOutcome, route_with_worker_kills
from tests.faults.processes import Mode
from tests.faults.world import scale
from tests.support import servers

pytestmark = pytest.mark.anyio

postgres_server = servers.postgres_server
postgres_url = servers.postgres_url
redis_server = servers.redis_server
redis_url = servers.redis_url

ORDERS = max(30, scale() // 2)  # ~1.6 vendor orders each; half of scenario 1's size keeps it under a minute


def assert_exactly_once(outcome: ProcessOutcome) -> None:
    counts = outcome.reconciliation
    assert counts.missing == 0 and counts.duplicated == 0 and counts.unexpected == 0, counts
    assert counts.vendor_orders == counts.expected == counts.hub_vendor_orders and counts.hub_not_routed == 0, counts
    assert outcome.job_statuses[-1] == "succeeded", outcome
    assert outcome.left_after_settling == 0  # a clean run afterwards finds nothing left to do


def assert_killed_mid_run_and_recovered(outcome: ProcessOutcome) -> None:
    assert len(outcome.interruptions) == 2, outcome.interruptions
    assert all(0 < done < outcome.expected for done in outcome.interruptions), outcome.interruptions
    # the job a killed worker held was queued again (its process is gone) and its run closed as failed
    assert outcome.notes["runs_of_killed_workers"] == 2, outcome.run_errors
    assert sum(outcome.job_attempts) >= len(outcome.job_attempts) + 2, outcome.job_attempts
    assert outcome.figures.server_errors > 0 and outcome.figures.rate_limited > 0, outcome.figures


async def test_embedded_worker_killed_twice_mid_route(tmp_path: Path) -> None:
    outcome = await route_with_worker_kills(tmp_path, ORDERS, Mode.EMBEDDED)
    assert_exactly_once(outcome)
    assert_killed_mid_run_and_recovered(outcome)


async def test_celery_worker_killed_twice_mid_route(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    outcome = await route_with_worker_kills(
        tmp_path, ORDERS, Mode.DISTRIBUTED, database_url=postgres_url, broker_url=redis_url
    )
    assert_exactly_once(outcome)
    assert_killed_mid_run_and_recovered(outcome)

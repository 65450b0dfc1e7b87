"""Scenario 6: PostgreSQL stopped and started again while a Celery worker routes orders (distributed mode).

The server gets its own data directory (the suite's shared one must not go down under other
tests). The worker's attempt fails when the database goes, its bookkeeping waits for it to
come back, the job is queued again and completes: exactly one vendor order per pair.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.process_scenarios import route_across_database_restart
from tests.faults.world import scale
from tests.support import servers
from tests.support.servers import PostgresServer, start_postgres

pytestmark = pytest.mark.anyio

redis_server = servers.redis_server
redis_url = servers.redis_url

ORDERS = max(30, scale() // 2)


@pytest.fixture
def restartable_postgres() -> Iterator[PostgresServer]:
    directory = Path(tempfile.mkdtemp(prefix="bchub-pg-restart-"))
    server = start_postgres(directory)
    try:
        yield server
    finally:
        server.handle.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


async def test_jobs_retry_and_complete_across_a_postgresql_restart(
    tmp_path: Path, restartable_postgres: PostgresServer, redis_url: str
) -> None:
    outcome = await route_across_database_restart(tmp_path, ORDERS, restartable_postgres, redis_url)
    counts = outcome.reconciliation
    assert counts.missing == 0 and counts.duplicated == 0 and counts.unexpected == 0, counts
    assert counts.vendor_orders == counts.expected == counts.hub_vendor_orders and counts.hub_not_routed == 0, counts
    assert outcome.left_after_settling == 0
    assert 0 < outcome.interruptions[0] < outcome.expected, outcome.interruptions
    # the attempt running when the database went away failed with that reason; a later attempt completed
    assert outcome.job_statuses == ["succeeded"] and outcome.job_attempts[0] >= 2, outcome
    assert any("database was unavailable" in error for error in outcome.run_errors), outcome.run_errors

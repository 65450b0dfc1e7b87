"""Scenario 5: a vendor's token is revoked in the middle of routing, then replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from bchub.domain.connections import HealthStatus
from bchub.domain.runs import RunStatus
from tests.faults.scenarios import token_revoked_mid_run
from tests.faults.world import scale

pytestmark = pytest.mark.anyio


async def test_a_revoked_token_pauses_the_connection_and_the_run_resumes_after_a_new_token(tmp_path: Path) -> None:
    outcome = await token_revoked_mid_run(tmp_path, scale() // 3)
    assert outcome.first_status is not RunStatus.SUCCEEDED
    assert outcome.health_after_revoke is HealthStatus.NEEDS_ATTENTION and outcome.paused
    # while it needs attention nothing is sent there; its orders wait (skipped), they are not held for review
    assert outcome.sent_while_paused == 0 and outcome.blocked_skipped > 0
    assert outcome.test_passed and outcome.resumed_status is RunStatus.SUCCEEDED
    counts = outcome.reconciliation
    assert counts.missing == 0 and counts.duplicated == 0 and counts.unexpected == 0, counts
    assert counts.vendor_orders == counts.expected == counts.hub_vendor_orders and counts.hub_not_routed == 0, counts

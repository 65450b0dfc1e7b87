"""Schedules: off by default, fire on their interval while on, skip paused connections, fire once across schedulers."""

from __future__ import annotations

import pytest

from bchub.app import Hub
from bchub.domain.runs import Trigger
from bchub.errors import InputError
from bchub.jobs.dispatch import WakeUp
from bchub.jobs.model import JobStatus
from bchub.jobs.service import JobService
from bcsandbox import Store
from tests.jobs.helpers import Clock, add_connection, probe_operation

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock(hub: Hub) -> Clock:
    return Clock(hub.jobs.store.now())


@pytest.fixture
def jobs(hub: Hub, clock: Clock) -> JobService:
    """The hub's job service on a clock the test moves."""
    hub.jobs.registry.add(probe_operation())
    return JobService(hub.jobs.services, hub.jobs.registry, WakeUp(), now=clock)


async def test_a_schedule_is_stopped_until_switched_on(hub: Hub, store: Store, jobs: JobService) -> None:
    add_connection(hub, store)
    created = jobs.set_schedule("shop", "probe", interval_s=600)
    assert not created.enabled and created.interval_s == 600
    assert jobs.tick().submitted == []
    assert jobs.recent() == []


async def test_a_schedule_fires_at_once_then_every_interval(
    hub: Hub, store: Store, jobs: JobService, clock: Clock
) -> None:
    add_connection(hub, store)
    jobs.set_schedule("shop", "probe", enabled=True, interval_s=600, params={"days": 3})

    (first,) = jobs.tick().submitted
    assert first.created and first.job.trigger is Trigger.SCHEDULE and first.job.params == {"days": 3}
    assert first.job.source is not None and first.job.source.startswith("schedule ")
    clock.advance(599)
    assert jobs.tick().submitted == []
    await jobs.runner("w1").run(first.job.id)
    assert jobs.get(first.job.id).status is JobStatus.SUCCEEDED

    clock.advance(1)
    (second,) = jobs.tick().submitted
    assert second.created and second.job.id != first.job.id
    (schedule,) = jobs.list_schedules("shop")
    assert schedule.last_job_id == second.job.id and schedule.last_run_at == clock.now

    # a tick while the last one still waits is absorbed into it, not queued twice
    clock.advance(600)
    (third,) = jobs.tick().submitted
    assert not third.created and third.job.id == second.job.id


async def test_switching_off_stops_it_and_on_again_fires_at_once(
    hub: Hub, store: Store, jobs: JobService, clock: Clock
) -> None:
    add_connection(hub, store)
    jobs.set_schedule("shop", "probe", enabled=True, interval_s=3600)
    assert len(jobs.tick().submitted) == 1
    jobs.set_schedule("shop", "probe", enabled=False)
    clock.advance(7200)
    assert jobs.tick().submitted == []
    jobs.set_schedule("shop", "probe", enabled=True)
    assert len(jobs.tick().submitted) == 1


async def test_a_paused_connection_is_skipped(hub: Hub, store: Store, jobs: JobService) -> None:
    shop = add_connection(hub, store)
    jobs.set_schedule("shop", "probe", enabled=True, interval_s=60)
    hub.connections.mark_needs_attention(shop, "401 on GET /v2/time")
    report = jobs.tick()
    assert report.submitted == [] and "paused" in report.skipped[0]


async def test_two_schedulers_fire_a_schedule_once(hub: Hub, store: Store, jobs: JobService, clock: Clock) -> None:
    add_connection(hub, store)
    jobs.set_schedule("shop", "probe", enabled=True, interval_s=60)
    other = JobService(jobs.services, jobs.registry, WakeUp(), now=clock)
    due = jobs.schedules.due()
    assert len(due) == 1
    assert jobs.schedules.take_turn(due[0])
    assert not other.schedules.take_turn(due[0])  # the other scheduler saw the same due schedule


async def test_interval_and_operation_are_checked(hub: Hub, store: Store, jobs: JobService) -> None:
    add_connection(hub, store)
    with pytest.raises(InputError, match="at least 10 seconds"):
        jobs.set_schedule("shop", "probe", enabled=True, interval_s=5)
    with pytest.raises(InputError, match="unknown operation"):
        jobs.set_schedule("shop", "nope", enabled=True)
    default = jobs.set_schedule("shop", "test_connection")
    assert default.interval_s == 3600 and not default.enabled

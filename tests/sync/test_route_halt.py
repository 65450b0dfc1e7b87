"""``bounded`` and ``Halt``: a failure on the hub's side stops the work not started yet; a store's error does not."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import OperationalError

from bchub.bigcommerce.errors import ServerError
from bchub.sync.orders.common import Halt, Halted, bounded

pytestmark = pytest.mark.anyio


def _database_gone() -> OperationalError:
    return OperationalError("UPDATE vendor_orders", {}, Exception("connection refused"))


async def test_a_hub_side_failure_stops_the_items_not_started_and_is_raised() -> None:
    started: list[int] = []

    async def work(item: int) -> int:
        started.append(item)
        await asyncio.sleep(0)
        if item == 2:
            raise _database_gone()
        return item

    with pytest.raises(OperationalError):
        await bounded(range(10), work, limit=2)
    assert started == [0, 1, 2, 3]  # 3 took 1's place before 2 failed; nothing after


async def test_a_store_error_lets_the_other_items_run_and_is_raised_afterwards() -> None:
    done: list[int] = []

    async def work(item: int) -> None:
        await asyncio.sleep(0)
        if item == 1:
            raise ServerError("boom", status=500)
        done.append(item)

    with pytest.raises(ServerError):
        await bounded(range(6), work, limit=2)
    assert sorted(done) == [0, 2, 3, 4, 5]


async def test_one_halt_shared_by_nested_calls_stops_the_siblings_and_check_says_why() -> None:
    halt = Halt()
    sent: list[tuple[str, int]] = []

    async def deliver(vendor: str, item: int) -> None:
        halt.check()
        await asyncio.sleep(0)
        sent.append((vendor, item))
        if vendor == "north" and item == 1:
            raise _database_gone()

    async def vendor(name: str) -> None:
        await bounded(range(5), lambda item: deliver(name, item), limit=1, halt=halt)

    with pytest.raises(OperationalError):
        await bounded(["north", "harbor"], vendor, limit=2, halt=halt)
    assert ("north", 2) not in sent and ("harbor", 2) not in sent  # neither vendor went on
    with pytest.raises(Halted, match="OperationalError"):
        halt.check()

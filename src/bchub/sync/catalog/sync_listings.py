"""``sync_listings``: push price and stock that changed since the last successful push.

Change detection and sending live in ``push``: a run with nothing changed sends no request.
Paused and deleted listings are left alone, and so are delisted ones unless ``relist`` is
given: then they are published again first (a delisted listing comes back only when it is
published or synced with ``relist``), so a scheduled sync never undoes a delist on its own.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bchub.domain.connections import Connection
from bchub.domain.publishing import PublishOptions
from bchub.domain.runs import Run
from bchub.storage.catalog_repository import CatalogRepository, chunked
from bchub.storage.catalog_tables import ItemRow, ListingRow
from bchub.sync.catalog.publish import Publisher, plan_publish
from bchub.sync.catalog.push import describe, plan_sync, push
from bchub.sync.catalog.writes import Progress, PublishDeps, no_progress, require_merchant
from bchub.sync.runner import OperationRun


def delisted_skus(session: Session, connection_id: int, item_ids: Collection[int] | None) -> list[str]:
    """Master SKUs of a store's delisted listings (optionally only among some items)."""
    query = (
        select(ItemRow.sku)
        .join(ListingRow, ListingRow.item_id == ItemRow.id)
        .where(ListingRow.connection_id == connection_id, ListingRow.delisted.is_(True))
    )
    if item_ids is None:
        return sorted(session.scalars(query))
    found: list[str] = []
    for part in chunked(sorted(set(item_ids))):
        found.extend(session.scalars(query.where(ItemRow.id.in_(part))))
    return sorted(found)


async def _relist(run: OperationRun, connection_id: int, item_ids: Collection[int] | None, progress: Progress) -> None:
    with run.sessions() as session:
        skus = delisted_skus(session, connection_id, item_ids)
        items = list(CatalogRepository(session).items_by_sku(skus).values())
        plans = plan_publish(session, connection_id, items, PublishOptions())
    if plans:
        await Publisher(run, PublishOptions(), progress).publish(plans)


async def sync_listings(
    deps: PublishDeps,
    connection: Connection | str | int,
    *,
    item_ids: Collection[int] | None = None,
    dry_run: bool = False,
    relist: bool = False,
    progress: Progress = no_progress,
) -> tuple[Run | None, list[dict[str, Any]]]:
    """Push changed price and stock to a merchant store's listings (optionally only some items).

    With ``dry_run`` nothing is sent and no run is recorded; the changes are returned instead.
    With ``relist`` delisted listings are published again before the push.
    """
    current = deps.connections.get(connection) if not isinstance(connection, Connection) else connection
    require_merchant(current)
    assert current.id is not None
    connection_id = current.id
    if dry_run:
        with deps.sessions() as session:
            changes = describe(plan_sync(session, connection_id, item_ids))
            if relist:
                changes += [{"sku": sku, "action": "relist", "changes": {}} for sku in
                            delisted_skus(session, connection_id, item_ids)]  # fmt: skip
            return None, changes

    async def body(run: OperationRun) -> None:
        if relist:
            await _relist(run, connection_id, item_ids, progress)
        with run.sessions() as session:
            plan = plan_sync(session, connection_id, item_ids)
        await push(run, plan, progress)

    params: dict[str, Any] = {"items": len(item_ids)} if item_ids is not None else {}
    if relist:
        params["relist"] = True
    return await deps.run("sync_listings", current, body, params or None), []

"""Catalog operations as jobs: import, publish, sync price and stock, hide/unhide/delist, vendor stock.

The catalog's operations take a ``PublishDeps`` whose ``run`` records the run; ``JobDeps`` runs
it as the job's run instead (``JobContext.execute``), so errors are classified and the job's
trigger is recorded. Params use the names the operations record (``as_params``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bchub.domain.catalog import DEFAULT_LOOKBACK, ImportMode, ImportOptions, MasterSkuSource, Overwrite
from bchub.domain.connections import Connection, Role
from bchub.domain.publishing import AttributePolicy, PublishOptions
from bchub.domain.runs import Run, Trigger
from bchub.errors import InputError
from bchub.jobs.params import choice, flag, integer, texts, whole_numbers
from bchub.jobs.registry import JobContext, OperationSpec, body_operation
from bchub.sync.catalog.importer import import_body
from bchub.sync.catalog.inventory import merchants_listing, sync_inventory
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import change_visibility
from bchub.sync.catalog.writes import PublishDeps
from bchub.sync.runner import OperationBody

MERCHANT = frozenset({Role.MERCHANT})
VENDOR = frozenset({Role.VENDOR})


@dataclass(frozen=True)
class JobDeps(PublishDeps):
    """``PublishDeps`` whose runs are the job's run."""

    ctx: JobContext | None = field(default=None, compare=False)

    async def run(
        self,
        operation: str,
        connection: Connection | str | int,
        body: OperationBody,
        params: dict[str, Any] | None = None,
        trigger: Trigger = Trigger.USER,
    ) -> Run:
        assert self.ctx is not None
        return await self.ctx.execute(body, operation)


def _deps(ctx: JobContext) -> JobDeps:
    services = ctx.services
    return JobDeps(services.sessions, services.connections, services.clients, ctx)


def selection(params: dict[str, Any]) -> Selection:
    """``skus``, ``search``, ``supplier_id`` or ``all`` (the names ``Selection.as_params`` records)."""
    supplier = params.get("supplier_id")
    if supplier is not None and (not isinstance(supplier, int) or isinstance(supplier, bool)):
        raise InputError(f"'supplier_id' must be a connection id; got {supplier!r}")
    search = params.get("search")
    if search is not None and not isinstance(search, str):
        raise InputError(f"'search' must be a text; got {search!r}")
    return Selection(
        skus=tuple(texts(params, "skus")),
        text=search or None,
        supplier_id=supplier,
        everything=flag(params, "all"),
    )


# -- import -------------------------------------------------------------------------------------------


def import_options(params: dict[str, Any]) -> ImportOptions:
    """A job's params as the import's options (the names ``ImportOptions.as_params`` records)."""
    return ImportOptions(
        master_sku=choice(params, "master_sku", MasterSkuSource, MasterSkuSource.SKU),
        mode=choice(params, "mode", ImportMode, ImportMode.CREATE_ONLY),
        overwrite=choice(params, "overwrite", Overwrite, Overwrite.PRODUCT_DATA),
        paused=flag(params, "paused"),
        incremental=flag(params, "incremental"),
        lookback=timedelta(seconds=integer(params, "lookback_seconds", int(DEFAULT_LOOKBACK.total_seconds()))),
        product_ids=tuple(sorted(set(whole_numbers(params, "product_ids") or []))),
        skus=tuple(texts(params, "skus")),
    )


def _import_body(ctx: JobContext) -> OperationBody:
    return import_body(import_options(ctx.params))


IMPORT_LISTINGS = body_operation(
    "import_listings",
    "import listings",
    _import_body,
    interval_s=3600,
    schedule_params={"incremental": True},
    merge_param="product_ids",
)


# -- publish, sync, visibility --------------------------------------------------------------------------


async def _publish(ctx: JobContext) -> Run:
    options = PublishOptions(
        override_names=flag(ctx.params, "override_names", True),
        attribute_policy=choice(ctx.params, "attribute_policy", AttributePolicy, AttributePolicy.TRUNCATE),
    )
    run, _ = await publish_listings(_deps(ctx), ctx.connection, selection(ctx.params), options)
    assert run is not None  # not a dry run
    return run


async def _sync_listings(ctx: JobContext) -> Run:
    run, _ = await sync_listings(_deps(ctx), ctx.connection, item_ids=whole_numbers(ctx.params, "item_ids"))
    assert run is not None  # not a dry run
    return run


def _visibility(action: str) -> OperationSpec:
    async def run(ctx: JobContext) -> Run:
        return await change_visibility(_deps(ctx), ctx.connection, selection(ctx.params), action)

    return OperationSpec(f"{action}_listings", f"{action} listings", run, roles=MERCHANT, interval_s=3600)


async def _sync_inventory(ctx: JobContext) -> Run:
    """Read the vendor's stock into the hub, then sync each merchant listing its items (their own jobs)."""
    run, _ = await sync_inventory(_deps(ctx), ctx.connection, push=False)
    if flag(ctx.params, "push", True):
        assert ctx.connection.id is not None
        with ctx.services.sessions() as session:
            merchants = merchants_listing(session, ctx.connection.id)
        for merchant in merchants:
            ctx.follow("sync_listings", connection_id=merchant)
    return run


PUBLISH_LISTINGS = OperationSpec("publish_listings", "publish listings", _publish, roles=MERCHANT, interval_s=3600)
SYNC_LISTINGS = OperationSpec(
    "sync_listings", "sync price and stock to listings", _sync_listings, roles=MERCHANT, interval_s=900
)
HIDE_LISTINGS = _visibility("hide")
UNHIDE_LISTINGS = _visibility("unhide")
DELIST_LISTINGS = _visibility("delist")
SYNC_INVENTORY = OperationSpec(
    "sync_inventory", "read the vendor's stock and sync it", _sync_inventory, roles=VENDOR, interval_s=900
)

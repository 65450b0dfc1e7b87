"""``/api/v1``: publishing and listing sync (the same operations as ``bchub catalog publish|sync|…``).

- ``POST /connections/{id}/listings/publish`` (selection, options, ``dry_run``)
- ``POST /connections/{id}/listings/sync`` (``skus``, ``dry_run``, ``relist``: publish delisted ones again)
- ``POST /connections/{id}/listings/hide``, ``/unhide``, ``/delist``, ``/pause``, ``/unpause`` (selection,
  ``dry_run``: per listing, the flag before and after, or why it would be skipped)
- ``POST /connections/{id}/inventory/sync`` (a vendor; ``push``)
- ``GET|PUT /connections/{id}/stock-rule`` (a vendor's buffer, cap, zero when discontinued)

A selection is ``skus``, or a filter (``search``, ``supplier_id``), or ``all``. A dry run answers
``{"dry_run": true, "changes": [...]}`` and sends nothing to the store.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bchub.app import Hub
from bchub.domain.publishing import AttributePolicy, PublishOptions, VendorStockRule
from bchub.domain.runs import Run
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.interfaces.catalog_views import run_view
from bchub.storage.runs import RunRepository
from bchub.sync.catalog.inventory import set_vendor_rule, sync_inventory, vendor_rule
from bchub.sync.catalog.publish import Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import change_visibility, describe_visibility, set_paused
from bchub.sync.catalog.writes import PublishDeps

router = APIRouter(prefix="/api/v1", tags=["listings"], dependencies=[Depends(require_api_token)])


class SelectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skus: list[str] = Field(default_factory=list)
    search: str | None = None
    supplier_id: int | None = None
    all: bool = False

    def selection(self) -> Selection:
        return Selection(tuple(self.skus), self.search, self.supplier_id, self.all)


class VisibilityBody(SelectionBody):
    dry_run: bool = False


class PublishBody(SelectionBody):
    override_names: bool = True
    attribute_policy: AttributePolicy = AttributePolicy.TRUNCATE
    dry_run: bool = False


class SyncBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skus: list[str] = Field(default_factory=list)
    dry_run: bool = False
    relist: bool = False


class InventoryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    push: bool = True


class StockRuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    buffer: int = Field(0, ge=0)
    cap: int | None = Field(None, ge=0)
    zero_when_discontinued: bool = False


def _deps(hub: Hub) -> PublishDeps:
    return PublishDeps(hub.sessions, hub.connections, hub.clients)


def _answer(hub: Hub, run: Run | None, changes: list[dict[str, Any]]) -> dict[str, Any]:
    if run is None:
        return {"dry_run": True, "changes": [_change(change) for change in changes]}
    with hub.sessions() as session:
        return run_view(run, RunRepository(session).items(run.id))


def _change(change: dict[str, Any]) -> dict[str, Any]:
    fields = {name: {"before": _plain(b), "after": _plain(a)} for name, (b, a) in change["changes"].items()}
    return {**change, "changes": fields}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


@router.post("/connections/{connection_id}/listings/publish")
async def publish(connection_id: int, body: PublishBody, request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    options = PublishOptions(body.override_names, body.attribute_policy, body.dry_run)
    run, changes = await publish_listings(_deps(hub), connection_id, body.selection(), options)
    return _answer(hub, run, changes)


@router.post("/connections/{connection_id}/listings/sync")
async def sync(connection_id: int, body: SyncBody, request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    item_ids = None
    if body.skus:
        with hub.sessions() as session:
            item_ids = [item.id for item in Selection(skus=tuple(body.skus)).items(session)]
    run, changes = await sync_listings(
        _deps(hub), connection_id, item_ids=item_ids, dry_run=body.dry_run, relist=body.relist
    )
    return _answer(hub, run, changes)


async def _visibility(connection_id: int, body: VisibilityBody, request: Request, action: str) -> dict[str, Any]:
    hub = hub_of(request)
    if body.dry_run:
        return _answer(hub, None, describe_visibility(_deps(hub), connection_id, body.selection(), action))
    return _answer(hub, await change_visibility(_deps(hub), connection_id, body.selection(), action), [])


def _pausing(connection_id: int, body: VisibilityBody, request: Request, paused: bool) -> dict[str, Any]:
    hub = hub_of(request)
    if body.dry_run:
        action = "pause" if paused else "unpause"
        return _answer(hub, None, describe_visibility(_deps(hub), connection_id, body.selection(), action))
    changed = set_paused(_deps(hub), connection_id, body.selection(), paused)
    return {"paused" if paused else "unpaused": changed}


@router.post("/connections/{connection_id}/listings/hide")
async def hide(connection_id: int, body: VisibilityBody, request: Request) -> dict[str, Any]:
    return await _visibility(connection_id, body, request, "hide")


@router.post("/connections/{connection_id}/listings/unhide")
async def unhide(connection_id: int, body: VisibilityBody, request: Request) -> dict[str, Any]:
    return await _visibility(connection_id, body, request, "unhide")


@router.post("/connections/{connection_id}/listings/delist")
async def delist(connection_id: int, body: VisibilityBody, request: Request) -> dict[str, Any]:
    return await _visibility(connection_id, body, request, "delist")


@router.post("/connections/{connection_id}/listings/pause")
def pause(connection_id: int, body: VisibilityBody, request: Request) -> dict[str, Any]:
    return _pausing(connection_id, body, request, True)


@router.post("/connections/{connection_id}/listings/unpause")
def unpause(connection_id: int, body: VisibilityBody, request: Request) -> dict[str, Any]:
    return _pausing(connection_id, body, request, False)


@router.post("/connections/{connection_id}/inventory/sync")
async def inventory_sync(connection_id: int, body: InventoryBody, request: Request) -> dict[str, Any]:
    hub = hub_of(request)
    run, pushed = await sync_inventory(_deps(hub), connection_id, push=body.push)
    return {"inventory": run_view(run), "merchants": [run_view(each) for each in pushed]}


@router.get("/connections/{connection_id}/stock-rule")
def get_stock_rule(connection_id: int, request: Request) -> dict[str, Any]:
    rule = vendor_rule(_deps(hub_of(request)), connection_id)
    return {"buffer": rule.buffer, "cap": rule.cap, "zero_when_discontinued": rule.zero_when_discontinued}


@router.put("/connections/{connection_id}/stock-rule")
def put_stock_rule(connection_id: int, body: StockRuleBody, request: Request) -> dict[str, Any]:
    rule = VendorStockRule(body.buffer, body.cap, body.zero_when_discontinued)
    set_vendor_rule(_deps(hub_of(request)), connection_id, rule)
    return body.model_dump()

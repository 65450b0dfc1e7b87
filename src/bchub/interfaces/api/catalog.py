"""``/api/v1``: the hub catalog (the same operations as ``bchub catalog``).

- ``POST /connections/{id}/import-listings`` (options in the body) → the finished run
- ``GET  /connections/{id}/remote-products`` (list or search a store's products, to pick)
- ``GET  /catalog/items`` (search, store, vendor, listing state, paging), ``GET /catalog/items/{sku}``
- ``GET  /catalog/matches`` (merchant listings matched to vendor listings, conflicts, unmatched)
- ``POST /catalog/import-csv`` (``text/csv`` body; ``?dry_run=true``), ``GET /catalog/export-csv``
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from bchub.domain.catalog import DEFAULT_LOOKBACK, ImportMode, ImportOptions, MasterSkuSource, MatchStatus, Overwrite
from bchub.errors import InputError
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.interfaces.api.bodies import read_text
from bchub.interfaces.catalog_views import csv_report_view, detail_view, item_view, match_view, remote_view, run_view
from bchub.storage.catalog_repository import ListingState
from bchub.storage.runs import RunRepository

router = APIRouter(prefix="/api/v1", tags=["catalog"], dependencies=[Depends(require_api_token)])
MAX_CSV_BYTES = 50_000_000


class ImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    master_sku: MasterSkuSource = MasterSkuSource.SKU
    mode: ImportMode = ImportMode.CREATE_ONLY
    overwrite: Overwrite = Overwrite.PRODUCT_DATA
    paused: bool = False
    incremental: bool = False
    lookback_seconds: int = Field(default=int(DEFAULT_LOOKBACK.total_seconds()), ge=0)
    product_ids: list[int] = Field(default_factory=list)
    skus: list[str] = Field(default_factory=list)

    def options(self) -> ImportOptions:
        return ImportOptions(
            master_sku=self.master_sku,
            mode=self.mode,
            overwrite=self.overwrite,
            paused=self.paused,
            incremental=self.incremental,
            lookback=timedelta(seconds=self.lookback_seconds),
            product_ids=tuple(self.product_ids),
            skus=tuple(self.skus),
        )


@router.post("/connections/{connection_id}/import-listings")
async def import_listings(
    connection_id: int,
    request: Request,
    body: ImportBody | None = None,
    items: bool = Query(False, description="Include every item's outcome in the answer."),
) -> dict[str, Any]:
    hub = hub_of(request)
    run = await hub.catalog.import_listings(connection_id, (body or ImportBody()).options())
    with hub.sessions() as session:
        outcomes = RunRepository(session).items(run.id)
    problems = [item for item in outcomes if item.outcome.value in ("failed", "skipped")]
    view = run_view(run, outcomes if items else problems)
    return view


@router.get("/connections/{connection_id}/remote-products")
async def remote_products(
    connection_id: int,
    request: Request,
    search: str | None = None,
    page: int = Query(1, ge=1),
    limit: int = Query(50, ge=1, le=250),
) -> dict[str, Any]:
    return remote_view(await hub_of(request).catalog.list_remote(connection_id, search=search, page=page, limit=limit))


def _one_of(name: str, alias: str, first: str | int | None, second: str | int | None) -> str | int | None:
    """``connection_id``/``store`` (and ``supplier_id``/``vendor``) name the same filter: take either, not two."""
    if first is not None and second is not None and str(first) != str(second):
        raise InputError(f"{name} and {alias} are the same filter; give one of them")
    return first if first is not None else second


def _reference(value: str | None) -> str | int | None:
    """A connection given by id or by name (``store=3`` or ``store=shop``)."""
    if value is None or not value.strip():
        return None
    return int(value) if value.strip().isdigit() else value.strip()


@router.get("/catalog/items")
def list_items(
    request: Request,
    search: str | None = None,
    connection_id: int | None = Query(None, description="Items listed in this store (connection id)."),
    supplier_id: int | None = Query(None, description="Items supplied by this vendor (connection id)."),
    store: str | None = Query(None, description="Like connection_id, by the connection's id or name."),
    vendor: str | None = Query(None, description="Like supplier_id, by the connection's id or name."),
    state: ListingState | None = Query(
        None, description="Items with a live listing in this state (in the store when one is given, else in any)."
    ),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    found, total = hub_of(request).catalog.items(
        search=search,
        connection=_one_of("connection_id", "store", connection_id, _reference(store)),
        supplier=_one_of("supplier_id", "vendor", supplier_id, _reference(vendor)),
        state=state,
        limit=limit,
        offset=offset,
    )
    return {"total": total, "items": [item_view(item) for item in found]}


@router.get("/catalog/items/{sku:path}")
def show_item(sku: str, request: Request) -> dict[str, Any]:
    return detail_view(hub_of(request).catalog.item(sku))


@router.get("/catalog/matches")
def list_matches(
    request: Request, status: MatchStatus | None = None, connection_id: int | None = None
) -> list[dict[str, Any]]:
    return [match_view(row) for row in hub_of(request).catalog.matches(status=status, connection=connection_id)]


@router.post("/catalog/import-csv")
async def import_csv(request: Request, dry_run: bool = False) -> dict[str, Any]:
    """The request body is the CSV text (``Content-Type: text/csv``)."""
    text = await read_text(request, limit=MAX_CSV_BYTES, what="the CSV body")
    return csv_report_view(hub_of(request).catalog.import_csv(text, dry_run=dry_run))


@router.get("/catalog/export-csv")
def export_csv(request: Request, connection_id: int | None = None, supplier_id: int | None = None) -> StreamingResponse:
    lines: Iterator[str] = hub_of(request).catalog.export_csv(connection=connection_id, supplier=supplier_id)
    return StreamingResponse(
        lines, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="bchub-items.csv"'}
    )

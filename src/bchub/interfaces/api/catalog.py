"""``/api/v1``: the hub catalog (the same operations as ``bchub catalog``).

- ``POST /connections/{id}/import-listings`` (options in the body) → the finished run
- ``GET  /connections/{id}/remote-products`` (list or search a store's products, to pick)
- ``GET  /catalog/items`` (search, connection, supplier, paging), ``GET /catalog/items/{sku}``
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
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.interfaces.api.bodies import read_text
from bchub.interfaces.catalog_views import csv_report_view, detail_view, item_view, match_view, remote_view, run_view
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


@router.get("/catalog/items")
def list_items(
    request: Request,
    search: str | None = None,
    connection_id: int | None = None,
    supplier_id: int | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    found, total = hub_of(request).catalog.items(
        search=search, connection=connection_id, supplier=supplier_id, limit=limit, offset=offset
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

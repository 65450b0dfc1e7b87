"""``/catalog``: the hub's items with their listings, filters, bulk actions (dry run first), imports.

Bulk actions that talk to a store queue a job (the Jobs page shows it); pause/unpause only change
the hub's own flags, so they apply at once. A dry run renders the diff in the page and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bchub.app import Hub
from bchub.domain.catalog import Item, MatchStatus
from bchub.domain.connections import Connection, Role
from bchub.domain.publishing import PublishOptions
from bchub.domain.users import User
from bchub.errors import InputError
from bchub.interfaces.console.forms import text
from bchub.interfaces.console.rendering import flash, redirect, render
from bchub.interfaces.console.security import current_user, form_of, hub_of
from bchub.storage.catalog_repository import CatalogRepository
from bchub.storage.catalog_tables import ListingRow
from bchub.sync.catalog.publish import ALL_ITEMS, Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import set_paused
from bchub.sync.catalog.writes import PublishDeps

router = APIRouter(prefix="/catalog")
E = TypeVar("E", bound=StrEnum)

PAGE_SIZE = 50


class ListingState(StrEnum):
    """The listing filters: a listing in this state in the chosen store (any store when none is chosen)."""

    PAUSED = "paused"
    HIDDEN = "hidden"
    DELISTED = "delisted"
    UNMATCHED = "unmatched"


class Action(StrEnum):
    PUBLISH = "publish"
    SYNC = "sync"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    HIDE = "hide"
    UNHIDE = "unhide"
    DELIST = "delist"


# the flag each visibility action sets on a listing, and to what
FLAG_OF = {
    Action.PAUSE: ("paused", True),
    Action.UNPAUSE: ("paused", False),
    Action.HIDE: ("hidden", True),
    Action.UNHIDE: ("hidden", False),
    Action.DELIST: ("delisted", True),
}


@dataclass(frozen=True)
class ListingBadge:
    """One store's listing of an item, as the table shows it."""

    store: str
    label: str
    css: str


@dataclass(frozen=True)
class Filters:
    search: str | None = None
    store_id: int | None = None
    vendor_id: int | None = None
    state: ListingState | None = None

    def selection_only(self) -> bool:
        """True when ``Selection`` alone expresses these filters (text and supplier)."""
        return self.store_id is None and self.state is None


def _number(value: str | None, what: str) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit():
        raise InputError(f"{what} must be a number; got {value!r}")
    return int(value)


def _choice(value: str | None, kind: type[E], what: str) -> E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InputError(f"no {what} {value!r}; choose from {known}") from None


def _filters(search: str | None, store: str | None, vendor: str | None, state: str | None) -> Filters:
    return Filters(
        search=(search or "").strip() or None,
        store_id=_number(store, "the store"),
        vendor_id=_number(vendor, "the vendor"),
        state=_choice(state, ListingState, "listing state"),
    )


def _in_state(row: ListingRow, state: ListingState) -> bool:
    if row.deleted_at is not None:
        return False
    if state is ListingState.UNMATCHED:
        return row.match_status == MatchStatus.UNMATCHED.value
    return bool(getattr(row, state.value))


def _listing_rows(hub: Hub, store_ids: list[int], item_ids: list[int]) -> dict[int, dict[int, ListingRow]]:
    """Listings of the items, by store then item (one query per store and chunk of items)."""
    with hub.sessions() as session:
        repository = CatalogRepository(session)
        return {store_id: repository.listing_rows_by_item(store_id, item_ids) for store_id in store_ids}


def _store_ids(hub: Hub, filters: Filters) -> list[int]:
    if filters.store_id is not None:
        return [filters.store_id]
    return [connection.id for connection in hub.connections.all() if connection.id is not None]


def _search(hub: Hub, filters: Filters, *, limit: int, offset: int) -> tuple[list[Item], int]:
    """Items matching the filters; a listing-state filter is applied to the items the other filters find."""
    common: dict[str, Any] = {"search": filters.search, "connection": filters.store_id, "supplier": filters.vendor_id}
    if filters.state is None:
        return hub.catalog.items(**common, limit=limit, offset=offset)
    everything, _ = hub.catalog.items(**common, limit=ALL_ITEMS)
    rows = _listing_rows(hub, _store_ids(hub, filters), [item.id for item in everything])
    state = filters.state
    kept = [item for item in everything if any(_in_state(r[item.id], state) for r in rows.values() if item.id in r)]
    return kept[offset : offset + limit], len(kept)


def _badge(row: ListingRow, store: str) -> ListingBadge:
    if row.deleted_at is not None:
        return ListingBadge(store, "deleted in the store", "off")
    if row.delisted:
        return ListingBadge(store, "delisted", "off")
    flags = [name for name in ("paused", "hidden") if getattr(row, name)]
    if row.match_status == MatchStatus.UNMATCHED.value:
        flags.append("unmatched")
    if row.match_status == MatchStatus.CONFLICT.value:
        flags.append("conflict")
    return ListingBadge(store, ", ".join(flags) or "listed", "unknown" if flags else "ok")


def _badges(hub: Hub, items: list[Item], names: dict[int, str]) -> dict[int, list[ListingBadge]]:
    rows = _listing_rows(hub, list(names), [item.id for item in items])
    found: dict[int, list[ListingBadge]] = {}
    for store_id, by_item in rows.items():
        for item_id, row in by_item.items():
            found.setdefault(item_id, []).append(_badge(row, names[store_id]))
    return found


def _connections(hub: Hub) -> tuple[list[Connection], list[Connection], dict[int, str]]:
    everyone = hub.connections.all()
    merchants = [item for item in everyone if item.role.includes(Role.MERCHANT)]
    vendors = [item for item in everyone if item.role.includes(Role.VENDOR)]
    return merchants, vendors, {item.id: item.name for item in everyone if item.id is not None}


@router.get("")
def list_page(
    request: Request,
    search: str | None = None,
    store: str | None = None,
    vendor: str | None = None,
    state: str | None = None,
    page: int = 1,
    user: User = Depends(current_user),
) -> Response:
    hub = hub_of(request)
    filters = _filters(search, store, vendor, state)
    page = max(1, page)
    items, total = _search(hub, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    merchants, vendors, names = _connections(hub)
    return render(
        request,
        "catalog/list.html",
        nav="catalog",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        badges=_badges(hub, items, names),
        names=names,
        connections=hub.connections.all(),
        merchants=merchants,
        vendors=vendors,
        states=list(ListingState),
        actions=list(Action),
        chosen={"search": filters.search or "", "store": store or "", "vendor": vendor or "", "state": state or ""},
    )


# -- bulk actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bulk:
    """A bulk action's form: what to do, in which merchant store, to which items."""

    action: Action
    store: Connection
    selection: Selection
    everything: bool  # every item matching the filters, not ticked SKUs


def _merchant(hub: Hub, form: FormData) -> Connection:
    store_id = _number(text(form, "target"), "the store")
    if store_id is None:
        raise InputError("choose the merchant store to act on")
    store = hub.connections.get(store_id)
    if not store.role.includes(Role.MERCHANT):
        raise InputError(f"{store.name} is a vendor connection; listings are published to merchant stores")
    return store


def _selection(hub: Hub, form: FormData) -> tuple[Selection, bool]:
    """Ticked SKUs, or every item matching the page's filters (``scope=filter``)."""
    if text(form, "scope") != "filter":
        skus = tuple(sku for sku in form.getlist("sku") if isinstance(sku, str) and sku)
        if not skus:
            raise InputError("tick at least one item, or choose every item matching the filters")
        return Selection(skus=skus), False
    filters = _filters(text(form, "search"), text(form, "store"), text(form, "vendor"), text(form, "state"))
    if filters.selection_only():
        everything = filters.search is None and filters.vendor_id is None
        return Selection(text=filters.search, supplier_id=filters.vendor_id, everything=everything), True
    items, _ = _search(hub, filters, limit=ALL_ITEMS, offset=0)
    if not items:
        raise InputError("no item matches these filters")
    return Selection(skus=tuple(item.sku for item in items)), True


def _bulk(hub: Hub, form: FormData) -> Bulk:
    action = _choice(text(form, "action"), Action, "action")
    if action is None:
        raise InputError("choose an action")
    selection, everything = _selection(hub, form)
    return Bulk(action, _merchant(hub, form), selection, everything)


def _deps(hub: Hub) -> PublishDeps:
    return PublishDeps(hub.sessions, hub.connections, hub.clients)


def _item_ids(hub: Hub, selection: Selection) -> list[int]:
    with hub.sessions() as session:
        return [item.id for item in selection.items(session)]


def _flag_changes(hub: Hub, bulk: Bulk) -> list[dict[str, Any]]:
    """What a visibility or pause action would change: the flag's before and after, per listed item."""
    flag, wanted = FLAG_OF[bulk.action]
    with hub.sessions() as session:
        items = bulk.selection.items(session)
        assert bulk.store.id is not None
        rows = CatalogRepository(session).listing_rows_by_item(bulk.store.id, [item.id for item in items])
    changes: list[dict[str, Any]] = []
    for item in items:
        row = rows.get(item.id)
        if row is None or row.deleted_at is not None:
            changes.append({"sku": item.sku, "action": "skip", "changes": {}, "reason": "not listed in this store"})
        elif bool(getattr(row, flag)) != wanted:
            changes.append({"sku": item.sku, "action": bulk.action.value, "changes": {flag: (not wanted, wanted)}})
    return changes


async def _dry_run(hub: Hub, bulk: Bulk) -> list[dict[str, Any]]:
    if bulk.action is Action.PUBLISH:
        _, changes = await publish_listings(_deps(hub), bulk.store, bulk.selection, PublishOptions(dry_run=True))
        return changes
    if bulk.action is Action.SYNC:
        item_ids = None if bulk.selection.everything else _item_ids(hub, bulk.selection)
        _, changes = await sync_listings(_deps(hub), bulk.store, item_ids=item_ids, dry_run=True)
        return changes
    return _flag_changes(hub, bulk)


def _shown(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


def _rows(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes as the diff table shows them: one line per field, before → after as text."""
    shown = []
    for change in changes:
        fields = [(name, _shown(before), _shown(after)) for name, (before, after) in change["changes"].items()]
        shown.append(
            {"sku": change["sku"], "action": change["action"], "reason": change.get("reason"), "fields": fields}
        )
    return shown


@router.post("/dry-run")
async def dry_run(request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)) -> Response:
    """The diff of a bulk action, rendered in the page (htmx) or as a page; nothing is sent or saved."""
    hub = hub_of(request)
    bulk = _bulk(hub, form)
    changes = _rows(await _dry_run(hub, bulk))
    template = "catalog/_dry_run.html" if request.headers.get("hx-request") == "true" else "catalog/dry_run.html"
    return render(request, template, nav="catalog", bulk=bulk, changes=changes)


def _job_params(bulk: Bulk, hub: Hub) -> dict[str, Any]:
    if bulk.action is Action.SYNC:
        return {} if bulk.selection.everything else {"item_ids": _item_ids(hub, bulk.selection)}
    return {**bulk.selection.as_params(), **({"all": True} if bulk.selection.everything else {})}


def _describe(bulk: Bulk) -> str:
    if bulk.everything:
        return "every item matching the filters"
    count = len(bulk.selection.skus)
    return f"{count} item{'s' if count != 1 else ''}"


@router.post("/actions")
def bulk_action(request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)) -> Response:
    """Queue the action as a job (pause/unpause apply at once: they only change the hub's flags)."""
    hub = hub_of(request)
    bulk = _bulk(hub, form)
    if bulk.action in (Action.PAUSE, Action.UNPAUSE):
        changed = set_paused(_deps(hub), bulk.store, bulk.selection, bulk.action is Action.PAUSE)
        flash(
            request,
            f"{bulk.action.value.capitalize()}d {changed} listing{'s' if changed != 1 else ''} in {bulk.store.name}.",
        )
        return redirect(request, f"/catalog?store={bulk.store.id}")
    assert bulk.store.id is not None
    operation = "sync_listings" if bulk.action is Action.SYNC else f"{bulk.action.value}_listings"
    submitted = hub.jobs.run(operation, bulk.store.id, _job_params(bulk, hub), source=f"console ({user.username})")
    flash(request, f"Queued job {submitted.job.id}: {bulk.action.value} {_describe(bulk)} in {bulk.store.name}.")
    return redirect(request, f"/jobs/{submitted.job.id}")


@router.post("/import/{connection_id}")
def import_listings(
    connection_id: int, request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)
) -> Response:
    """Queue an import of a store's products into the hub catalog."""
    hub = hub_of(request)
    connection = hub.connections.get(connection_id)
    submitted = hub.jobs.run("import_listings", connection_id, {}, source=f"console ({user.username})")
    flash(request, f"Queued job {submitted.job.id}: import listings from {connection.name}.")
    return redirect(request, f"/jobs/{submitted.job.id}")

"""``/catalog``: the hub's items with their listings, filters, bulk actions (dry run first), imports.

Bulk actions that talk to a store queue a job (the Jobs page shows it); pause/unpause only change
the hub's own flags, so they apply at once. A dry run renders the diff in the page and sends nothing.
Publishing takes the options ``bchub catalog publish`` takes (names, long custom fields), and an
import the options of ``bchub catalog import`` (master SKU, create only or overwrite, paused);
they reach the operation as the job's params, under the names the job layer reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from bchub.app import Hub
from bchub.domain.catalog import ImportMode, Item, MasterSkuSource, MatchStatus, Overwrite
from bchub.domain.connections import Connection, Role
from bchub.domain.publishing import ATTRIBUTE_MAX, AttributePolicy, PublishOptions
from bchub.domain.users import User
from bchub.errors import InputError
from bchub.interfaces.console.forms import checked, text
from bchub.interfaces.console.rendering import flash, redirect, render
from bchub.interfaces.console.security import current_user, form_of, hub_of
from bchub.storage.catalog_repository import CatalogRepository, ListingState
from bchub.storage.catalog_tables import ListingRow
from bchub.sync.catalog.publish import ALL_ITEMS, Selection, publish_listings
from bchub.sync.catalog.sync_listings import sync_listings
from bchub.sync.catalog.visibility import describe_visibility, set_paused
from bchub.sync.catalog.writes import PublishDeps

router = APIRouter(prefix="/catalog")
E = TypeVar("E", bound=StrEnum)

PAGE_SIZE = 50


class Action(StrEnum):
    PUBLISH = "publish"
    SYNC = "sync"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    HIDE = "hide"
    UNHIDE = "unhide"
    DELIST = "delist"


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


def _listing_rows(hub: Hub, store_ids: list[int], item_ids: list[int]) -> dict[int, dict[int, ListingRow]]:
    """Listings of the items, by store then item (one query per store and chunk of items)."""
    with hub.sessions() as session:
        repository = CatalogRepository(session)
        return {store_id: repository.listing_rows_by_item(store_id, item_ids) for store_id in store_ids}


def _search(hub: Hub, filters: Filters, *, limit: int, offset: int) -> tuple[list[Item], int]:
    """Items matching the filters, a page of them and how many there are (the database filters them all)."""
    if filters.store_id is not None:
        hub.connections.get(filters.store_id)  # an unknown store is a clear 404, not an empty page
    if filters.vendor_id is not None:
        hub.connections.get(filters.vendor_id)
    where: dict[str, Any] = {
        "text": filters.search,
        "connection_id": filters.store_id,
        "supplier_id": filters.vendor_id,
        "state": filters.state,
    }
    with hub.sessions() as session:
        repository = CatalogRepository(session)
        return repository.search_items(**where, limit=limit, offset=offset), repository.count_items(**where)


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
        name_choices=NAME_CHOICES,
        attribute_choices=ATTRIBUTE_CHOICES,
        attribute_max=ATTRIBUTE_MAX,
        master_sku_choices=MASTER_SKU_CHOICES,
        mode_choices=MODE_CHOICES,
        overwrite_choices=OVERWRITE_CHOICES,
    )


# -- bulk actions ---------------------------------------------------------------------------------


# how the forms name the options, as people read them (the values are the domain's)
NAME_CHOICES = {"override": "the hub's names replace the store's", "keep": "keep names edited in the store"}
ATTRIBUTE_CHOICES = {
    AttributePolicy.TRUNCATE: f"truncate to {ATTRIBUTE_MAX} characters",
    AttributePolicy.SKIP: "skip the custom field",
    AttributePolicy.FAIL: "fail the product",
}
MASTER_SKU_CHOICES = {MasterSkuSource.SKU: "SKU", MasterSkuSource.UPC: "UPC", MasterSkuSource.MPN: "MPN"}
MODE_CHOICES = {
    ImportMode.CREATE_ONLY: "create only: link items by SKU, create the others",
    ImportMode.CREATE_AND_OVERWRITE: "create & overwrite: matched items take the store's data",
}
OVERWRITE_CHOICES = {Overwrite.PRODUCT_DATA: "all product data", Overwrite.PRICE_STOCK: "only prices and stock"}


@dataclass(frozen=True)
class Bulk:
    """A bulk action's form: what to do, in which merchant store, to which items, with which publish options."""

    action: Action
    store: Connection
    selection: Selection
    everything: bool  # every item matching the filters, not ticked SKUs
    options: PublishOptions

    def describe_options(self) -> str:
        """The publish options in words (empty for the other actions)."""
        if self.action is not Action.PUBLISH:
            return ""
        names = NAME_CHOICES["override" if self.options.override_names else "keep"]
        fields = ATTRIBUTE_CHOICES[self.options.attribute_policy]
        return f"{names}; custom fields over {ATTRIBUTE_MAX} characters: {fields}"


def publish_options(form: FormData) -> PublishOptions:
    """The publish options of the form; absent fields keep the defaults ``bchub catalog publish`` has."""
    names = text(form, "names") or "override"
    if names not in NAME_CHOICES:
        raise InputError(f"names must be override or keep; got {names!r}")
    policy = _choice(text(form, "attribute_policy"), AttributePolicy, "attribute policy")
    return PublishOptions(
        override_names=names == "override", attribute_policy=policy or PublishOptions().attribute_policy
    )


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
    return Bulk(action, _merchant(hub, form), selection, everything, publish_options(form))


def _deps(hub: Hub) -> PublishDeps:
    return PublishDeps(hub.sessions, hub.connections, hub.clients)


def _item_ids(hub: Hub, selection: Selection) -> list[int]:
    with hub.sessions() as session:
        return [item.id for item in selection.items(session)]


async def _dry_run(hub: Hub, bulk: Bulk) -> list[dict[str, Any]]:
    if bulk.action is Action.PUBLISH:
        options = replace(bulk.options, dry_run=True)
        _, changes = await publish_listings(_deps(hub), bulk.store, bulk.selection, options)
        return changes
    if bulk.action is Action.SYNC:
        item_ids = None if bulk.selection.everything else _item_ids(hub, bulk.selection)
        _, changes = await sync_listings(_deps(hub), bulk.store, item_ids=item_ids, dry_run=True)
        return changes
    return describe_visibility(_deps(hub), bulk.store, bulk.selection, bulk.action.value)


SHOWN_VALUE = 60  # characters of a long custom field value the diff shows


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list) and all(isinstance(entry, dict) and "name" in entry for entry in value):
        return "; ".join(_custom_field(entry) for entry in value)  # custom fields, as the policy left them
    return str(value)


def _custom_field(entry: dict[str, Any]) -> str:
    """``Material: cotton``, with long values cut for the table and their full length said."""
    name, value = str(entry["name"]), str(entry.get("value", ""))
    shown = value if len(value) <= SHOWN_VALUE else f"{value[:SHOWN_VALUE]}… ({len(value)} characters)"
    return f"{name}: {shown}"


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
    return render(request, template, nav="catalog", bulk=bulk, changes=changes, options=bulk.describe_options())


def _job_params(bulk: Bulk, hub: Hub) -> dict[str, Any]:
    if bulk.action is Action.SYNC:
        return {} if bulk.selection.everything else {"item_ids": _item_ids(hub, bulk.selection)}
    params = {**bulk.selection.as_params(), **({"all": True} if bulk.selection.everything else {})}
    if bulk.action is Action.PUBLISH:  # the names ``publish_listings`` jobs read (``jobs.catalog_operations``)
        params["override_names"] = bulk.options.override_names
        params["attribute_policy"] = bulk.options.attribute_policy.value
    return params


def _describe(bulk: Bulk) -> str:
    if bulk.everything:
        return "every item matching the filters"
    count = len(bulk.selection.skus)
    return f"{count} item{'s' if count != 1 else ''}"


def _with_options(bulk: Bulk) -> str:
    options = bulk.describe_options()
    return f" ({options})" if options else ""


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
    if bulk.action is Action.DELIST and form.get("confirmed") != "yes":
        # delisting deletes products from the store: show what goes and ask once more (works without JavaScript)
        changes = _rows(describe_visibility(_deps(hub), bulk.store, bulk.selection, bulk.action.value))
        fields = [
            (name, value) for name, value in form.multi_items() if name != "csrf_token" and isinstance(value, str)
        ]
        listings = sum(1 for change in changes if change["action"] == Action.DELIST.value)
        return render(
            request,
            "catalog/confirm_delist.html",
            nav="catalog",
            bulk=bulk,
            changes=changes,
            fields=fields,
            listings=listings,
        )
    assert bulk.store.id is not None
    operation = "sync_listings" if bulk.action is Action.SYNC else f"{bulk.action.value}_listings"
    submitted = hub.jobs.run(operation, bulk.store.id, _job_params(bulk, hub), source=f"console ({user.username})")
    flash(
        request,
        f"Queued job {submitted.job.id}: {bulk.action.value} {_describe(bulk)} in {bulk.store.name}{_with_options(bulk)}.",
    )
    return redirect(request, f"/jobs/{submitted.job.id}")


def import_params(form: FormData) -> dict[str, Any]:
    """The import options of the form, as the ``import_listings`` job reads them (``ImportOptions.as_params``)."""
    master_sku = _choice(text(form, "master_sku"), MasterSkuSource, "master SKU source") or MasterSkuSource.SKU
    mode = _choice(text(form, "mode"), ImportMode, "import mode") or ImportMode.CREATE_ONLY
    overwrite = _choice(text(form, "overwrite"), Overwrite, "overwrite choice") or Overwrite.PRODUCT_DATA
    return {
        "master_sku": master_sku.value,
        "mode": mode.value,
        "overwrite": overwrite.value,
        "paused": checked(form, "paused"),
    }


def _describe_import(params: dict[str, Any]) -> str:
    words = [f"master SKU from {MASTER_SKU_CHOICES[MasterSkuSource(params['master_sku'])]}"]
    if params["mode"] == ImportMode.CREATE_AND_OVERWRITE.value:
        words.append(f"overwrite {OVERWRITE_CHOICES[Overwrite(params['overwrite'])]}")
    else:
        words.append("create only")
    if params["paused"]:
        words.append("new listings paused")
    return ", ".join(words)


@router.post("/import/{connection_id}")
def import_listings(
    connection_id: int, request: Request, user: User = Depends(current_user), form: FormData = Depends(form_of)
) -> Response:
    """Queue an import of a store's products into the hub catalog, with the form's import options."""
    hub = hub_of(request)
    connection = hub.connections.get(connection_id)
    params = import_params(form)
    submitted = hub.jobs.run("import_listings", connection_id, params, source=f"console ({user.username})")
    flash(
        request,
        f"Queued job {submitted.job.id}: import listings from {connection.name} ({_describe_import(params)}).",
    )
    return redirect(request, f"/jobs/{submitted.job.id}")

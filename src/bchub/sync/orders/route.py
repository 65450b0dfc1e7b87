"""Route dropship orders: each vendor's lines of a merchant order become one order in that vendor's store.

Exactly once, in two steps:

1. **Plan** (one transaction per page of orders): lines are matched to hub items again, orders
   with unmatched or out-of-stock vendor lines are held for review, and each vendor group gets a
   ``vendor_orders`` row with its deterministic ``external_order_id``, state ``planned``.
2. **Send**, per vendor store (vendors in parallel, a few creates in flight per store): rows
   are marked ``sending`` *before* their POST goes out, a small batch at a time just ahead of
   the creates (``SendingMarks``). The result is recorded, and the vendor order bound to the
   hub's, in the transaction that records the run item. A row still ``sending`` when a run
   starts (a crash, a lost response) is looked up by ``external_order_id`` first and created
   only if absent; a create whose outcome is unknown (``WriteOutcomeUnknown``) is looked up
   before it is tried again.

So the happy path costs one POST per vendor order and no reads; lookups are spent only where
an earlier outcome is unknown: after a crash, the creates that were in flight and the few
marked just ahead of them (at most ``SENDING_BATCH + WRITE_CONCURRENCY - 1`` per vendor).
A failure on the hub's side (its database gone away) stops every vendor's creates at once
(``Halt``): results that cannot be recorded are not sent. Routing is safe to re-run at any time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import BigCommerceError, WriteOutcomeUnknown
from bchub.bigcommerce.models.orders import Order as ApiOrder
from bchub.domain.connections import Connection, HealthStatus, Role
from bchub.domain.orders import (
    CALLED_OFF_STATUSES,
    BusinessAddress,
    ItemMatch,
    Order,
    RouteState,
    VendorGroup,
    VendorOrder,
    VendorOrderLine,
    VendorOrderState,
    blocking_reasons,
    external_order_key,
    hold_reasons,
    match_line,
    status_label,
    vendor_groups,
    vendor_staff_note,
)
from bchub.domain.runs import ItemOutcome, Outcome, Run, Trigger
from bchub.errors import ConfigurationError, NotFoundError
from bchub.storage.binder import Binder
from bchub.storage.order_repository import OrderFilter, OrderRepository, chunks
from bchub.sync.orders.common import (
    WRITE_CONCURRENCY,
    Halt,
    OrderDeps,
    bounded,
    count_vendor_requests,
    credential_problem,
    order_key,
    require_role,
    settings_of,
    transient,
)
from bchub.sync.orders.mapping import vendor_order_input
from bchub.sync.progress import NoProgress, Progress
from bchub.sync.runner import OperationRun, execute

OPERATION = "route_orders"
CREATE_ATTEMPTS = 3  # creates of one vendor order per run when outcomes stay unknown
BINDING_KIND = "order"  # bindings on the vendor connection: vendor order id → hub vendor order id
PLAN_PAGE = 250
SENDING_BATCH = WRITE_CONCURRENCY  # vendor orders marked ``sending`` per transaction, just ahead of their creates


@dataclass(frozen=True)
class RouteRequest:
    store_order_ids: Sequence[int] | None = None  # None: every order waiting to be routed
    force: bool = False  # route held orders too, once a person has reviewed them


@dataclass
class Delivery:
    """One vendor order to send, with what its payload needs."""

    order: Order
    vendor_order: VendorOrder
    lookup_first: bool  # a create may already have gone out


@dataclass
class Plan:
    deliveries: dict[int, list[Delivery]] = field(default_factory=lambda: defaultdict(list))


class SendingMarks:
    """Marks one vendor's orders ``sending`` a batch at a time, just before their creates go out.

    The write-ahead rule: a vendor order is recorded ``sending`` before its POST starts, so a
    crash at any point leaves every order that may have reached the store to be looked up. The
    first order of a batch to be sent marks itself and the next ``SENDING_BATCH - 1`` waiting
    ones in one transaction (deliveries start in list order), so a crash leaves only the
    creates in flight and a few marked ahead to look up, not every order not sent yet.
    """

    def __init__(self, deps: OrderDeps, deliveries: Sequence[Delivery]) -> None:
        self.deps = deps
        # rows already ``sending`` (looked up first) need no mark
        self.waiting = [item.vendor_order.id for item in deliveries if not item.lookup_first and item.vendor_order.id]
        self.marked: set[int] = set()
        self.next = 0  # the first of ``waiting`` not looked at for a batch yet

    def before_create(self, vendor_order_id: int) -> None:
        if vendor_order_id in self.marked:
            return
        batch = [vendor_order_id]
        while len(batch) < SENDING_BATCH and self.next < len(self.waiting):
            candidate = self.waiting[self.next]
            self.next += 1
            if candidate not in self.marked and candidate != vendor_order_id:
                batch.append(candidate)
        # no await between the look at ``marked`` and this commit: concurrent deliveries cannot both mark
        with self.deps.sessions.begin() as session:
            OrderRepository(session, self.deps.now).mark_sending(batch)
        self.marked.update(batch)


class RouteOrders:
    def __init__(self, deps: OrderDeps, request: RouteRequest, progress: Progress) -> None:
        self.deps = deps
        self.request = request
        self.progress = progress
        self._vendors: dict[int, Connection | None] = {}
        self.halt = Halt()  # shared by every vendor's deliveries
        self._marks: dict[int, SendingMarks] = {}  # per vendor connection

    async def __call__(self, run: OperationRun) -> None:
        connection = run.connection
        require_role(connection, Role.MERCHANT, "routing orders")
        settings = settings_of(connection)
        if settings.business_address is None:
            raise ConfigurationError(
                f"connection {connection.name!r} has no business address; vendor orders are billed to it. Set it, e.g. "
                f"`bchub orders settings {connection.name} --set business_address.first_name=Corner "
                "--set business_address.street_1='1 Main St' --set business_address.city=Austin "
                "--set business_address.zip=78701 --set business_address.country_iso2=US`"
            )
        plan = self._plan(run)
        total = sum(len(items) for items in plan.deliveries.values())
        self.progress.start("vendor orders", total)
        address = settings.business_address
        vendors = list(plan.deliveries.items())
        # every vendor store at once (each has its own quota); within one, a few creates at a time
        await bounded(
            vendors,
            lambda entry: self._send_to(run, entry[0], entry[1], address),
            limit=max(1, len(vendors)),
            halt=self.halt,
        )
        run.summary["vendor_orders_sent"] = total

    # -- planning ------------------------------------------------------------------------------
    def _chosen_ids(self, session: Session, run: OperationRun) -> list[int]:
        connection_id = run.connection.id
        assert connection_id is not None
        repository = OrderRepository(session, self.deps.now)
        if self.request.store_order_ids is not None:
            wanted = list(dict.fromkeys(self.request.store_order_ids))
            found = repository.by_store_ids(connection_id, wanted)
            for missing in (number for number in wanted if number not in found):
                run.record(
                    session,
                    ItemOutcome(
                        "order",
                        order_key(missing),
                        Outcome.FAILED,
                        "the order is not in the hub; import it first with `bchub orders get --id`",
                    ),
                )
            return sorted(order.id for order in found.values() if order.id is not None)
        states = [RouteState.PENDING, RouteState.FAILED] + ([RouteState.HELD] if self.request.force else [])
        return sorted(
            order_id
            for state in states
            for order_id in repository.ids(OrderFilter(connection_id=connection_id, route_state=state))
        )

    def _plan(self, run: OperationRun) -> Plan:
        plan = Plan()
        with self.deps.sessions.begin() as session:
            chosen = self._chosen_ids(session, run)
        for part in chunks(chosen, PLAN_PAGE):
            with self.deps.sessions.begin() as session:
                repository = OrderRepository(session, self.deps.now)
                orders = repository.by_ids(part)
                existing = repository.vendor_orders(part)
                skus = {line.sku for order in orders.values() for line in order.lines if line.sku}
                matches = self.deps.items.matches(session, skus) if skus else {}
                for order in orders.values():
                    for line in order.lines:
                        match_line(line, matches.get(line.sku))
                repository.save_all(list(orders.values()))
                line_ids = repository.line_ids(part)
                for order_id in part:
                    order = orders[order_id]
                    context = (existing.get(order_id, []), matches, line_ids.get(order_id, {}))
                    self._plan_order(session, run, repository, order, context, plan)
        return plan

    def _plan_order(
        self,
        session: Session,
        run: OperationRun,
        repository: OrderRepository,
        order: Order,
        context: tuple[list[VendorOrder], dict[str, ItemMatch], dict[int, int]],
        plan: Plan,
    ) -> None:
        assert order.id is not None
        existing, matches, line_ids = context
        key = order_key(order.store_order_id)
        if order.status_id in CALLED_OFF_STATUSES and not existing:
            repository.set_route_state(order.id, RouteState.CANCELLED, f"the order is {status_label(order.status_id)}")
            run.record(
                session, ItemOutcome("order", key, Outcome.SKIPPED, f"not routed: {status_label(order.status_id)}")
            )
            return
        placed = {
            (item.vendor_connection_id, item.order_address_id)
            for item in existing
            if item.state is VendorOrderState.PLACED
        }
        # lines already with a vendor are not reviewed again (their stock went down when they were placed)
        unsent = replace(
            order,
            lines=[line for line in order.lines if (line.vendor_connection_id, line.order_address_id) not in placed],
        )
        groups = vendor_groups(order)
        reasons = blocking_reasons(unsent) if self.request.force else hold_reasons(unsent, matches)
        reasons += address_gaps(unsent, groups)
        problems, paused = self._vendor_problems(groups)
        if reasons or problems:
            reason = "; ".join(reasons + problems)
            repository.set_route_state(order.id, RouteState.HELD, reason)
            run.record(session, ItemOutcome("order", key, Outcome.SKIPPED, f"held for review: {reason}"))
            return
        if paused:
            # not a review hold: the order goes out on its own once the vendor connection works again
            reason = "; ".join(paused)
            repository.set_route_state(order.id, RouteState.FAILED, reason)
            run.record(session, ItemOutcome("order", key, Outcome.SKIPPED, f"waiting for the vendor: {reason}"))
            return
        if not groups:
            repository.set_route_state(order.id, RouteState.NOT_NEEDED)
            run.record(session, ItemOutcome("order", key, Outcome.UNCHANGED, "no line comes from a vendor"))
            return
        known = {
            (vendor_order.vendor_connection_id, vendor_order.order_address_id): vendor_order
            for vendor_order in existing
        }
        split = len({group.order_address_id for group in groups}) > 1
        for group in groups:
            vendor_order = known.get((group.vendor_connection_id, group.order_address_id))
            if vendor_order is None:
                vendor_order = repository.add_vendor_order(
                    self._new_vendor_order(run, order, group, matches, line_ids, split=split)
                )
                known[(group.vendor_connection_id, group.order_address_id)] = vendor_order
        waiting = [vendor_order for vendor_order in known.values() if vendor_order.state is not VendorOrderState.PLACED]
        if not waiting:
            repository.set_route_state(order.id, RouteState.ROUTED)
            run.record(session, ItemOutcome("order", key, Outcome.UNCHANGED, "already routed"))
            return
        repository.set_route_state(order.id, RouteState.PENDING)
        for vendor_order in waiting:
            lookup = vendor_order.state is VendorOrderState.SENDING
            plan.deliveries[vendor_order.vendor_connection_id].append(Delivery(order, vendor_order, lookup))

    def _new_vendor_order(
        self,
        run: OperationRun,
        order: Order,
        group: VendorGroup,
        matches: dict[str, ItemMatch],
        line_ids: dict[int, int],
        *,
        split: bool,
    ) -> VendorOrder:
        assert order.id is not None
        vendor = self._vendor(group.vendor_connection_id)
        assert vendor is not None  # checked by _vendor_problems
        lines = []
        for line in group.lines:
            match = matches[line.sku]
            assert match.vendor_product_id is not None  # unmatched lines hold the order
            lines.append(
                VendorOrderLine(
                    order_line_id=line_ids[line.order_product_id],
                    merchant_order_product_id=line.order_product_id,
                    vendor_product_id=match.vendor_product_id,
                    vendor_variant_id=match.vendor_variant_id,
                    sku=line.sku,
                    quantity=line.quantity,
                )
            )
        return VendorOrder(
            order_id=order.id,
            vendor_connection_id=group.vendor_connection_id,
            order_address_id=group.order_address_id,
            external_order_id=external_order_key(
                run.connection.store_hash,
                order.store_order_id,
                vendor.store_hash,
                group.order_address_id,
                split_by_address=split,
            ),
            lines=lines,
        )

    def _vendor(self, connection_id: int) -> Connection | None:
        if connection_id not in self._vendors:
            try:
                self._vendors[connection_id] = self.deps.connections.get(connection_id)
            except NotFoundError:
                self._vendors[connection_id] = None
        return self._vendors[connection_id]

    def _vendor_problems(self, groups: Sequence[VendorGroup]) -> tuple[list[str], list[str]]:
        """(problems that need a review of the order, vendors that are only paused until fixed)."""
        problems: list[str] = []
        paused: list[str] = []
        for vendor_id in dict.fromkeys(group.vendor_connection_id for group in groups):
            vendor = self._vendor(vendor_id)
            if vendor is None:
                problems.append(f"vendor connection {vendor_id} no longer exists")
            elif not vendor.role.includes(Role.VENDOR):
                problems.append(f"connection {vendor.name!r} supplies items but is not a vendor connection")
            elif not vendor.enabled:
                paused.append(f"vendor connection {vendor.name!r} is disabled")
            elif vendor.access_token is None:
                paused.append(f"vendor connection {vendor.name!r} has no access token")
            elif vendor.health.status is HealthStatus.NEEDS_ATTENTION:
                paused.append(f"vendor connection {vendor.name!r} needs attention: {vendor.health.reason}")
        return problems, paused

    # -- sending -------------------------------------------------------------------------------
    async def _send_to(
        self, run: OperationRun, vendor_id: int, deliveries: list[Delivery], business_address: BusinessAddress
    ) -> None:
        vendor = self._vendor(vendor_id)
        assert vendor is not None and vendor.access_token is not None
        status_id = settings_of(vendor).vendor_status_id
        self._marks[vendor_id] = SendingMarks(self.deps, deliveries)
        async with self.deps.clients(vendor.store_hash, vendor.access_token.reveal()) as client:
            try:
                await bounded(
                    deliveries,
                    lambda delivery: self._deliver(run, client, vendor, delivery, business_address, status_id),
                    halt=self.halt,
                )
            finally:
                count_vendor_requests(run, vendor, client.requests_sent)

    async def _deliver(
        self,
        run: OperationRun,
        client: BigCommerceClient,
        vendor: Connection,
        delivery: Delivery,
        business_address: BusinessAddress,
        status_id: int,
    ) -> None:
        assert vendor.id is not None
        marks = self._marks[vendor.id]
        order, vendor_order = delivery.order, delivery.vendor_order
        assert vendor_order.id is not None
        key = vendor_order.external_order_id
        destination = order.destination(vendor_order.order_address_id)
        assert destination is not None  # orders without one are held
        payload = vendor_order_input(
            vendor_order,
            destination,
            business_address=business_address,
            status_id=status_id,
            staff_notes=vendor_staff_note(run.connection.store_name or run.connection.name, order.store_order_id),
            customer_message=order.customer_message,
        )
        unknown = delivery.lookup_first
        try:
            if delivery.lookup_first:
                self.halt.check()
                found = await client.orders.find_by_external_id(key, line_items=False)
                if found is not None:
                    self._placed(run, vendor, delivery, found, Outcome.LINKED)
                    return
            for _ in range(CREATE_ATTEMPTS):
                self.halt.check()  # another delivery found the database gone: nothing more goes out
                marks.before_create(vendor_order.id)
                try:
                    created = await client.orders.create(payload)
                except WriteOutcomeUnknown:
                    unknown = True
                    found = await client.orders.find_by_external_id(key, line_items=False)
                    if found is not None:
                        self._placed(run, vendor, delivery, found, Outcome.CREATED)
                        return
                    continue
                self._placed(run, vendor, delivery, created, Outcome.CREATED)
                return
            self._not_placed(
                run,
                delivery,
                vendor,
                VendorOrderState.SENDING,
                f"{vendor.name!r} did not confirm the order {CREATE_ATTEMPTS} times and it is not there; "
                "the next run looks it up again before sending it",
            )
        except BigCommerceError as error:
            if credential_problem(error):
                self.deps.connections.record_api_error(vendor, error)
            # unknown or transient: the order may exist, so the next run looks before it creates
            state = VendorOrderState.SENDING if unknown or transient(error) else VendorOrderState.FAILED
            self._not_placed(run, delivery, vendor, state, f"{vendor.name!r} refused the order: {error}")
        finally:
            self.progress.advance("vendor orders")

    def _placed(
        self, run: OperationRun, vendor: Connection, delivery: Delivery, found: ApiOrder, outcome: Outcome
    ) -> None:
        """Bind the vendor order and record it, in one transaction; the order is routed once all its vendor orders are."""
        order, vendor_order = delivery.order, delivery.vendor_order
        assert order.id is not None and vendor_order.id is not None and vendor.id is not None
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            repository.placed(vendor_order.id, found.id, found.status_id)
            Binder(session, self.deps.now).bind(
                vendor.id,
                BINDING_KIND,
                found.id,
                vendor_order.id,
                {"external_order_id": vendor_order.external_order_id, "merchant_order_id": order.store_order_id},
            )
            run.record(
                session,
                ItemOutcome(
                    "vendor_order",
                    f"{order_key(order.store_order_id)} → {vendor.name}",
                    outcome,
                    f"vendor order #{found.id}"
                    + (" (found by its external_order_id)" if outcome is Outcome.LINKED else ""),
                ),
            )
            siblings = repository.vendor_orders([order.id])[order.id]
            if all(item.state is VendorOrderState.PLACED for item in siblings):
                repository.set_route_state(order.id, RouteState.ROUTED)

    def _not_placed(
        self, run: OperationRun, delivery: Delivery, vendor: Connection, state: VendorOrderState, reason: str
    ) -> None:
        order, vendor_order = delivery.order, delivery.vendor_order
        assert order.id is not None and vendor_order.id is not None
        with self.deps.sessions.begin() as session:
            repository = OrderRepository(session, self.deps.now)
            repository.vendor_order_failed(vendor_order.id, state, reason)
            repository.set_route_state(order.id, RouteState.FAILED, reason)
            run.record(
                session,
                ItemOutcome(
                    "vendor_order", f"{order_key(order.store_order_id)} → {vendor.name}", Outcome.FAILED, reason
                ),
            )


def address_gaps(order: Order, groups: Sequence[VendorGroup]) -> list[str]:
    """A vendor cannot ship to an address without a street, a city or a country (even when forced)."""
    gaps = []
    for order_address_id in dict.fromkeys(group.order_address_id for group in groups):
        destination = order.destination(order_address_id)
        if destination is None:
            continue  # blocking_reasons says so
        address = destination.address
        missing = [
            label
            for label, value in (
                ("street", address.street_1),
                ("city", address.city),
                ("country", address.country_iso2 or address.country),
            )
            if not value.strip()
        ]
        if missing:
            gaps.append(
                f"the shipping address {order_address_id} has no {', '.join(missing)}: the vendor cannot ship to it"
            )
    return gaps


async def route_orders(
    deps: OrderDeps,
    connection: str | int,
    request: RouteRequest | None = None,
    *,
    progress: Progress | None = None,
    trigger: Trigger = Trigger.USER,
) -> Run:
    request = request or RouteRequest()
    params: dict[str, object] = {"force": request.force}
    if request.store_order_ids is not None:
        params["store_order_ids"] = list(request.store_order_ids)
    return await execute(
        OPERATION,
        connection,
        RouteOrders(deps, request, progress or NoProgress()),
        sessions=deps.sessions,
        connections=deps.connections,
        clients=deps.clients,
        trigger=trigger,
        params=params,
    )

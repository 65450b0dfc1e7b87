"""``/``: the dashboard: per store its health, last sync, lag and API requests today; the jobs that
failed lately; and a chart of orders, vendor orders and shipments per day.

- **Last sync**: the newest run of a sync operation (see ``SYNC_OPERATIONS``) for the connection
  that did its work (succeeded, or partial: some items failed and show under *needs attention*).
- **Lag**: how old the hub's copy of the store may be: now minus the *start* of the newest such
  run that read the store (``READ_OPERATIONS``). A run reads what the store had when it started,
  so a change made in the store after that is not in the hub yet, however long the run took.
- **Requests today**: what the runs started since 00:00 UTC sent to the store: the connection's
  own runs, and for a vendor its share of merchants' routing and shipment runs (kept per vendor
  in those runs' counts); and, when the hub has seen the store's rate-limit headers (quota per
  window), the share of the day's allowance that is (Standard and Plus: 150 per 30 s, 432,000 a day).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from bchub.app import Hub
from bchub.bigcommerce.client import budget_key
from bchub.domain.connections import Connection
from bchub.domain.users import User
from bchub.errors import InputError
from bchub.interfaces.console.connections import HealthBadge, health_badge
from bchub.interfaces.console.jobs import STATUS_CSS
from bchub.interfaces.console.rendering import render
from bchub.interfaces.console.security import current_user, hub_of
from bchub.jobs.model import Job, JobStatus
from bchub.storage.dashboard_repository import DashboardRepository, DayActivity, RunMark, day_start
from bchub.sync.connections.probe import budget_quota

router = APIRouter()
log = logging.getLogger(__name__)

FAILURE_WINDOW = timedelta(days=1)
FAILURES_SHOWN = 10
CHART_DAYS = 14

# operations that bring the store's data into the hub
READ_OPERATIONS = frozenset({"import_listings", "sync_inventory", "get_orders", "sync_shipments", "reconcile_orders"})
# every operation that syncs with the store (reads, and writes of listings, orders and shipments);
# connection tests, webhook upkeep and the PII purge are not syncs
SYNC_OPERATIONS = READ_OPERATIONS | {
    "publish_listings",
    "sync_listings",
    "hide_listings",
    "unhide_listings",
    "delist_listings",
    "route_orders",
    "write_shipments",
}
LAG_FINE = timedelta(hours=1)  # older than this shows amber, older than a day red


@dataclass(frozen=True)
class Quota:
    """API requests spent on a store today, and the day's allowance when the store's quota is known."""

    used: int
    allowance: int | None  # requests per day the store's plan allows; None: not known, or no fixed limit
    unlimited: bool = False  # the plan sets no fixed limit (an "unlimited" Enterprise quota)

    @property
    def share(self) -> str | None:
        """``12.5%`` of the allowance; ``<0.1%`` for a sliver; None when the allowance is unknown."""
        if not self.allowance:
            return None
        percent = 100 * self.used / self.allowance
        return "<0.1%" if 0 < percent < 0.1 else f"{percent:.1f}%"


@dataclass(frozen=True)
class StoreRow:
    connection: Connection
    badge: HealthBadge
    last_job: Job | None
    last_sync: RunMark | None
    lag: timedelta | None  # None: the store was never read
    quota: Quota

    @property
    def lag_text(self) -> str:
        return "never synced" if self.lag is None else duration(self.lag)

    @property
    def lag_css(self) -> str:
        if self.lag is None or self.lag > timedelta(days=1):
            return "bad"
        return "ok" if self.lag <= LAG_FINE else "unknown"


def duration(span: timedelta) -> str:
    """``under 1 min``, ``5 min``, ``2 h 10 min``, ``3 d 4 h``: a lag as people say it."""
    minutes = max(0, int(span.total_seconds())) // 60
    if minutes < 1:
        return "under 1 min"
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


async def _allowance(hub: Hub, connection: Connection) -> Quota:
    """The day's allowance: from the limiter's live reading when it has one (the freshest), else from
    the quota the connection's last test saved, which outlives the limiter's short-lived budget."""
    live = await budget_quota(hub.limiter_backend, budget_key(hub.clients.api_url, connection.store_hash))
    quota = live or connection.quota
    if quota is None:
        return Quota(0, None)
    return Quota(0, quota.per_day, unlimited=quota.unlimited)


def _store_rows(hub: Hub, connections: list[Connection], now: datetime) -> list[StoreRow]:
    """Every store's row, its quota allowance still unknown (``_with_allowances`` fills it in)."""
    with hub.sessions() as session:
        repository = DashboardRepository(session)
        synced = repository.last_runs(SYNC_OPERATIONS)
        read = repository.last_runs(READ_OPERATIONS, by="started")
        spent = repository.requests_since(day_start(now.date()))
    rows = []
    for connection in connections:
        assert connection.id is not None
        recent = hub.jobs.recent(connection=connection.id, limit=1)
        last_read = read.get(connection.id)
        rows.append(
            StoreRow(
                connection,
                health_badge(connection),
                recent[0] if recent else None,
                synced.get(connection.id),
                None if last_read is None else now - last_read.started_at,
                Quota(spent.get(connection.id, 0), None),
            )
        )
    return rows


async def _with_allowances(hub: Hub, rows: list[StoreRow]) -> list[StoreRow]:
    return [replace(row, quota=replace(await _allowance(hub, row.connection), used=row.quota.used)) for row in rows]


def _failures(hub: Hub, now: datetime) -> list[Job]:
    since = now - FAILURE_WINDOW
    failures = [
        job
        for status in (JobStatus.FAILED, JobStatus.PARTIAL)
        for job in hub.jobs.recent(status=status, limit=FAILURES_SHOWN)
        if (job.finished_at or job.created_at) >= since
    ]
    failures.sort(key=lambda job: job.id, reverse=True)
    return failures[:FAILURES_SHOWN]


# -- the chart ---------------------------------------------------------------------------------------

SERIES = (
    ("orders", "merchant orders got", "series-orders"),
    ("vendor_orders", "vendor orders routed", "series-vendor"),
    ("shipments", "shipments brought back", "series-shipments"),
)
WIDTH, HEIGHT = 720, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 12, 28  # room for the axis labels
BAR_GAP = 2


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DayLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    days: list[DayActivity]
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[DayLabel]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return all(day.total == 0 for day in self.days)

    @property
    def totals(self) -> dict[str, int]:
        return {key: sum(getattr(day, key) for day in self.days) for key, _, _ in SERIES}


def _scale_top(highest: int) -> int:
    """A round top for the y axis (1, 2, 5, 10, 20, 50 …) at or above the highest bar."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if top * step >= highest:
                return top * step
        top *= 10


def chart(days: list[DayActivity]) -> Chart:
    """Grouped bars per day, one per series, scaled to a round top (geometry here, drawing in the template)."""
    top = _scale_top(max((getattr(day, key) for day in days for key, _, _ in SERIES), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(days)
    bar_width = (slot - 6) / len(SERIES) - BAR_GAP
    bars, labels = [], []
    for index, day in enumerate(days):
        x0 = LEFT + index * slot + 3
        when = day.day.strftime("%b %d")
        for number, (key, name, css) in enumerate(SERIES):
            value = getattr(day, key)
            height = plot_height * value / top
            x = x0 + number * (bar_width + BAR_GAP)
            bars.append(Bar(x, TOP + plot_height - height, bar_width, height, css, f"{when}, {name}: {value}"))
        if (len(days) - 1 - index) % 2 == 0:  # every other day, counting back from today
            labels.append(DayLabel(LEFT + index * slot + slot / 2, day.day.strftime("%d %b")))
    values = (0, top // 2, top) if top % 2 == 0 else (0, top)  # whole numbers only: a count has no halves
    ticks = [Tick(TOP + plot_height * (1 - value / top), str(value)) for value in values]
    return Chart(days, bars, ticks, labels)


def _activity(hub: Hub, today: date, store_id: int | None) -> Chart:
    with hub.sessions() as session:
        days = DashboardRepository(session).activity(today - timedelta(days=CHART_DAYS - 1), CHART_DAYS, store_id)
    return chart(days)


def _store_id(hub: Hub, raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.strip().isdigit():
        raise InputError(f"the store must be a connection id; got {raw!r}")
    connection = hub.connections.get(int(raw))  # an unknown one is a 404 with its reason
    return connection.id


@dataclass(frozen=True)
class Page:
    connections: list[Connection]
    rows: list[StoreRow]
    failures: list[Job]
    chart: Chart
    chart_store: int | None


def _page(hub: Hub, now: datetime, store: str | None) -> Page:
    """Everything the database says (run in a worker thread: these are blocking queries)."""
    connections = hub.connections.all()
    chosen = _store_id(hub, store)
    return Page(
        connections, _store_rows(hub, connections, now), _failures(hub, now), _activity(hub, now.date(), chosen), chosen
    )


@router.get("/")
async def dashboard(request: Request, store: str | None = None, user: User = Depends(current_user)) -> Response:
    hub = hub_of(request)
    now = datetime.now(UTC)
    page = await run_in_threadpool(_page, hub, now, store)
    rows = await _with_allowances(hub, page.rows)  # the limiter's budgets are async (Redis when distributed)
    counts = {css: sum(1 for row in rows if row.badge.css == css) for css in ("ok", "bad", "unknown", "off")}
    return render(
        request,
        "dashboard.html",
        nav="dashboard",
        rows=rows,
        counts=counts,
        total=len(rows),
        failures=page.failures,
        names={connection.id: connection.name for connection in page.connections},
        css=STATUS_CSS,
        chart=page.chart,
        series=SERIES,
        chart_store=page.chart_store,
        chart_days=CHART_DAYS,
    )

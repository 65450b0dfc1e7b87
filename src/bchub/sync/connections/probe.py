"""Testing a connection: what the credentials can do, proven with requests that change nothing.

1. ``GET /v2/store`` and ``GET /v2/time``: the hash exists, the token is valid, and the store's
   name and plan. A 401 or a 404 here ends the test: nothing else can work.
2. One cheap read per read scope the enabled operations need (``limit=1`` pages, the order count).
3. Write scopes. A read can never prove one, and BigCommerce has no endpoint that lists a store
   API account's scopes. What is honestly provable:
   - OAuth installs: the token exchange returned the granted scopes, recorded at install; they
     are authoritative, so no write is sent.
   - Private API accounts: a write aimed at something that cannot exist. BigCommerce checks the
     token's scopes before it looks at the target, so ``403`` means the modify scope is missing
     and a ``404``/``400``/``422`` means it is granted. Nothing changes either way: BigCommerce ids
     start at 1 (``PUT /v2/orders/0``, ``PUT /v3/catalog/products/0``), and an absolute inventory
     adjustment with no items adjusts nothing.
   An unexpected outcome (a 5xx, the network) leaves the scope *unknown*, and the test says it
   could not finish rather than guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bchub.bigcommerce.client import BigCommerceClient
from bchub.bigcommerce.errors import (
    AuthFailed,
    BigCommerceError,
    NotFound,
    RateLimited,
    ScopeMissing,
    ServerError,
    TransportError,
)
from bchub.bigcommerce.ratelimit import LimiterBackend
from bchub.domain.connections import ApiQuota, AuthType, Connection
from bchub.domain.scopes import (
    INFORMATION,
    INVENTORY,
    LOCATIONS,
    ORDERS,
    PRODUCTS,
    Access,
    Operation,
    ScopeGap,
    ScopeNeed,
    needs_of,
    read,
    scope_gaps,
)
from bchub.sync.connections.inputs import WHERE_TO_FIND_THE_HASH

log = logging.getLogger(__name__)


class ProblemKind(StrEnum):
    AUTH_FAILED = "auth_failed"
    STORE_NOT_FOUND = "store_not_found"
    SCOPES_MISSING = "scopes_missing"
    NO_TOKEN = "no_token"
    NETWORK = "network"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    UNEXPECTED = "unexpected"

    @property
    def definite(self) -> bool:
        """A problem with the credentials themselves (it will not heal by waiting)."""
        return self in (
            ProblemKind.AUTH_FAILED,
            ProblemKind.STORE_NOT_FOUND,
            ProblemKind.SCOPES_MISSING,
            ProblemKind.NO_TOKEN,
        )


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str  # what happened
    fix: str  # what to do about it


@dataclass(frozen=True)
class ScopeCheck:
    need: ScopeNeed
    granted: bool | None  # None: could not be determined
    evidence: str  # the request and its answer, or "recorded at install"


@dataclass
class TestReport:
    connection: str
    store_hash: str
    api_url: str
    auth_type: AuthType = AuthType.PRIVATE
    store_name: str | None = None
    plan: str | None = None
    secure_url: str | None = None
    quota: ApiQuota | None = None  # as the store's rate-limit headers stated it (no ``seen_at`` yet)
    checks: list[ScopeCheck] = field(default_factory=list)
    gaps: list[ScopeGap] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    requests_sent: int = 0

    __test__ = False  # not a pytest test class, despite the name

    @property
    def passed(self) -> bool:
        return not self.problems and not self.gaps and self.store_name is not None

    @property
    def definite(self) -> bool:
        """The failure is about the credentials (health becomes *needs attention*), not a passing outage."""
        return bool(self.gaps) or any(problem.kind.definite for problem in self.problems)

    def headline(self) -> str:
        where = f"{self.store_name} ({self.store_hash}, {self.plan or 'unknown plan'})"
        if self.passed:
            return f"TEST PASSED: connected to {where}"
        if self.problems:
            return f"TEST FAILED: {self.problems[0].message}"
        missing = ", ".join(str(gap.need) for gap in self.gaps)
        count = f"{len(self.gaps)} scope{'s' if len(self.gaps) > 1 else ''} missing"
        if self.store_name is not None:
            return f"TEST FAILED: connected to {where}, but {count}: {missing}"
        return f"TEST FAILED: the token is valid for {self.store_hash}, but {count}: {missing}"

    @property
    def scope_fix(self) -> str | None:
        """What to do about the missing scopes, if any."""
        return _scope_fix(self.auth_type) if self.gaps else None

    def reason(self) -> str:
        """One line for the connection's health."""
        parts = [problem.message for problem in self.problems]
        if self.gaps:
            parts.append("missing scopes: " + ", ".join(str(gap.need) for gap in self.gaps))
        return "; ".join(parts) or "passed"


def _scope_fix(auth_type: AuthType) -> str:
    if auth_type is AuthType.OAUTH:
        return (
            "Add these scopes to the app in the BigCommerce Developer Portal; the merchant then re-authorizes the app "
            "from Apps › My apps, which sends bchub a new token."
        )
    return (
        "A store-level API account's scopes cannot be changed: in the control panel (Settings › Store-level API "
        "accounts) create a new API account with these scopes ticked, then give bchub its credentials file "
        "(bchub connections edit <name> --credentials-file <file>)."
    )


def _auth_problem(error: AuthFailed, connection: Connection, token_hint: str) -> Problem:
    if connection.auth_type is AuthType.OAUTH:
        fix = "Reinstall or re-authorize the bchub app from the store's control panel (Apps › My apps)."
    else:
        fix = (
            "Create a new API account in the control panel (Settings › Store-level API accounts › Create API "
            "account) and give bchub its credentials (bchub connections edit <name> --credentials-file <file>)."
        )
    return Problem(
        ProblemKind.AUTH_FAILED,
        f"the access token {token_hint} was refused (401 on {error.method} {error.path}): it is wrong or has been revoked",
        fix,
    )


def _not_found_problem(connection: Connection, api_url: str) -> Problem:
    return Problem(
        ProblemKind.STORE_NOT_FOUND,
        f"no store with the hash {connection.store_hash!r} at {api_url} (404 on GET /v2/store): the hash is wrong",
        WHERE_TO_FIND_THE_HASH,
    )


def transient_problem(error: BigCommerceError, api_url: str) -> Problem:
    if isinstance(error, TransportError):
        return Problem(
            ProblemKind.NETWORK,
            f"could not reach {api_url}: {error.message}",
            "Check the network and the API URL (setting bigcommerce_api_url, env BCHUB_BIGCOMMERCE_API_URL), then test again.",
        )
    if isinstance(error, RateLimited):
        wait = f" in {max(1, round(error.reset_ms / 1000))} s" if error.reset_ms else " in a minute"
        return Problem(
            ProblemKind.RATE_LIMITED,
            f"the store's API quota is used up (429 on {error.method} {error.path})",
            f"Other apps share the store's quota; test again{wait}.",
        )
    if isinstance(error, ServerError):
        return Problem(
            ProblemKind.SERVER_ERROR,
            f"BigCommerce answered {error.status} on {error.method} {error.path}: {error.message}",
            "A BigCommerce-side outage; test again later (status.bigcommerce.com).",
        )
    return Problem(ProblemKind.UNEXPECTED, f"unexpected answer: {error}", "Test again; if it persists, report it.")


Probe = Callable[[BigCommerceClient], Awaitable[object]]


async def _get_one(client: BigCommerceClient, path: str) -> None:
    await client.request("GET", path, params={"limit": 1})


READ_PROBES: dict[str, tuple[str, Probe]] = {
    PRODUCTS: ("GET /v3/catalog/products?limit=1", lambda client: _get_one(client, "/v3/catalog/products")),
    ORDERS: ("GET /v2/orders/count", lambda client: client.orders.count()),
    INVENTORY: ("GET /v3/inventory/items?limit=1", lambda client: _get_one(client, "/v3/inventory/items")),
    LOCATIONS: ("GET /v3/inventory/locations?limit=1", lambda client: _get_one(client, "/v3/inventory/locations")),
    INFORMATION: ("GET /v2/store", lambda client: client.store.info()),
}


@dataclass(frozen=True)
class WriteProbe:
    """A write that cannot change anything, and the answers that prove its scope is granted.

    404 proves it only where the route certainly exists and the *target* is what is missing (an
    id of 0); elsewhere a 404 means something else (wrong URL) and is not taken as proof.
    """

    evidence: str
    send: Probe
    proves: frozenset[int]


WRITE_PROBES: dict[str, WriteProbe] = {
    ORDERS: WriteProbe(
        "PUT /v2/orders/0",
        lambda client: client.request("PUT", "/v2/orders/0", json={}),
        frozenset({400, 404, 422}),
    ),
    PRODUCTS: WriteProbe(
        "PUT /v3/catalog/products/0",
        lambda client: client.request("PUT", "/v3/catalog/products/0", json={}),
        frozenset({400, 404, 422}),
    ),
    INVENTORY: WriteProbe(
        "PUT /v3/inventory/adjustments/absolute with no items",
        lambda client: client.request(
            "PUT", "/v3/inventory/adjustments/absolute", json={"reason": "bchub scope check", "items": []}
        ),
        frozenset({400, 422}),
    ),
}


async def stated_quota(client: BigCommerceClient) -> ApiQuota | None:
    """The quota per window the store's responses last stated, as the client's limiter recorded it.

    ``None`` when no response carried rate-limit headers, or the budget cannot be read (a Redis
    outage must not fail a connection test).
    """
    return await budget_quota(client.limiter.backend, client.limiter.key)


async def budget_quota(backend: LimiterBackend, key: str) -> ApiQuota | None:
    """The quota per window recorded in the rate-limit budget ``key`` (``None``: none, or unreadable)."""
    try:
        requests, window_ms = await backend.update(key, lambda budget: (budget.quota, budget.window_ms))
    except Exception as error:  # the backend may be Redis: its outage must not fail a test or a page
        log.warning("could not read the rate-limit budget %s: %s", key, error)
        return None
    if requests is None or window_ms is None or min(requests, window_ms) < 1:
        return None
    return ApiQuota(requests, window_ms)


class _Stop(Exception):
    """A probe met a problem that makes further requests pointless."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class Prober:
    """Runs the checks for one connection with one client."""

    def __init__(self, client: BigCommerceClient, connection: Connection, operations: list[Operation]) -> None:
        self.client = client
        self.connection = connection
        self.operations = operations
        self.token_hint = str(connection.access_token) if connection.access_token else "****"
        self.report = TestReport(connection.name, connection.store_hash, client.base_url, connection.auth_type)

    async def run(self) -> TestReport:
        try:
            await self._store_profile()
            for need in needs_of(self.operations):
                await self._check(need)  # the profile read above already settled read(INFORMATION)
        except _Stop as stop:
            self.report.problems.append(stop.problem)
        self.report.requests_sent = self.client.requests_sent
        self.report.quota = await stated_quota(self.client)
        if not self.report.problems:
            granted = {check.need: check.granted for check in self.report.checks}
            self.report.gaps = scope_gaps(self.operations, lambda need: granted.get(need) is not False)
        return self.report

    def _fail(self, error: BigCommerceError, *, store_call: bool) -> _Stop:
        if isinstance(error, AuthFailed):
            return _Stop(_auth_problem(error, self.connection, self.token_hint))
        if isinstance(error, NotFound) and store_call:
            return _Stop(_not_found_problem(self.connection, self.client.base_url))
        return _Stop(transient_problem(error, self.client.base_url))

    async def _store_profile(self) -> None:
        need = read(INFORMATION)
        try:
            info = await self.client.store.info()
            await self.client.store.time()
        except ScopeMissing:
            # the token works (no 401) but may not read the profile, so the store stays unnamed
            self.report.checks.append(ScopeCheck(need, False, "GET /v2/store → 403"))
            return
        except BigCommerceError as error:
            raise self._fail(error, store_call=True) from None
        self.report.store_name = info.name
        self.report.plan = info.plan_name
        self.report.secure_url = info.secure_url
        self.report.checks.append(ScopeCheck(need, True, "GET /v2/store → 200, GET /v2/time → 200"))

    async def _check(self, need: ScopeNeed) -> None:
        if any(check.need == need for check in self.report.checks):
            return
        if need.access is Access.READ:
            self.report.checks.append(await self._read(need))
            return
        # A missing read scope means the modify scope is missing too; no write needed to know.
        read_check = next((check for check in self.report.checks if check.need == read(need.scope)), None)
        if read_check is not None and read_check.granted is False:
            self.report.checks.append(ScopeCheck(need, False, f"{read_check.evidence} (read denied)"))
            return
        self.report.checks.append(await self._write(need))

    async def _read(self, need: ScopeNeed) -> ScopeCheck:
        evidence, probe = READ_PROBES[need.scope]
        try:
            await probe(self.client)
        except ScopeMissing:
            return ScopeCheck(need, False, f"{evidence} → 403")
        except BigCommerceError as error:
            raise self._fail(error, store_call=False) from None
        return ScopeCheck(need, True, f"{evidence} → 200")

    async def _write(self, need: ScopeNeed) -> ScopeCheck:
        if self.connection.auth_type is AuthType.OAUTH and self.connection.scopes is not None:
            granted = need.granted_by(self.connection.scopes)
            return ScopeCheck(need, granted, "scopes granted at app install")
        if need.scope not in WRITE_PROBES:
            return ScopeCheck(need, None, "no write exists that proves this scope without changing the store")
        probe = WRITE_PROBES[need.scope]
        try:
            await probe.send(self.client)
        except ScopeMissing:
            return ScopeCheck(need, False, f"{probe.evidence} → 403")
        except BigCommerceError as error:
            if error.status in probe.proves:
                # the scope check passed and the request reached its (absent or empty) target
                return ScopeCheck(need, True, f"{probe.evidence} → {error.status}, nothing changed")
            raise self._fail(error, store_call=False) from None
        return ScopeCheck(need, True, f"{probe.evidence} → accepted, nothing to change")


def no_token_report(connection: Connection, api_url: str) -> TestReport:
    report = TestReport(connection.name, connection.store_hash, api_url, connection.auth_type)
    report.problems.append(
        Problem(
            ProblemKind.NO_TOKEN,
            "the connection has no access token (the bchub app was uninstalled from the store)",
            "Install the bchub app again from the store's control panel (Apps › Marketplace or My apps).",
        )
    )
    return report


async def probe_connection(
    client: BigCommerceClient, connection: Connection, operations: list[Operation]
) -> TestReport:
    return await Prober(client, connection, operations).run()

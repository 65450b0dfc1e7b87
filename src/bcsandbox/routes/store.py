"""``/v2/store`` and ``/v2/time``."""

from __future__ import annotations

from bcsandbox import scopes
from bcsandbox.routes.registry import Call, Reply, RouteTable, v2

table = RouteTable()


@table.route("GET", "/v2/store", scope=scopes.INFORMATION)
def get_store(call: Call) -> Reply:
    return v2(call.store.info.profile())


@table.route("GET", "/v2/time", scope=scopes.INFORMATION)
def get_time(call: Call) -> Reply:
    return v2(call.store.info.time())

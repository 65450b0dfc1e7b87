"""Routes for the orders resource group."""

from __future__ import annotations

from bcsandbox.routes.registry import RouteTable

table = RouteTable()

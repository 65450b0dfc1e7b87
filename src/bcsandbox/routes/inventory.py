"""Routes for the inventory resource group."""

from __future__ import annotations

from bcsandbox.routes.registry import RouteTable

table = RouteTable()

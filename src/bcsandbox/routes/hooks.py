"""Routes for the hooks resource group."""

from __future__ import annotations

from bcsandbox.routes.registry import RouteTable

table = RouteTable()

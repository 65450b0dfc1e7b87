"""Plain-data views of connections and test reports, shared by ``--json`` output and the REST API.

Secrets appear only as their hint (``****abcd``); nothing here ever calls ``reveal()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bchub.domain.connections import ApiQuota, Connection, is_paused
from bchub.domain.scopes import connection_operations
from bchub.sync.connections.probe import TestReport


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _quota_view(quota: ApiQuota | None) -> dict[str, Any] | None:
    if quota is None:
        return None
    return {
        "requests": quota.requests,
        "window_ms": quota.window_ms,
        "per_day": quota.per_day,
        "unlimited": quota.unlimited,
        "text": quota.describe(),
        "seen_at": _iso(quota.seen_at),
    }


def connection_view(connection: Connection) -> dict[str, Any]:
    operations = connection_operations(connection)
    return {
        "id": connection.id,
        "name": connection.name,
        "role": connection.role.value,
        "store_hash": connection.store_hash,
        "store_name": connection.store_name,
        "store_url": connection.store_url,
        "auth_type": connection.auth_type.value,
        "enabled": connection.enabled,
        "paused": is_paused(connection),
        "health": {
            "status": connection.health.status.value,
            "reason": connection.health.reason,
            "checked_at": _iso(connection.health.checked_at),
        },
        "access_token": connection.access_token.hint if connection.access_token is not None else None,
        "client_id": connection.client_id,
        "client_secret": connection.client_secret.hint if connection.client_secret is not None else None,
        "scopes": sorted(connection.scopes) if connection.scopes is not None else None,
        "plan": connection.plan,
        "quota": _quota_view(connection.quota),
        "operations": [operation.key for operation in operations],
        "settings": connection.settings,
        "created_at": _iso(connection.created_at),
        "updated_at": _iso(connection.updated_at),
    }


def report_view(report: TestReport) -> dict[str, Any]:
    return {
        "passed": report.passed,
        "headline": report.headline(),
        "connection": report.connection,
        "store_hash": report.store_hash,
        "store_name": report.store_name,
        "plan": report.plan,
        "api_url": report.api_url,
        "problems": [
            {"kind": problem.kind.value, "message": problem.message, "fix": problem.fix} for problem in report.problems
        ],
        "missing_scopes": [
            {
                "scope": gap.need.name,
                "access": gap.need.access.value,
                "label": gap.need.label,
                "blocks": list(gap.blocks),
            }
            for gap in report.gaps
        ],
        "scope_fix": report.scope_fix,
        "checks": [
            {"scope": check.need.name, "granted": check.granted, "evidence": check.evidence} for check in report.checks
        ],
        "requests_sent": report.requests_sent,
    }

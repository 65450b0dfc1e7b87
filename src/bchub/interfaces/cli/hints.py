"""What to run next when a command fails: the one place that turns a known condition into a command.

The CLI prints the result as ``Try: bchub …`` under the error. An error that carries its own
``next_step`` wins; otherwise the rules below recognise the condition (a record that does not exist,
a paused connection, a store that refused the credentials, a command named in the message).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bchub.app import Hub
from bchub.bigcommerce.errors import AuthFailed, BigCommerceError, ScopeMissing
from bchub.domain.connections import Connection, HealthStatus
from bchub.domain.runs import Run, RunStatus
from bchub.errors import HubError, NotFoundError

ADD_CONNECTION = "bchub connections add NAME --role merchant --credentials-file FILE"
# a command a message already names, e.g. "set them with `bchub orders settings shop --set …`"
_NAMED_COMMAND = re.compile(r"`(bchub [^`]+)`")
# the argument names commands give a connection (see the CLI modules)
_CONNECTION_PARAMS = ("reference", "connection", "vendor", "supplier")


def connection_next_step(connection: Connection) -> str | None:
    """Why jobs skip a connection (disabled, no token, needs attention), as the command that resumes it."""
    if not connection.enabled:
        return f"bchub connections edit {connection.name} --enable"
    if connection.access_token is None:
        return f"bchub connections edit {connection.name} --access-token -"
    if connection.health.status is HealthStatus.NEEDS_ATTENTION:
        return f"bchub connections test {connection.name}"
    return None


def error_next_step(error: Exception, hub: Hub | None, params: Mapping[str, Any]) -> str | None:
    """The command to suggest under ``error``; ``params`` are the failed command's arguments."""
    if isinstance(error, HubError) and error.next_step:
        return error.next_step
    try:
        if isinstance(error, NotFoundError):
            found = _not_found(str(error), hub, params)
            if found:
                return found
        if isinstance(error, AuthFailed | ScopeMissing):
            name = _connection_param(params)
            return f"bchub connections test {name}" if name else "bchub connections list"
    except (HubError, SQLAlchemyError):  # a hint must never hide the error it explains
        return None
    named = _NAMED_COMMAND.search(str(error)) if isinstance(error, HubError | BigCommerceError) else None
    return named.group(1) if named else None


def run_next_step(hub: Hub, run: Run) -> str | None:
    """For a run that did not succeed: resume its paused connection, or the command its error names."""
    if run.status is RunStatus.SUCCEEDED:
        return None
    connection: Connection | None = None
    if run.connection_id is not None:
        try:
            connection = hub.connections.get(run.connection_id)
        except (HubError, SQLAlchemyError):
            connection = None
    paused = connection_next_step(connection) if connection is not None else None
    if paused:
        return paused
    named = _NAMED_COMMAND.search(run.error or "")
    return named.group(1) if named else None


def _connection_param(params: Mapping[str, Any]) -> str | None:
    for key in _CONNECTION_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _not_found(message: str, hub: Hub | None, params: Mapping[str, Any]) -> str | None:
    """Which record was missing, read from the message every repository words the same way."""
    if message.startswith("no connection "):
        if hub is not None and not hub.connections.all():
            return ADD_CONNECTION
        return "bchub connections list"
    if message.startswith(("no job ", "no run ")):
        return "bchub jobs list"
    if message.startswith("no webhook event "):
        return "bchub webhooks events"
    if message.startswith("no user "):
        if hub is not None and not hub.users.all():
            return "bchub users add USERNAME"
        return "bchub users list"
    if message.startswith("no API token "):
        return "bchub tokens list"
    if message.startswith(("no item with master SKU", "no items with master SKU")):
        sku = params.get("sku")
        return f"bchub catalog items --search {sku}" if isinstance(sku, str) else "bchub catalog items"
    return None

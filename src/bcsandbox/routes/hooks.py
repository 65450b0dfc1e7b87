"""``/v3/hooks``: webhook subscriptions of the calling client id, and ``/v3/hooks/admin``."""

from __future__ import annotations

from bcsandbox import scopes
from bcsandbox.backends.hooks import Hook
from bcsandbox.errors import bad_request
from bcsandbox.routes.registry import Call, Reply, RouteTable, no_content, v3, v3_page

table = RouteTable()


def _render(hook: Hook) -> dict[str, object]:
    return hook.as_dict()


def _bool_param(call: Call, name: str) -> bool | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_request(f"The query parameter '{name}' must be true or false, got '{raw}'.")


@table.route("GET", "/v3/hooks", scope=scopes.DEFAULT)
def list_hooks(call: Call) -> Reply:
    hooks = call.store.hooks.for_client(
        call.account.client_id,
        is_active=_bool_param(call, "is_active"),
        scope=call.query.get("scope") or None,
        destination=call.query.get("destination") or None,
    )
    return v3_page(call, hooks, render=_render)


@table.route("POST", "/v3/hooks", scope=scopes.DEFAULT)
def create_hook(call: Call) -> Reply:
    return v3(call.store.hooks.create(call.account.client_id, call.json_object()).as_dict())


@table.route("GET", "/v3/hooks/admin", scope=scopes.DEFAULT)
def get_admin(call: Call) -> Reply:
    return v3(call.store.hooks.admin(call.account.client_id, is_active=_bool_param(call, "is_active")))


@table.route("PUT", "/v3/hooks/admin", scope=scopes.DEFAULT)
def put_admin(call: Call) -> Reply:
    call.store.hooks.set_admin_emails(call.account.client_id, call.json_object())
    return no_content()


@table.route("GET", "/v3/hooks/{webhook_id:int}", scope=scopes.DEFAULT)
def get_hook(call: Call) -> Reply:
    return v3(call.store.hooks.get(call.account.client_id, call.params["webhook_id"]).as_dict())


@table.route("PUT", "/v3/hooks/{webhook_id:int}", scope=scopes.DEFAULT)
def update_hook(call: Call) -> Reply:
    hook = call.store.hooks.update(call.account.client_id, call.params["webhook_id"], call.json_object())
    return v3(hook.as_dict())


@table.route("DELETE", "/v3/hooks/{webhook_id:int}", scope=scopes.DEFAULT)
def delete_hook(call: Call) -> Reply:
    return v3(call.store.hooks.delete(call.account.client_id, call.params["webhook_id"]).as_dict())

"""The control plane, ``/_sandbox/...``: what a test or a demo does to the world around the API.

Reset, create stores and API accounts, seed demo data, place shopper orders, ship orders as a
vendor would, inject faults, move the clock and read the request log. Every operation here is a
thin wrapper over the Python API of ``Sandbox``/``Store`` and their backends, so tests running
in-process call those directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bcsandbox import seed as seeding
from bcsandbox.errors import ApiError
from bcsandbox.faults import FaultRule
from bcsandbox.state import Sandbox, Store

Endpoint = Callable[[Request], Awaitable[Response]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": status, "title": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    def handler(fn: Callable[[Request], Awaitable[Any]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                result = await fn(request)
            except KeyError as exc:
                return _error(404, str(exc.args[0]) if exc.args else "not found")
            except ApiError as exc:
                return JSONResponse(exc.v3_body(), status_code=exc.status)
            except (ValueError, TypeError) as exc:
                return _error(422, str(exc))
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return endpoint

    def store_of(request: Request) -> Store:
        return sandbox.store(request.path_params["store_hash"])

    async def overview(request: Request) -> Any:
        with sandbox.lock:
            return {
                "stores": [store.summary() for store in sandbox.stores.values()],
                "settings": {
                    "window_ms": sandbox.settings.window_ms,
                    "webhook_retry_scale": sandbox.settings.webhook_retry_scale,
                },
            }

    async def reset(request: Request) -> Any:
        sandbox.reset()
        return {"reset": True}

    async def create_store(request: Request) -> Any:
        body = await _body(request)
        allowed = {"store_hash", "name", "plan", "scopes", "access_token", "client_id", "client_secret"}
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        store = sandbox.create_store(**body)
        return JSONResponse(store.summary(), status_code=201)

    async def get_store(request: Request) -> Any:
        with sandbox.lock:
            return store_of(request).summary()

    async def edit_store(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            store = store_of(request)
            if "plan" in body:
                store.set_plan(body["plan"])
            if "name" in body:
                store.name = str(body["name"])
            if "info" in body:
                store.info.update(dict(body["info"]))
            return store.summary()

    async def delete_store(request: Request) -> Any:
        with sandbox.lock:
            store = store_of(request)
            del sandbox.stores[store.hash]
        return Response(status_code=204)

    async def add_account(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            account = store_of(request).add_account(
                body.get("scopes", " ".join(sorted(seeding.FULL_SCOPES))),
                access_token=body.get("access_token"),
                client_id=body.get("client_id"),
                client_secret=body.get("client_secret"),
                name=body.get("name", "bcsandbox"),
            )
        return JSONResponse(
            {
                "access_token": account.access_token,
                "client_id": account.client_id,
                "client_secret": account.client_secret,
                "scopes": sorted(account.scopes),
            },
            status_code=201,
        )

    async def revoke_account(request: Request) -> Any:
        with sandbox.lock:
            if not store_of(request).revoke(request.path_params["token"]):
                raise KeyError("no such access token in this store")
        return Response(status_code=204)

    async def list_faults(request: Request) -> Any:
        with sandbox.lock:
            return [rule.as_dict() for rule in store_of(request).faults.rules]

    async def add_fault(request: Request) -> Any:
        body = await _body(request)
        rule = FaultRule.from_dict(body)
        with sandbox.lock:
            store_of(request).faults.add(rule)
        return JSONResponse(rule.as_dict(), status_code=201)

    async def clear_faults(request: Request) -> Any:
        with sandbox.lock:
            store_of(request).faults.clear()
        return Response(status_code=204)

    async def delete_fault(request: Request) -> Any:
        with sandbox.lock:
            if not store_of(request).faults.remove(int(request.path_params["rule_id"])):
                raise KeyError("no such fault rule")
        return Response(status_code=204)

    async def list_requests(request: Request) -> Any:
        query = request.query_params
        entries = sandbox.requests(query.get("store_hash"), method=query.get("method"), path_prefix=query.get("path"))
        return {"count": len(entries), "requests": [entry.as_dict() for entry in entries]}

    async def clear_requests(request: Request) -> Any:
        sandbox.clear_requests()
        return Response(status_code=204)

    async def advance_clock(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            sandbox.clock.advance(float(body.get("seconds", 0)))
            return {"now": sandbox.clock.now().isoformat()}

    async def settings(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            if "window_ms" in body:
                sandbox.settings.window_ms = int(body["window_ms"])
                for store in sandbox.stores.values():
                    store.set_plan(store.plan)
            if "webhook_retry_scale" in body:
                sandbox.settings.webhook_retry_scale = float(body["webhook_retry_scale"])
            return {
                "window_ms": sandbox.settings.window_ms,
                "webhook_retry_scale": sandbox.settings.webhook_retry_scale,
            }

    async def seed(request: Request) -> Any:
        body = await _body(request)
        preset = body.get("preset", "demo")
        if preset != "demo":
            raise ValueError(f"unknown seed preset {preset!r}; available: demo")
        result = seeding.seed_demo(
            sandbox,
            seed=int(body.get("seed", 0)),
            products=int(body.get("products", seeding.DEMO_PRODUCTS)),
            orders=int(body.get("orders", seeding.DEMO_ORDERS)),
        )
        return JSONResponse(result, status_code=201)

    async def place_order(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            order = store_of(request).orders.place_shopper_order(body)
        return JSONResponse(order, status_code=201)

    async def ship_order(request: Request) -> Any:
        body = await _body(request)
        with sandbox.lock:
            shipment = store_of(request).orders.ship_order(int(request.path_params["order_id"]), body)
        return JSONResponse(shipment, status_code=201)

    prefix = "/_sandbox"
    table: list[tuple[str, Callable[[Request], Awaitable[Any]], list[str]]] = [
        ("", overview, ["GET"]),
        ("/reset", reset, ["POST"]),
        ("/settings", settings, ["GET", "PUT"]),
        ("/seed", seed, ["POST"]),
        ("/clock/advance", advance_clock, ["POST"]),
        ("/requests", list_requests, ["GET"]),
        ("/requests/clear", clear_requests, ["POST"]),
        ("/stores", overview, ["GET"]),
        ("/stores/new", create_store, ["POST"]),
        ("/stores/{store_hash}", get_store, ["GET"]),
        ("/stores/{store_hash}/edit", edit_store, ["POST"]),
        ("/stores/{store_hash}/delete", delete_store, ["POST"]),
        ("/stores/{store_hash}/accounts", add_account, ["POST"]),
        ("/stores/{store_hash}/accounts/{token}/revoke", revoke_account, ["POST"]),
        ("/stores/{store_hash}/faults", list_faults, ["GET"]),
        ("/stores/{store_hash}/faults/new", add_fault, ["POST"]),
        ("/stores/{store_hash}/faults/clear", clear_faults, ["POST"]),
        ("/stores/{store_hash}/faults/{rule_id:int}/delete", delete_fault, ["POST"]),
        ("/stores/{store_hash}/shopper-orders", place_order, ["POST"]),
        ("/stores/{store_hash}/orders/{order_id:int}/ship", ship_order, ["POST"]),
    ]
    return [Route(prefix + path, handler(fn), methods=methods) for path, fn, methods in table]

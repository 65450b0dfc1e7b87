"""``create_api(hub)``: the FastAPI application, with errors mapped to statuses and secrets kept out."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bchub.app import Hub
from bchub.bigcommerce.errors import BigCommerceError
from bchub.errors import (
    AuthorizationError,
    ConfigurationError,
    ConflictError,
    HubError,
    InputError,
    NotFoundError,
    RetryableError,
)
from bchub.interfaces.api import bigcommerce_app, catalog, connections, jobs, listings, orders, tokens, users
from bchub.interfaces.console import install_console
from bchub.interfaces.webhooks import receiver

_STATUS: tuple[tuple[type[HubError], int], ...] = (
    (InputError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthorizationError, 401),
    (ConfigurationError, 500),
    (RetryableError, 503),  # e.g. the store's rate limit: the same call later may work
)


def _status_of(error: HubError) -> int:
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


async def _hub_error(request: Request, error: Exception) -> JSONResponse:
    """``{"detail": message}``, plus ``next_step`` (the command that helps) when the error has one."""
    assert isinstance(error, HubError)
    body: dict[str, Any] = {"detail": error.message}
    if error.next_step:
        body["next_step"] = error.next_step
    headers = None
    if isinstance(error, RetryableError):
        headers = {"Retry-After": str(max(1, math.ceil(error.delay)))}
    return JSONResponse(body, status_code=_status_of(error), headers=headers)


async def _bigcommerce_error(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"BigCommerce: {error}"}, status_code=502)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422, minus the ``input`` (and ``ctx``) it would echo: the input may be a token."""
    assert isinstance(error, RequestValidationError)
    details: list[dict[str, Any]] = [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type", "")}
        for item in error.errors()
    ]
    return JSONResponse({"detail": details}, status_code=422)


def create_api(hub: Hub) -> FastAPI:
    api = FastAPI(title="bchub", version="0.1.0", description="Self-hosted BigCommerce integration hub.")
    api.state.hub = hub
    api.add_exception_handler(HubError, _hub_error)
    api.add_exception_handler(BigCommerceError, _bigcommerce_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.include_router(connections.router)
    api.include_router(bigcommerce_app.router)
    api.include_router(jobs.router)
    api.include_router(catalog.router)
    api.include_router(listings.router)
    api.include_router(orders.router)
    api.include_router(users.router)
    api.include_router(tokens.router)
    api.include_router(receiver.router)
    install_console(api, hub)
    return api


_CALLBACK_SECRETS = re.compile(r"((?:code|signed_payload_jwt|signed_payload)=)[^&\s]+")


class RedactCallbackQuery(logging.Filter):
    """Masks install codes and signed payloads in access-log lines (uvicorn logs the full path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _CALLBACK_SECRETS.sub(r"\1****", value) if isinstance(value, str) else value for value in record.args
            )
        return True


def install_access_log_redaction() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactCallbackQuery())

"""What every resource service shares: the transport, paging settings and parsing helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bchub.bigcommerce.errors import BigCommerceError
from bchub.bigcommerce.pagination import PageSettings
from bchub.bigcommerce.transport import ApiResponse, ApiTransport

M = TypeVar("M", bound=BaseModel)


class Service:
    def __init__(self, api: ApiTransport, pages: PageSettings, write_concurrency: int) -> None:
        self._api = api
        self._pages = pages
        self._write_concurrency = write_concurrency


def parse(model: type[M], data: Any, response: ApiResponse | None = None) -> M:
    """``data`` as ``model``; a body of the wrong shape becomes a ``BigCommerceError`` naming the request."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BigCommerceError(
            f"unexpected {model.__name__} in the response: {exc.error_count()} problem(s), first: {exc.errors()[0]['msg']} at "
            f"{'.'.join(str(part) for part in exc.errors()[0]['loc'])}",
            status=response.status if response else None,
            method=response.method if response else None,
            path=response.path if response else None,
        ) from None


def parse_list(model: type[M], data: Any, response: ApiResponse) -> list[M]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise BigCommerceError(
            f"expected a list of {model.__name__}", status=response.status, method=response.method, path=response.path
        )
    return [parse(model, item, response) for item in data]


async def parse_each(model: type[M], items: AsyncIterator[dict[str, Any]]) -> AsyncIterator[M]:
    async for item in items:
        yield parse(model, item)


def joined(values: Iterable[object] | None) -> str | None:
    """``a,b,c`` for a ``:in`` filter or an ``include``; ``None`` when there is nothing to send."""
    if values is None:
        return None
    text = ",".join(str(value) for value in values)
    return text or None

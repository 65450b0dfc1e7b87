"""``/v2/store`` and ``/v2/time``."""

from __future__ import annotations

from datetime import datetime

from bchub.bigcommerce.dates import parse_datetime
from bchub.bigcommerce.errors import BigCommerceError
from bchub.bigcommerce.models.store import StoreInfo
from bchub.bigcommerce.resources.base import Service, parse


class StoreService(Service):
    async def info(self) -> StoreInfo:
        response = await self._api.request("GET", "/v2/store")
        return parse(StoreInfo, response.json(), response)

    async def time(self) -> datetime:
        """The store's clock (cheap; also a good credentials check)."""
        response = await self._api.request("GET", "/v2/time")
        body = response.json()
        moment = parse_datetime(body.get("time")) if isinstance(body, dict) else None
        if moment is None:
            raise BigCommerceError(
                "expected {time: <unix seconds>}", status=response.status, method="GET", path="/v2/time"
            )
        return moment

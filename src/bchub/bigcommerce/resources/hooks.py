"""Webhook subscriptions (``/v3/hooks``); only the calling API account's hooks are visible."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from bchub.bigcommerce.models.base import InputModel, as_payload
from bchub.bigcommerce.models.hooks import Hook, HookInput
from bchub.bigcommerce.pagination import iterate_v3
from bchub.bigcommerce.resources.base import Service, parse, parse_each
from bchub.bigcommerce.transport import Params


class HooksService(Service):
    def list(
        self,
        *,
        scope: str | None = None,
        destination: str | None = None,
        is_active: bool | None = None,
        filters: Params | None = None,
    ) -> AsyncIterator[Hook]:
        params: dict[str, Any] = {"scope": scope, "destination": destination, "is_active": is_active, **(filters or {})}
        return parse_each(Hook, iterate_v3(self._api, "/v3/hooks", params, self._pages))

    async def get(self, hook_id: int) -> Hook:
        response = await self._api.request("GET", f"/v3/hooks/{hook_id}")
        return parse(Hook, response.data(), response)

    async def find(self, scope: str, destination: str) -> Hook | None:
        """The hook for this scope and destination (the API allows one), to check before creating it."""
        async for hook in self.list(scope=scope):
            if hook.destination == destination:
                return hook
        return None

    async def create(self, hook: HookInput | Mapping[str, Any]) -> Hook:
        """Subscribe (``scope`` and ``destination`` required). Not retried blindly: ``find`` first after a lost response."""
        response = await self._api.request("POST", "/v3/hooks", json=as_payload(hook))
        return parse(Hook, response.data(), response)

    async def update(self, hook_id: int, changes: InputModel | Mapping[str, Any]) -> Hook:
        response = await self._api.request("PUT", f"/v3/hooks/{hook_id}", json=as_payload(changes))
        return parse(Hook, response.data(), response)

    async def delete(self, hook_id: int) -> Hook:
        """Unsubscribe; the API answers with the deleted hook."""
        response = await self._api.request("DELETE", f"/v3/hooks/{hook_id}")
        return parse(Hook, response.data(), response)

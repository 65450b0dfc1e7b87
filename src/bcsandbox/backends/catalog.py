"""Catalog state and rules: products, variants, options, custom fields, brands, categories."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcsandbox.state import Store


class CatalogBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

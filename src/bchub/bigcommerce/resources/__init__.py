"""One service per resource group; ``BigCommerceClient`` exposes one instance of each."""

from bchub.bigcommerce.resources.catalog import CatalogService
from bchub.bigcommerce.resources.hooks import HooksService
from bchub.bigcommerce.resources.inventory import InventoryService
from bchub.bigcommerce.resources.orders import OrdersService
from bchub.bigcommerce.resources.store import StoreService

__all__ = ["CatalogService", "HooksService", "InventoryService", "OrdersService", "StoreService"]

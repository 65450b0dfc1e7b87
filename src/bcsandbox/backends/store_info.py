"""``/v2/store`` and ``/v2/time``: the store's profile as the store-information spec shapes it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bcsandbox.state import Store

PLAN_NAMES = {"standard": "Standard", "plus": "Plus", "pro": "Pro", "enterprise": "Enterprise"}


class StoreInfoBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.account_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcsandbox/{store.hash}"))
        self.overrides: dict[str, Any] = {}

    def update(self, fields: dict[str, Any]) -> None:
        """Control-plane edit of the profile (address, email, currency ...)."""
        self.overrides.update(fields)

    def profile(self) -> dict[str, Any]:
        store = self.store
        domain = f"{store.hash}.sandbox.mybigcommerce.com"
        plan = PLAN_NAMES[store.plan]
        info: dict[str, Any] = {
            "id": store.hash,
            "account_uuid": self.account_uuid,
            "domain": domain,
            "secure_url": f"https://{domain}",
            "control_panel_base_url": f"https://store-{store.hash}.mybigcommerce.com",
            "status": "live",
            "name": store.name,
            "first_name": "Sandbox",
            "last_name": "Owner",
            "address": "1 Emulator Way\nAustin, Texas 78701\nUnited States",
            "country": "United States",
            "country_code": "US",
            "infrastructure_region": "us-central1",
            "phone": "555-0100",
            "admin_email": f"owner@{domain}",
            "order_email": f"orders@{domain}",
            "favicon_url": "",
            "timezone": {
                "name": "Etc/UTC",
                "raw_offset": 0,
                "dst_offset": 0,
                "dst_correction": False,
                "date_format": {
                    "display": "M jS Y",
                    "export": "M jS Y",
                    "extended_display": "M jS Y @ g:i A",
                },
            },
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "Ounces",
            "dimension_units": "Inches",
            "dimension_decimal_places": 2,
            "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
            "plan_name": plan,
            "plan_level": plan,
            "plan_is_trial": False,
            "industry": "Retail",
            "logo": [],
            "is_price_entered_with_tax": False,
            "store_id": store.store_id,
            "default_channel_id": 1,
            "default_site_id": 1000,
            "active_comparison_modules": [],
            "features": {
                "stencil_enabled": True,
                "sitewidehttps_enabled": True,
                "facebook_catalog_id": "",
                "checkout_type": "optimized",
                "wishlists_enabled": False,
                "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": False,
                "multi_storefront_enabled": True,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
        }
        info.update(self.overrides)
        return info

    def time(self) -> dict[str, int]:
        return {"time": self.store.sandbox.clock.timestamp()}

"""bchub.bigcommerce: an async BigCommerce REST client, usable on its own.

Imports nothing else from ``bchub``. See ``BigCommerceClient`` for the entry point,
``credentials`` for reading the forms people hold credentials in, and ``errors`` for what it
raises.
"""

from bchub.bigcommerce.client import DEFAULT_BASE_URL, BigCommerceClient
from bchub.bigcommerce.credentials import (
    CredentialsError,
    CredentialsFile,
    mask,
    parse_api_path,
    parse_credentials_file,
    parse_key,
    parse_store_hash,
    parse_store_url,
)
from bchub.bigcommerce.errors import (
    AuthFailed,
    BadRequest,
    BigCommerceError,
    Conflict,
    NotFound,
    PaginationError,
    PayloadTooLarge,
    RateLimited,
    ScopeMissing,
    ServerError,
    TransportError,
    Unprocessable,
    WriteOutcomeUnknown,
)
from bchub.bigcommerce.pagination import PageSettings
from bchub.bigcommerce.ratelimit import InMemoryLimiterBackend, LimiterBackend, LimiterSettings
from bchub.bigcommerce.retry import RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "AuthFailed",
    "BadRequest",
    "BigCommerceClient",
    "BigCommerceError",
    "Conflict",
    "CredentialsError",
    "CredentialsFile",
    "InMemoryLimiterBackend",
    "LimiterBackend",
    "LimiterSettings",
    "NotFound",
    "PageSettings",
    "PaginationError",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "ScopeMissing",
    "ServerError",
    "TransportError",
    "Unprocessable",
    "WriteOutcomeUnknown",
    "mask",
    "parse_api_path",
    "parse_credentials_file",
    "parse_key",
    "parse_store_hash",
    "parse_store_url",
]

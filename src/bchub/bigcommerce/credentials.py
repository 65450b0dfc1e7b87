"""Read the forms in which people hold their BigCommerce credentials.

- the API path ``https://api.bigcommerce.com/stores/{store_hash}/v3/``;
- a store or control-panel URL ``https://store-{store_hash}.mybigcommerce.com/...``;
- the ``.txt`` file the control panel downloads (``ACCESS TOKEN: …``, ``API PATH: …`` lines);
- a ``ClientID:AccessToken`` key;
- a bare store hash.

Every malformed input raises ``CredentialsError`` saying what was expected and what was given,
with anything that may be a secret masked to its last four characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

API_PATH_EXAMPLE = "https://api.bigcommerce.com/stores/{store_hash}/v3/"
STORE_URL_EXAMPLE = "https://store-{store_hash}.mybigcommerce.com"
KEY_EXAMPLE = "ClientID:AccessToken"

_HASH = re.compile(r"^[a-z0-9]{3,20}$")
_SECRET = re.compile(r"^[A-Za-z0-9_\-.]{8,256}$")
_STORE_HOST = re.compile(r"^store-([a-z0-9]+)\.mybigcommerce\.com$")
_API_HOST = "api.bigcommerce.com"
_API_PATH = re.compile(r"^/stores/([^/]+)(?:/(?:v2|v3)(?:/.*)?)?/?$", re.IGNORECASE)
_LOOKS_SECRET = re.compile(r"^[A-Za-z0-9]{21,}$")
_SHOWN = 80

FILE_LABELS = {
    "ACCESS TOKEN": "access_token",
    "CLIENT NAME": "client_name",
    "CLIENT ID": "client_id",
    "CLIENT SECRET": "client_secret",
    "NAME": "name",
    "API PATH": "api_path",
}
_SECRET_FIELDS = frozenset({"access_token", "client_id", "client_secret"})


class CredentialsError(ValueError):
    """A credential in an unexpected form; the message says what was expected and what was given."""


def mask(secret: str) -> str:
    """``****abcd``: enough to tell two tokens apart, never enough to use one."""
    secret = secret.strip()
    if len(secret) <= 4:
        return "****"
    return "****" + secret[-4:]


def _shown(text: str) -> str:
    """The input as quoted in an error message: trimmed, shortened, and masked if it may be a secret."""
    value = text.strip()
    if _LOOKS_SECRET.match(value):
        return f"a {len(value)}-character value {mask(value)} (masked: it looks like a token or client ID)"
    if len(value) > _SHOWN:
        value = value[: _SHOWN - 1] + "…"
    return repr(value)


def _check_hash(candidate: str, given: str, expected: str) -> str:
    store_hash = candidate.strip().lower()
    if not _HASH.match(store_hash):
        raise CredentialsError(
            f"expected {expected}, where the store hash is 3–20 letters and digits (e.g. 'g5cd38'); got {_shown(given)}"
        )
    return store_hash


def _split_url(text: str) -> tuple[str, str]:
    """``(host, path)`` of a URL, with or without a scheme."""
    value = text.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", ""
    return host, parts.path


def parse_api_path(text: str) -> str:
    """The store hash in an API path such as ``https://api.bigcommerce.com/stores/abc123/v3/``."""
    expected = f"an API path like {API_PATH_EXAMPLE}"
    host, path = _split_url(text)
    found = _API_PATH.match(path) if host == _API_HOST else None
    if found is None:
        raise CredentialsError(f"expected {expected}; got {_shown(text)}")
    return _check_hash(found.group(1), text, expected)


def parse_store_url(text: str) -> str:
    """The store hash in a store or control-panel URL, e.g. ``https://store-abc123.mybigcommerce.com/manage``."""
    expected = f"a store URL like {STORE_URL_EXAMPLE} (any path)"
    host, _ = _split_url(text)
    found = _STORE_HOST.match(host)
    if found is None:
        raise CredentialsError(f"expected {expected}; got {_shown(text)}")
    return _check_hash(found.group(1), text, expected)


def parse_store_hash(text: str) -> str:
    """The store hash from a bare hash, an API path, or a store URL."""
    value = text.strip()
    if not value:
        raise CredentialsError(
            f"expected a store hash, an API path like {API_PATH_EXAMPLE} or a store URL like {STORE_URL_EXAMPLE}; got an empty value"
        )
    host, _ = _split_url(value)
    if host == _API_HOST:
        return parse_api_path(value)
    if host.endswith(".mybigcommerce.com"):
        return parse_store_url(value)
    if any(mark in value for mark in "/:."):
        raise CredentialsError(
            f"expected a store hash, an API path like {API_PATH_EXAMPLE} or a store URL like {STORE_URL_EXAMPLE}; got {_shown(value)}"
        )
    return _check_hash(value, value, "a store hash")


def _check_secret(value: str, what: str) -> str:
    secret = value.strip()
    if not _SECRET.match(secret):
        reason = "it is empty" if not secret else f"{mask(secret)} ({len(secret)} characters) has spaces or symbols"
        if secret and len(secret) < 8:
            reason = f"{mask(secret)} is only {len(secret)} characters"
        raise CredentialsError(f"expected {what} of 8 or more letters and digits; {reason}")
    return secret


def parse_key(text: str) -> tuple[str, str]:
    """``(client_id, access_token)`` from a ``ClientID:AccessToken`` key."""
    value = text.strip()
    if value.count(":") != 1:
        pieces = value.count(":") + 1 if value else 0
        raise CredentialsError(
            f"expected a key '{KEY_EXAMPLE}' (two values joined by one colon); got {pieces} part(s), "
            f"{len(value)} characters ending in {mask(value)}"
        )
    client_id, access_token = value.split(":")
    return _check_secret(client_id, "a client ID"), _check_secret(access_token, "an access token")


@dataclass(frozen=True)
class CredentialsFile:
    """The contents of the credentials ``.txt`` file BigCommerce downloads."""

    access_token: str
    api_path: str
    store_hash: str
    client_id: str | None = None
    client_secret: str | None = None
    client_name: str | None = None
    name: str | None = None

    def __repr__(self) -> str:
        return (
            f"CredentialsFile(store_hash={self.store_hash!r}, access_token={mask(self.access_token)!r}, "
            f"client_id={self.client_id!r}, client_name={self.client_name!r}, name={self.name!r})"
        )


def _label(raw: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", raw.strip().upper()))


def _file_lines(text: str) -> dict[str, str]:
    """``{field: value}`` from ``LABEL: value`` lines; unknown lines are skipped, conflicting ones refused."""
    fields: dict[str, str] = {}
    for line in text.lstrip("\ufeff").splitlines():
        label, colon, value = line.partition(":")
        field = FILE_LABELS.get(_label(label)) if colon else None
        if field is None:
            continue
        value = value.strip()
        previous = fields.get(field)
        if previous is not None and previous != value:
            shown = (mask(previous), mask(value)) if field in _SECRET_FIELDS else (repr(previous), repr(value))
            raise CredentialsError(
                f"the credentials file gives {_label(label)} twice with different values: {shown[0]} and {shown[1]}"
            )
        fields[field] = value
    return fields


def parse_credentials_file(text: str) -> CredentialsFile:
    """Read the downloaded credentials file; ``ACCESS TOKEN`` and ``API PATH`` are required."""
    fields = _file_lines(text)
    missing = [
        label for label, field in FILE_LABELS.items() if field in ("access_token", "api_path") and not fields.get(field)
    ]
    if missing:
        found = ", ".join(label for label, field in FILE_LABELS.items() if field in fields) or "none"
        raise CredentialsError(
            "expected the credentials file BigCommerce downloads, with lines like 'ACCESS TOKEN: …' and "
            f"'API PATH: {API_PATH_EXAMPLE}'; missing {' and '.join(missing)} (labels found: {found})"
        )
    access_token = _check_secret(fields["access_token"], "an ACCESS TOKEN")
    client_id = _check_secret(fields["client_id"], "a CLIENT ID") if fields.get("client_id") else None
    client_secret = _check_secret(fields["client_secret"], "a CLIENT SECRET") if fields.get("client_secret") else None
    try:
        store_hash = parse_api_path(fields["api_path"])
    except CredentialsError as exc:
        raise CredentialsError(f"the credentials file's API PATH is malformed: {exc}") from None
    return CredentialsFile(
        access_token=access_token,
        api_path=fields["api_path"],
        store_hash=store_hash,
        client_id=client_id,
        client_secret=client_secret,
        client_name=fields.get("client_name") or None,
        name=fields.get("name") or None,
    )

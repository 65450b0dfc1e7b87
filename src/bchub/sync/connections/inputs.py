"""Credentials in every form people hold them, reduced to one store hash, token, client id and secret.

A user may give several forms at once (say the credentials file and the store hash). Each value
is collected with the input it came from; two inputs that disagree are an error naming both
values (secrets masked), never a silent pick.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bchub.bigcommerce.credentials import (
    API_PATH_EXAMPLE,
    STORE_URL_EXAMPLE,
    CredentialsError,
    parse_api_path,
    parse_credentials_file,
    parse_key,
    parse_store_hash,
    parse_store_url,
)
from bchub.domain.secrets import mask
from bchub.errors import InputError

WHERE_TO_FIND_THE_HASH = (
    f"The store hash is the part after /stores/ in the API path ({API_PATH_EXAMPLE}), shown when the API account "
    f"is created and written in its credentials file, or the part after 'store-' in the control-panel address "
    f"({STORE_URL_EXAMPLE}/manage)."
)
_SECRET = re.compile(r"^[A-Za-z0-9_\-.]{8,256}$")


@dataclass(frozen=True)
class CredentialInput:
    """What a user typed or uploaded; every field optional, any combination allowed."""

    store_hash: str | None = None  # a bare hash (an API path or store URL is accepted too)
    api_path: str | None = None
    store_url: str | None = None  # storefront or control-panel URL
    credentials_file: str | None = None  # the text of the .txt file BigCommerce downloads
    credentials_file_name: str | None = None  # how to name the file in messages
    key: str | None = None  # ClientID:AccessToken
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def is_empty(self) -> bool:
        return not any(
            value
            for value in (
                self.store_hash,
                self.api_path,
                self.store_url,
                self.credentials_file,
                self.key,
                self.access_token,
                self.client_id,
                self.client_secret,
            )
        )

    def __repr__(self) -> str:
        return "CredentialInput(…)"  # it holds secrets


@dataclass(frozen=True)
class ResolvedCredentials:
    store_hash: str | None = None
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    store_url: str | None = None
    suggested_name: str | None = None  # NAME or CLIENT NAME from the credentials file

    def __repr__(self) -> str:
        return f"ResolvedCredentials(store_hash={self.store_hash!r}, access_token={mask(self.access_token or '')!r})"


@dataclass
class _Candidates:
    """One credential's values and where each came from."""

    what: str
    secret: bool = False
    found: list[tuple[str, str]] = field(default_factory=list)

    def add(self, source: str, value: str | None) -> None:
        if value:
            self.found.append((source, value))

    def _shown(self, value: str) -> str:
        return mask(value) if self.secret else repr(value)

    def value(self) -> str | None:
        if not self.found:
            return None
        first_source, first = self.found[0]
        for source, other in self.found[1:]:
            if other != first:
                raise InputError(
                    f"conflicting {self.what}: {first_source} gives {self._shown(first)} but {source} gives "
                    f"{self._shown(other)}; give one of them, or make them agree"
                )
        return first


def _check_secret(value: str, what: str) -> str:
    secret = value.strip()
    if not _SECRET.match(secret):
        if not secret:
            reason = "it is empty"
        elif len(secret) < 8:
            reason = f"{mask(secret)} is only {len(secret)} characters"
        else:
            reason = f"{mask(secret)} ({len(secret)} characters) contains spaces or symbols"
        raise InputError(f"expected {what} of 8 or more letters and digits; {reason}")
    return secret


def _normalise_store_url(text: str) -> str:
    """``https://host`` of a storefront or control-panel URL (the path, e.g. /manage, is dropped)."""
    value = text.strip()
    parts = urlsplit(value if "://" in value else "https://" + value)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or "." not in host or " " in value:
        raise InputError(f"expected a store URL like {STORE_URL_EXAMPLE} or https://www.example.com; got {value!r}")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _store_url_hash(url: str) -> str | None:
    """The hash in ``store-{hash}.mybigcommerce.com``; other hosts (custom domains) carry none."""
    try:
        return parse_store_url(url)
    except CredentialsError:
        return None


def _hash_from(what: str, parse: Callable[[str], str], text: str) -> str:
    try:
        return parse(text)
    except CredentialsError as exc:
        raise InputError(f"{what}: {exc}") from None


def _key_parts(text: str) -> tuple[str, str]:
    try:
        return parse_key(text)
    except CredentialsError as exc:
        raise InputError(f"the key: {exc}") from None


def _as_bigcommerce_api_path(text: str, api_url: str | None) -> str:
    """An API path at the configured API URL (e.g. a local bcsandbox), rewritten to BigCommerce's host."""
    value = text.strip()
    if api_url and value.lower().startswith(api_url.lower().rstrip("/") + "/stores/"):
        return "https://api.bigcommerce.com" + value[len(api_url.rstrip("/")) :]
    return value


def resolve_credentials(given: CredentialInput, api_url: str | None = None) -> ResolvedCredentials:
    """Reduce every form given to single values; conflicts and malformed inputs raise ``InputError``.

    ``api_url`` is the API the hub talks to; an API path on it (not only on api.bigcommerce.com)
    is accepted, so a bcsandbox's printed API path works as well.
    """
    store_hash = _Candidates("store hashes")
    token = _Candidates("access tokens", secret=True)
    client_id = _Candidates("client IDs", secret=True)
    client_secret = _Candidates("client secrets", secret=True)
    store_url: str | None = None
    suggested_name: str | None = None

    if given.store_hash:
        store_hash.add("the store hash", _hash_from("the store hash", parse_store_hash, given.store_hash))
    if given.api_path:
        store_hash.add(
            f"the API path ({given.api_path.strip()})",
            _hash_from("the API path", parse_api_path, _as_bigcommerce_api_path(given.api_path, api_url)),
        )
    if given.store_url:
        store_url = _normalise_store_url(given.store_url)
        store_hash.add(f"the store URL ({store_url})", _store_url_hash(store_url))
    if given.credentials_file is not None:
        label = (
            f"the credentials file {given.credentials_file_name}"
            if given.credentials_file_name
            else "the credentials file"
        )
        try:
            parsed = parse_credentials_file(given.credentials_file)
        except CredentialsError as exc:
            raise InputError(f"{label}: {exc}") from None
        store_hash.add(f"{label} (API PATH {parsed.api_path})", parsed.store_hash)
        token.add(label, parsed.access_token)
        client_id.add(label, parsed.client_id)
        client_secret.add(label, parsed.client_secret)
        suggested_name = parsed.name or parsed.client_name
    if given.key:
        key_client_id, key_token = _key_parts(given.key)
        client_id.add("the ClientID:AccessToken key", key_client_id)
        token.add("the ClientID:AccessToken key", key_token)
    if given.access_token:
        token.add("the access token", _check_secret(given.access_token, "an access token"))
    if given.client_id:
        client_id.add("the client ID", _check_secret(given.client_id, "a client ID"))
    if given.client_secret:
        client_secret.add("the client secret", _check_secret(given.client_secret, "a client secret"))

    return ResolvedCredentials(
        store_hash=store_hash.value(),
        access_token=token.value(),
        client_id=client_id.value(),
        client_secret=client_secret.value(),
        store_url=store_url,
        suggested_name=suggested_name,
    )


def require_store_hash(resolved: ResolvedCredentials) -> str:
    if resolved.store_hash:
        return resolved.store_hash
    if resolved.store_url:
        raise InputError(
            f"the store URL {resolved.store_url} does not contain the store hash (custom domains and "
            f"yourstore.mybigcommerce.com names do not); give the API path or the hash as well. {WHERE_TO_FIND_THE_HASH}"
        )
    raise InputError(f"no store hash given. {WHERE_TO_FIND_THE_HASH}")


def require_access_token(resolved: ResolvedCredentials) -> str:
    if resolved.access_token:
        return resolved.access_token
    raise InputError(
        "no access token given: pass the access token, the ClientID:AccessToken key, or the credentials file "
        "BigCommerce downloaded when the API account was created (Settings › Store-level API accounts)"
    )

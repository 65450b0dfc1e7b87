"""BigCommerce single-click app OAuth: the code-for-token exchange and ``signed_payload_jwt`` checks.

- ``exchange_code`` posts the ``/auth`` callback's ``code`` to ``{login_url}/oauth2/token`` as JSON
  (DIGEST §10) and returns the store's token and the scopes the merchant granted.
- ``verify_signed_payload_jwt`` checks a ``/load``, ``/uninstall`` or ``/remove_user`` payload: an
  HS256/HS512 signature with the app's client secret, ``aud`` equal to the client id, and the
  ``exp``/``nbf`` window (a little leeway for clock skew), as the official Python client does;
  and, unlike that client, ``iss`` must be ``"bc"`` as the callbacks documentation states (a payload
  signed with our secret by anyone else is refused). ``sub`` must name a store.

Nothing here logs or raises with a token, a code or the client secret in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from bchub.bigcommerce.credentials import mask
from bchub.bigcommerce.errors import BigCommerceError

DEFAULT_LOGIN_URL = "https://login.bigcommerce.com"
ALGORITHMS = ["HS256", "HS512"]
LEEWAY_S = 60
ISSUER = "bc"  # the issuer every BigCommerce signed payload names (DIGEST §10)
_CONTEXT = re.compile(r"^stores/([a-z0-9]+)$")


class OAuthError(BigCommerceError):
    """The app-install flow failed: the token exchange was refused or its answer was unusable."""


class InvalidSignedPayload(OAuthError):
    """A ``signed_payload_jwt`` that is forged, expired, for another app, or malformed."""


def store_hash_from_context(context: str) -> str:
    """``abc123`` from ``stores/abc123`` (the ``context`` of an install, the ``sub`` of a payload)."""
    found = _CONTEXT.match(context.strip())
    if found is None:
        raise OAuthError(f"expected a context like 'stores/abc123'; got {context[:80]!r}")
    return found.group(1)


@dataclass(frozen=True)
class TokenGrant:
    """What the token exchange returns; ``repr`` masks the token."""

    access_token: str
    scopes: frozenset[str]
    store_hash: str
    context: str
    account_uuid: str | None
    user_email: str | None
    owner_email: str | None

    def __repr__(self) -> str:
        return f"TokenGrant(store_hash={self.store_hash!r}, access_token={mask(self.access_token)!r}, scopes={sorted(self.scopes)!r})"


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, Mapping):
        parts = [str(body[key]) for key in ("error", "error_description", "title", "message") if body.get(key)]
        if parts:
            return ": ".join(parts)
    return str(body)[:200]


def _person(value: Any) -> str | None:
    return str(value["email"]) if isinstance(value, Mapping) and value.get("email") else None


def _grant(body: Any, context: str) -> TokenGrant:
    if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise OAuthError("the token exchange answered without an access_token")
    answered = str(body.get("context") or context)
    if answered != context:
        raise OAuthError(f"the token exchange answered for {answered!r}, not the installing store {context!r}")
    return TokenGrant(
        access_token=body["access_token"],
        scopes=frozenset(str(body.get("scope") or "").split()),
        store_hash=store_hash_from_context(answered),
        context=answered,
        account_uuid=str(body["account_uuid"]) if body.get("account_uuid") else None,
        user_email=_person(body.get("user")),
        owner_email=_person(body.get("owner")),
    )


async def exchange_code(
    *,
    code: str,
    scope: str,
    context: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    login_url: str = DEFAULT_LOGIN_URL,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
) -> TokenGrant:
    """Trade an install's ``code`` for the store's access token (``POST {login_url}/oauth2/token``)."""
    store_hash_from_context(context)
    url = login_url.rstrip("/") + "/oauth2/token"
    payload = {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "context": context,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
    }
    try:
        async with httpx.AsyncClient(transport=transport, timeout=timeout) as http:
            response = await http.post(url, json=payload, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise OAuthError(
            f"could not reach the login service at {url}: {type(exc).__name__}", method="POST", path=url
        ) from None
    if response.status_code >= 400:
        raise OAuthError(
            f"the token exchange was refused ({response.status_code}): {_error_text(response)}",
            status=response.status_code,
            method="POST",
            path=url,
        )
    try:
        body = response.json()
    except ValueError:
        raise OAuthError(
            "the token exchange answered with something other than JSON", status=response.status_code
        ) from None
    return _grant(body, context)


@dataclass(frozen=True)
class SignedPayload:
    """The verified claims of a ``signed_payload_jwt``."""

    store_hash: str
    user_id: int | None
    user_email: str | None
    owner_email: str | None
    url: str
    channel_id: int | None
    claims: dict[str, Any]


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def verify_signed_payload_jwt(
    token: str, *, client_id: str, client_secret: str, leeway: float = LEEWAY_S
) -> SignedPayload:
    """The payload's claims once signature, audience and expiry check out; else ``InvalidSignedPayload``."""
    if not token or not token.strip():
        raise InvalidSignedPayload("the request carries no signed_payload_jwt")
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            client_secret,
            algorithms=ALGORITHMS,
            audience=client_id,
            leeway=leeway,
            issuer=ISSUER,
            options={"require": ["aud", "exp", "iat", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidSignedPayload(
            "the signed payload has expired; open the app again from the control panel"
        ) from None
    except jwt.ImmatureSignatureError:
        raise InvalidSignedPayload(
            "the signed payload is not valid yet (nbf/iat in the future); check the server clock"
        ) from None
    except jwt.InvalidAudienceError:
        raise InvalidSignedPayload(
            "the signed payload is for another app (its audience is not this app's client id)"
        ) from None
    except jwt.InvalidIssuerError:
        raise InvalidSignedPayload(
            f"the signed payload was not issued by BigCommerce (its iss is not {ISSUER!r})"
        ) from None
    except jwt.InvalidSignatureError:
        raise InvalidSignedPayload("the signed payload's signature does not match this app's client secret") from None
    except jwt.InvalidAlgorithmError:
        raise InvalidSignedPayload(
            f"the signed payload uses an algorithm other than {' or '.join(ALGORITHMS)}"
        ) from None
    except jwt.PyJWTError as exc:
        raise InvalidSignedPayload(f"the signed payload is malformed: {exc}") from None
    try:
        store_hash = store_hash_from_context(str(claims["sub"]))
    except OAuthError:
        raise InvalidSignedPayload("the signed payload's subject is not a store ('stores/<hash>')") from None
    raw_user = claims.get("user")
    user: Mapping[str, Any] = raw_user if isinstance(raw_user, Mapping) else {}
    return SignedPayload(
        store_hash=store_hash,
        user_id=_int_or_none(user.get("id")),
        user_email=_person(user),
        owner_email=_person(claims.get("owner")),
        url=str(claims.get("url") or "/"),
        channel_id=_int_or_none(claims.get("channel_id")),
        claims=claims,
    )

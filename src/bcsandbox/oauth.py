"""OAuth app-install emulation: the login service's token exchange and the single-click app flow.

Follows ``docs/integrations/apps/guide/auth.mdx`` and ``callbacks.mdx`` (DIGEST §10):

1. ``install`` issues a one-time ``code`` and calls the app's auth callback
   ``GET {auth}?code=…&scope=…&context=stores/{hash}&account_uuid=…`` the way the merchant's
   browser would, returning what the app answered;
2. the app exchanges the code at ``POST /oauth2/token`` (JSON or form-urlencoded) and gets a
   store API account: ``{access_token, scope, user, owner, context, account_uuid}``;
3. ``load``/``uninstall``/``remove_user`` call the app's other callbacks with an HS256
   ``signed_payload_jwt`` signed with the client secret; uninstall also deletes the app's tokens
   and webhooks in that store.

The app registry lives in an ``OAuthService`` per sandbox, found with ``service_for(sandbox)``
through a weak-keyed map: ``Sandbox`` (in state.py) stays unaware of OAuth, the HTTP routes and
test code share one registry without passing it around, and the registry goes away with its
sandbox. It is not part of ``Sandbox.save`` (apps are registered again at start-up); the API
accounts the flow creates are ordinary store accounts, so they are saved.

Token-endpoint errors use RFC 6749's ``{"error", "error_description"}`` body (the BigCommerce
format is UNCONFIRMED): 401 ``invalid_client`` for unknown client or wrong secret, 400 otherwise.
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
import weakref
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bcsandbox import scopes as scope_names
from bcsandbox.state import Sandbox, Store
from bcsandbox.webhooks import AnyTransport, Outbound

CODE_TTL_S = 600  # how long an unused code stays valid (BigCommerce's value is not documented)
JWT_TTL_S = 86_400  # exp = nbf + 24 h (callbacks.mdx)
CALLBACK_TIMEOUT_S = 10.0
TOKEN_FIELDS = ("client_id", "client_secret", "code", "context", "grant_type", "redirect_uri")


class OAuthError(Exception):
    """Misuse of the install flow from Python or the control plane (unknown app, not installed …)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TokenError(Exception):
    """A rejected token request, rendered as RFC 6749 ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class User:
    """A control-panel user as the token response and the JWT claims show it."""

    id: int
    email: str
    locale: str = "en-US"

    @classmethod
    def from_email(cls, email: str) -> User:
        # a stable id per address, so repeated installs and loads name the same user
        return cls(id=1_000_000 + zlib.crc32(email.lower().encode()) % 9_000_000, email=email)

    def token_view(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.email, "email": self.email}


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    auth_callback_url: str
    load_callback_url: str
    uninstall_callback_url: str | None
    remove_user_callback_url: str | None
    scopes: tuple[str, ...]
    name: str
    account_uuid: str  # the Developer Portal account that registered the app

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def summary(self) -> dict[str, Any]:
        """Everything but the secret."""
        return {
            "client_id": self.client_id,
            "name": self.name,
            "auth_callback_url": self.auth_callback_url,
            "load_callback_url": self.load_callback_url,
            "uninstall_callback_url": self.uninstall_callback_url,
            "remove_user_callback_url": self.remove_user_callback_url,
            "scope": self.scope,
            "account_uuid": self.account_uuid,
        }


@dataclass
class Grant:
    """An issued authorization code and what it may be exchanged for."""

    code: str
    client_id: str
    store_hash: str
    scope: str
    user: User
    owner: User
    expires_at: float
    used: bool = False

    @property
    def context(self) -> str:
        return f"stores/{self.store_hash}"


@dataclass(frozen=True)
class UninstallResult:
    callback_status: int | None  # None when the app has no uninstall callback or it failed
    callback_error: str | None
    removed_tokens: int
    removed_hooks: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "callback_status": self.callback_status,
            "callback_error": self.callback_error,
            "removed_tokens": self.removed_tokens,
            "removed_hooks": self.removed_hooks,
        }


def signed_payload_jwt(
    client_id: str,
    client_secret: str,
    store_hash: str,
    user: Mapping[str, Any],
    owner: Mapping[str, Any],
    url: str = "/",
    channel_id: int | None = None,
    expires_in: int = JWT_TTL_S,
    issued_at: int | None = None,
) -> str:
    """An HS256 ``signed_payload_jwt`` with the claims callbacks.mdx documents."""
    now = int(time.time()) if issued_at is None else issued_at
    claims = {
        "aud": client_id,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + expires_in,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store_hash}",
        "user": dict(user),
        "owner": dict(owner),
        "url": url,
        "channel_id": channel_id,
    }
    return jwt.encode(claims, client_secret, algorithm="HS256")


def _check_url(name: str, value: str | None, *, required: bool) -> None:
    if value is None:
        if required:
            raise OAuthError(422, f"'{name}' is required")
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OAuthError(422, f"'{name}' must be an absolute http(s) URL, got {value!r}")


def _app_tokens(store: Store, client_id: str) -> list[str]:
    return [token for token, account in store.accounts.items() if account.client_id == client_id]


class OAuthService:
    """The login service of one sandbox: registered apps, issued codes, and the app callbacks."""

    def __init__(self, sandbox: Sandbox, transport: AnyTransport | None = None) -> None:
        self.sandbox = sandbox
        self.transport = transport  # how callbacks reach apps; None is the real network
        self.apps: dict[str, OAuthApp] = {}
        self.grants: dict[str, Grant] = {}

    # -- registry ---------------------------------------------------------------------------
    def register_app(
        self,
        client_id: str,
        client_secret: str,
        auth_callback_url: str,
        load_callback_url: str,
        uninstall_callback_url: str | None = None,
        scopes: Iterable[str] | str = scope_names.FULL_ACCESS,
        *,
        remove_user_callback_url: str | None = None,
        name: str | None = None,
    ) -> OAuthApp:
        """Register (or replace) an app profile, as the Developer Portal does."""
        if not client_id or not client_secret:
            raise OAuthError(422, "'client_id' and 'client_secret' are required")
        _check_url("auth_callback_url", auth_callback_url, required=True)
        _check_url("load_callback_url", load_callback_url, required=True)
        _check_url("uninstall_callback_url", uninstall_callback_url, required=False)
        _check_url("remove_user_callback_url", remove_user_callback_url, required=False)
        parsed = scopes.split() if isinstance(scopes, str) else [str(scope) for scope in scopes]
        ordered = tuple(dict.fromkeys(scope.strip() for scope in parsed if scope.strip()))
        if not ordered:
            raise OAuthError(422, "an app needs at least one OAuth scope")
        app = OAuthApp(
            client_id=client_id,
            client_secret=client_secret,
            auth_callback_url=auth_callback_url,
            load_callback_url=load_callback_url,
            uninstall_callback_url=uninstall_callback_url,
            remove_user_callback_url=remove_user_callback_url,
            scopes=ordered,
            name=name or f"App {client_id[:8]}",
            account_uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcsandbox/app/{client_id}")),
        )
        with self.sandbox.lock:
            self.apps[client_id] = app
        return app

    def app(self, client_id: str) -> OAuthApp:
        try:
            return self.apps[client_id]
        except KeyError:
            raise OAuthError(404, f"no app with client_id {client_id!r} is registered") from None

    def installed(self, store_hash: str, client_id: str) -> bool:
        with self.sandbox.lock:
            store = self.sandbox.stores.get(store_hash)
            return store is not None and bool(_app_tokens(store, client_id))

    # -- install ------------------------------------------------------------------------------
    def issue_code(self, store_hash: str, client_id: str, user_email: str | None = None) -> Grant:
        """The merchant approved the app: a one-time code for the auth callback."""
        with self.sandbox.lock:
            app = self.app(client_id)
            store = self._store(store_hash)
            owner = User.from_email(self._owner_email(store))
            user = User.from_email(user_email) if user_email else owner
            grant = Grant(
                code=secrets.token_urlsafe(12),
                client_id=app.client_id,
                store_hash=store.hash,
                scope=app.scope,
                user=user,
                owner=owner,
                expires_at=self._now() + CODE_TTL_S,
            )
            self.grants[grant.code] = grant
            return grant

    async def install(
        self,
        store_hash: str,
        client_id: str,
        user_email: str | None = None,
        *,
        transport: AnyTransport | None = None,
    ) -> httpx.Response:
        """Issue a code and call the app's auth callback; returns the app's answer."""
        grant = self.issue_code(store_hash, client_id, user_email)
        app = self.app(client_id)
        params = {
            "account_uuid": app.account_uuid,
            "code": grant.code,
            "context": grant.context,
            "scope": grant.scope,
        }
        return await self._callback(app.auth_callback_url, params, transport)

    # -- the token endpoint -------------------------------------------------------------------
    def exchange(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /oauth2/token``: a code for a store API account, or a ``TokenError``."""
        missing = [name for name in TOKEN_FIELDS if not isinstance(fields.get(name), str) or not fields.get(name)]
        if missing:
            raise TokenError(400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}.")
        if fields["grant_type"] != "authorization_code":
            raise TokenError(400, "unsupported_grant_type", "grant_type must be 'authorization_code'.")
        with self.sandbox.lock:
            app = self.apps.get(fields["client_id"])
            if app is None or not hmac.compare_digest(app.client_secret, fields["client_secret"]):
                raise TokenError(401, "invalid_client", "Invalid client_id or client_secret.")
            grant = self._usable_grant(app, fields)
            store = self.sandbox.stores.get(grant.store_hash)
            if store is None:
                raise TokenError(400, "invalid_grant", f"The store {grant.store_hash!r} no longer exists.")
            grant.used = True
            for token in _app_tokens(store, app.client_id):
                store.revoke(token)  # a new auth replaces the previous token, as re-auth does
            account = store.add_account(
                app.scopes, client_id=app.client_id, client_secret=app.client_secret, name=app.name
            )
            return {
                "access_token": account.access_token,
                "scope": grant.scope,
                "user": grant.user.token_view(),
                "owner": grant.owner.token_view(),
                "context": grant.context,
                "account_uuid": app.account_uuid,
            }

    def _usable_grant(self, app: OAuthApp, fields: Mapping[str, Any]) -> Grant:
        grant = self.grants.get(fields["code"])
        if grant is None or grant.client_id != app.client_id:
            raise TokenError(400, "invalid_grant", "The authorization code is invalid.")
        if grant.used:
            raise TokenError(400, "invalid_grant", "The authorization code has already been used.")
        if grant.expires_at < self._now():
            raise TokenError(400, "invalid_grant", "The authorization code has expired.")
        if fields["redirect_uri"] != app.auth_callback_url:
            raise TokenError(
                400, "invalid_grant", "redirect_uri does not match the auth callback URL registered for this app."
            )
        if fields["context"] != grant.context:
            raise TokenError(400, "invalid_grant", f"context must be {grant.context!r} for this code.")
        scope = fields.get("scope")
        if scope and scope_names.parse_scopes(str(scope)) != scope_names.parse_scopes(grant.scope):
            raise TokenError(400, "invalid_scope", "scope must be the scope list sent to the auth callback.")
        return grant

    # -- load, uninstall, remove_user -----------------------------------------------------------
    def payload_jwt(
        self,
        store_hash: str,
        client_id: str,
        user_email: str | None = None,
        *,
        url: str = "/",
        channel_id: int | None = None,
    ) -> str:
        """A ``signed_payload_jwt`` for an installed app, as its callbacks receive it."""
        with self.sandbox.lock:
            app = self.app(client_id)
            store = self._store(store_hash)
            if not _app_tokens(store, client_id):
                raise OAuthError(409, f"app {client_id!r} is not installed in store {store_hash!r}")
            owner = User.from_email(self._owner_email(store))
            user = User.from_email(user_email) if user_email else owner
            return signed_payload_jwt(
                app.client_id,
                app.client_secret,
                store.hash,
                {"id": user.id, "email": user.email, "locale": user.locale},
                {"id": owner.id, "email": owner.email},
                url=url,
                channel_id=channel_id,
            )

    async def load(
        self,
        store_hash: str,
        client_id: str,
        user_email: str | None = None,
        *,
        url: str = "/",
        channel_id: int | None = None,
        transport: AnyTransport | None = None,
    ) -> httpx.Response:
        """A user opens the app: ``GET {load}?signed_payload_jwt=…``; returns the app's answer."""
        token = self.payload_jwt(store_hash, client_id, user_email, url=url, channel_id=channel_id)
        app = self.app(client_id)
        return await self._callback(app.load_callback_url, {"signed_payload_jwt": token}, transport)

    async def remove_user(
        self, store_hash: str, client_id: str, user_email: str, *, transport: AnyTransport | None = None
    ) -> httpx.Response | None:
        """The owner revokes a user's access; None when the app has no remove_user callback."""
        token = self.payload_jwt(store_hash, client_id, user_email)
        app = self.app(client_id)
        if app.remove_user_callback_url is None:
            return None
        return await self._callback(app.remove_user_callback_url, {"signed_payload_jwt": token}, transport)

    async def uninstall(
        self, store_hash: str, client_id: str, user_email: str | None = None, *, transport: AnyTransport | None = None
    ) -> UninstallResult:
        """Call the uninstall callback (if any), then delete the app's tokens and hooks in the store.

        The app is uninstalled whatever the callback answers, as BigCommerce does.
        """
        token = self.payload_jwt(store_hash, client_id, user_email)
        app = self.app(client_id)
        status: int | None = None
        error: str | None = None
        if app.uninstall_callback_url is not None:
            try:
                response = await self._callback(app.uninstall_callback_url, {"signed_payload_jwt": token}, transport)
                status = response.status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        with self.sandbox.lock:
            store = self._store(store_hash)
            tokens = _app_tokens(store, client_id)
            hooks = store.hooks.delete_for_client(client_id)
            for access_token in tokens:
                store.revoke(access_token)
        return UninstallResult(status, error, len(tokens), len(hooks))

    # -- helpers ------------------------------------------------------------------------------
    async def _callback(self, url: str, params: dict[str, str], transport: AnyTransport | None) -> httpx.Response:
        async with Outbound(transport or self.transport, CALLBACK_TIMEOUT_S) as outbound:
            return await outbound.request("GET", url, params=params, headers={"Accept": "text/html,application/json"})

    def _store(self, store_hash: str) -> Store:
        store = self.sandbox.stores.get(store_hash)
        if store is None:
            raise OAuthError(404, f"no store {store_hash!r} in the sandbox")
        return store

    @staticmethod
    def _owner_email(store: Store) -> str:
        return str(store.info.profile()["admin_email"])

    def _now(self) -> float:
        return time.time() + self.sandbox.clock.offset.total_seconds()


_services: weakref.WeakKeyDictionary[Sandbox, OAuthService] = weakref.WeakKeyDictionary()


def service_for(sandbox: Sandbox) -> OAuthService:
    """The sandbox's login service (created on first use)."""
    with sandbox.lock:
        service = _services.get(sandbox)
        if service is None:
            service = _services[sandbox] = OAuthService(sandbox)
        return service


def register_app(
    sandbox: Sandbox,
    client_id: str,
    client_secret: str,
    auth_callback_url: str,
    load_callback_url: str,
    uninstall_callback_url: str | None = None,
    scopes: Iterable[str] | str = scope_names.FULL_ACCESS,
    *,
    remove_user_callback_url: str | None = None,
    name: str | None = None,
) -> OAuthApp:
    return service_for(sandbox).register_app(
        client_id,
        client_secret,
        auth_callback_url,
        load_callback_url,
        uninstall_callback_url,
        scopes,
        remove_user_callback_url=remove_user_callback_url,
        name=name,
    )


async def install(
    sandbox: Sandbox,
    store_hash: str,
    client_id: str,
    user_email: str | None = None,
    *,
    transport: AnyTransport | None = None,
) -> httpx.Response:
    return await service_for(sandbox).install(store_hash, client_id, user_email, transport=transport)


async def load(
    sandbox: Sandbox,
    store_hash: str,
    client_id: str,
    user_email: str | None = None,
    *,
    url: str = "/",
    channel_id: int | None = None,
    transport: AnyTransport | None = None,
) -> httpx.Response:
    return await service_for(sandbox).load(
        store_hash, client_id, user_email, url=url, channel_id=channel_id, transport=transport
    )


async def uninstall(
    sandbox: Sandbox,
    store_hash: str,
    client_id: str,
    user_email: str | None = None,
    *,
    transport: AnyTransport | None = None,
) -> UninstallResult:
    return await service_for(sandbox).uninstall(store_hash, client_id, user_email, transport=transport)


# -- HTTP: the token endpoint and the control plane --------------------------------------------
Endpoint = Callable[[Request], Awaitable[Response]]


async def _fields(request: Request) -> dict[str, Any]:
    """The request's fields from a JSON object or a form-urlencoded body."""
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise OAuthError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise OAuthError(400, "the body must be a JSON object")
    return data


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """``POST /oauth2/token`` and ``/_sandbox/oauth/...`` (register apps, trigger callbacks)."""

    def handler(fn: Callable[[Request, OAuthService], Awaitable[Any]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            service = service_for(sandbox)
            try:
                result = await fn(request, service)
            except OAuthError as exc:
                return JSONResponse({"status": exc.status, "title": exc.message}, status_code=exc.status)
            except httpx.HTTPError as exc:
                return JSONResponse(
                    {"status": 502, "title": f"the app's callback failed: {type(exc).__name__}: {exc}"},
                    status_code=502,
                )
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    async def token(request: Request, service: OAuthService) -> Response:
        try:
            fields = await _fields(request)
            return JSONResponse(service.exchange(fields))
        except OAuthError as exc:
            return JSONResponse(TokenError(400, "invalid_request", exc.message).body(), status_code=400)
        except TokenError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)

    async def list_apps(request: Request, service: OAuthService) -> Any:
        with sandbox.lock:
            return {"apps": [app.summary() for app in service.apps.values()]}

    async def add_app(request: Request, service: OAuthService) -> Any:
        body = await _fields(request)
        allowed = {
            "client_id",
            "client_secret",
            "auth_callback_url",
            "load_callback_url",
            "uninstall_callback_url",
            "remove_user_callback_url",
            "scopes",
            "name",
        }
        unknown = set(body) - allowed
        if unknown:
            raise OAuthError(422, f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        app = service.register_app(
            str(body.get("client_id", "")),
            str(body.get("client_secret", "")),
            str(body.get("auth_callback_url", "")),
            str(body.get("load_callback_url", "")),
            body.get("uninstall_callback_url"),
            body.get("scopes", " ".join(sorted(scope_names.FULL_ACCESS))),
            remove_user_callback_url=body.get("remove_user_callback_url"),
            name=body.get("name"),
        )
        return JSONResponse(app.summary(), status_code=201)

    def target(request: Request) -> tuple[str, str]:
        return request.path_params["store_hash"], request.path_params["client_id"]

    def answer(response: httpx.Response) -> dict[str, Any]:
        return {"status": response.status_code, "body": response.text}

    async def do_install(request: Request, service: OAuthService) -> Any:
        body = await _fields(request)
        store_hash, client_id = target(request)
        response = await service.install(store_hash, client_id, body.get("user_email"))
        return {**answer(response), "installed": service.installed(store_hash, client_id)}

    async def do_load(request: Request, service: OAuthService) -> Any:
        body = await _fields(request)
        store_hash, client_id = target(request)
        channel = body.get("channel_id")
        response = await service.load(
            store_hash,
            client_id,
            body.get("user_email"),
            url=str(body.get("url", "/")),
            channel_id=int(channel) if channel is not None else None,
        )
        return answer(response)

    async def do_uninstall(request: Request, service: OAuthService) -> Any:
        body = await _fields(request)
        store_hash, client_id = target(request)
        return (await service.uninstall(store_hash, client_id, body.get("user_email"))).as_dict()

    prefix = "/_sandbox/oauth"
    app_path = prefix + "/stores/{store_hash}/apps/{client_id}"
    return [
        Route("/oauth2/token", handler(token), methods=["POST"]),
        Route(prefix + "/apps", handler(list_apps), methods=["GET"]),
        Route(prefix + "/apps", handler(add_app), methods=["POST"]),
        Route(app_path + "/install", handler(do_install), methods=["POST"]),
        Route(app_path + "/load", handler(do_load), methods=["POST"]),
        Route(app_path + "/uninstall", handler(do_uninstall), methods=["POST"]),
    ]

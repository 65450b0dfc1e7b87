"""Single-click app OAuth: install → /auth → token exchange, load/uninstall JWTs, and the errors."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bcsandbox import Sandbox, Store, oauth
from bcsandbox.testing import api_client, transport_for

pytestmark = pytest.mark.anyio

CLIENT_ID = "app-client-1"
CLIENT_SECRET = "app-secret-1-0123456789abcdefghijklmnop"
APP = "https://app.example.com"
SCOPES = "store_v2_orders store_v2_information_read_only"


@dataclass
class TinyApp:
    """A single-click app as the docs describe it, talking to the sandbox's login service."""

    sandbox: Sandbox
    tokens: list[dict[str, Any]] = field(default_factory=list)
    claims: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/auth", self.auth),
                Route("/load", self.callback("load")),
                Route("/uninstall", self.callback("uninstall")),
                Route("/remove_user", self.callback("remove_user")),
            ]
        )

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.asgi())

    async def auth(self, request: Request) -> Response:
        query = request.query_params
        async with httpx.AsyncClient(transport=transport_for(self.sandbox), base_url="http://login.test") as login:
            answer = await login.post(
                "/oauth2/token",
                json={
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "code": query["code"],
                    "context": query["context"],
                    "scope": query["scope"],
                    "grant_type": "authorization_code",
                    "redirect_uri": f"{APP}/auth",
                },
            )
        if answer.status_code != 200:
            return JSONResponse(answer.json(), status_code=502)
        self.tokens.append({**answer.json(), "_query": dict(query)})
        return HTMLResponse("<h1>Installed</h1>")

    def callback(self, name: str) -> Any:
        async def handle(request: Request) -> Response:
            claims = jwt.decode(
                request.query_params["signed_payload_jwt"], CLIENT_SECRET, algorithms=["HS256"], audience=CLIENT_ID
            )
            self.claims.setdefault(name, []).append(claims)
            return HTMLResponse(f"<h1>{name}</h1>")

        return handle


@pytest.fixture
def tiny_app(sandbox: Sandbox) -> TinyApp:
    oauth.register_app(
        sandbox,
        CLIENT_ID,
        CLIENT_SECRET,
        f"{APP}/auth",
        f"{APP}/load",
        f"{APP}/uninstall",
        SCOPES,
        remove_user_callback_url=f"{APP}/remove_user",
        name="Tiny App",
    )
    return TinyApp(sandbox)


@pytest.fixture
async def login(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://login.test") as client:
        yield client


def exchange_body(grant: oauth.Grant, **overrides: str) -> dict[str, str]:
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": grant.code,
        "context": grant.context,
        "scope": grant.scope,
        "grant_type": "authorization_code",
        "redirect_uri": f"{APP}/auth",
        **overrides,
    }


async def test_install_runs_the_whole_flow_and_the_token_works(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp
) -> None:
    answer = await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    assert answer.status_code == 200
    assert answer.text == "<h1>Installed</h1>"

    [token] = tiny_app.tokens
    query = token.pop("_query")
    assert query["context"] == f"stores/{store.hash}"
    assert query["scope"] == SCOPES
    assert query["account_uuid"] == token["account_uuid"]
    uuid.UUID(token["account_uuid"])
    assert token["scope"] == SCOPES
    assert token["context"] == f"stores/{store.hash}"
    owner_email = store.info.profile()["admin_email"]
    assert token["owner"]["email"] == token["owner"]["username"] == owner_email
    assert token["user"] == token["owner"]
    assert isinstance(token["user"]["id"], int)
    assert set(token) == {"access_token", "scope", "user", "owner", "context", "account_uuid"}

    account = store.accounts[token["access_token"]]
    assert account.client_id == CLIENT_ID
    assert account.scopes == frozenset(SCOPES.split())
    async with api_client(sandbox, store) as client:
        client.headers["X-Auth-Token"] = token["access_token"]
        assert (await client.get("/v2/store")).status_code == 200  # store_v2_information_read_only
        assert (await client.get("/v3/hooks")).status_code == 200


async def test_install_for_another_user_names_that_user(sandbox: Sandbox, store: Store, tiny_app: TinyApp) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, "staff@example.com", transport=tiny_app.transport())
    [token] = tiny_app.tokens
    assert token["user"]["email"] == "staff@example.com"
    assert token["user"]["id"] != token["owner"]["id"]


async def test_form_urlencoded_exchange_is_accepted(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp, login: httpx.AsyncClient
) -> None:
    grant = oauth.service_for(sandbox).issue_code(store.hash, CLIENT_ID)
    response = await login.post("/oauth2/token", data=exchange_body(grant))
    assert response.status_code == 200
    assert response.json()["access_token"] in store.accounts


async def test_bad_secret_is_401_and_leaves_the_code_usable(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp, login: httpx.AsyncClient
) -> None:
    grant = oauth.service_for(sandbox).issue_code(store.hash, CLIENT_ID)
    denied = await login.post("/oauth2/token", json=exchange_body(grant, client_secret="guess"))
    assert denied.status_code == 401
    assert denied.json() == {"error": "invalid_client", "error_description": "Invalid client_id or client_secret."}
    unknown_client = await login.post("/oauth2/token", json=exchange_body(grant, client_id="nobody"))
    assert unknown_client.status_code == 401
    assert (await login.post("/oauth2/token", json=exchange_body(grant))).status_code == 200


async def test_a_code_works_once(sandbox: Sandbox, store: Store, tiny_app: TinyApp, login: httpx.AsyncClient) -> None:
    grant = oauth.service_for(sandbox).issue_code(store.hash, CLIENT_ID)
    assert (await login.post("/oauth2/token", json=exchange_body(grant))).status_code == 200
    reused = await login.post("/oauth2/token", json=exchange_body(grant))
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert "already been used" in reused.json()["error_description"]


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"redirect_uri": f"{APP}/other"}, "invalid_grant", "redirect_uri does not match"),
        ({"code": "made-up"}, "invalid_grant", "code is invalid"),
        ({"context": "stores/zzz999"}, "invalid_grant", "context must be"),
        ({"scope": "store_v2_products"}, "invalid_scope", "scope"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type", "authorization_code"),
        ({"redirect_uri": ""}, "invalid_request", "redirect_uri"),
    ],
)
async def test_bad_token_requests_are_400_with_a_reason(
    sandbox: Sandbox,
    store: Store,
    tiny_app: TinyApp,
    login: httpx.AsyncClient,
    overrides: dict[str, str],
    error: str,
    words: str,
) -> None:
    grant = oauth.service_for(sandbox).issue_code(store.hash, CLIENT_ID)
    response = await login.post("/oauth2/token", json=exchange_body(grant, **overrides))
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert words in response.json()["error_description"]
    assert not any(account.client_id == CLIENT_ID for account in store.accounts.values())


async def test_an_expired_code_is_rejected(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp, login: httpx.AsyncClient
) -> None:
    grant = oauth.service_for(sandbox).issue_code(store.hash, CLIENT_ID)
    sandbox.clock.advance(oauth.CODE_TTL_S + 1)
    response = await login.post("/oauth2/token", json=exchange_body(grant))
    assert response.status_code == 400
    assert "expired" in response.json()["error_description"]


async def test_malformed_token_request_is_400(login: httpx.AsyncClient) -> None:
    response = await login.post("/oauth2/token", content=b"[1,2", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_reinstall_replaces_the_previous_token(sandbox: Sandbox, store: Store, tiny_app: TinyApp) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    first, second = (token["access_token"] for token in tiny_app.tokens)
    assert first not in store.accounts
    assert second in store.accounts


async def test_load_sends_a_verifiable_jwt_with_the_documented_claims(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp
) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    answer = await oauth.load(
        sandbox, store.hash, CLIENT_ID, url="/products/5", channel_id=1, transport=tiny_app.transport()
    )
    assert answer.status_code == 200
    [claims] = tiny_app.claims["load"]
    assert claims["aud"] == CLIENT_ID
    assert claims["iss"] == "bc"
    assert claims["sub"] == f"stores/{store.hash}"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["nbf"] + 86_400
    uuid.UUID(claims["jti"])
    assert claims["url"] == "/products/5"
    assert claims["channel_id"] == 1
    owner = tiny_app.tokens[0]["owner"]
    assert claims["owner"] == {"id": owner["id"], "email": owner["email"]}
    assert claims["user"] == {"id": owner["id"], "email": owner["email"], "locale": "en-US"}


def test_signed_payload_jwt_verifies_and_tampering_fails() -> None:
    token = oauth.signed_payload_jwt(
        CLIENT_ID,
        CLIENT_SECRET,
        "abc123",
        {"id": 1, "email": "u@example.com", "locale": "en-US"},
        {"id": 2, "email": "o@example.com"},
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, CLIENT_SECRET, algorithms=["HS256", "HS512"], audience=CLIENT_ID)
    assert claims["channel_id"] is None
    assert claims["url"] == "/"

    header, payload, signature = token.split(".")
    forged = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["sub"] = "stores/evil99"
    forged_payload = base64.urlsafe_b64encode(orjson.dumps(forged)).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", CLIENT_SECRET, algorithms=["HS256"], audience=CLIENT_ID)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another secret, long enough for HS256 keys", algorithms=["HS256"], audience=CLIENT_ID)
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, CLIENT_SECRET, algorithms=["HS256"], audience="someone-else")
    expired = oauth.signed_payload_jwt(CLIENT_ID, CLIENT_SECRET, "abc123", {}, {}, issued_at=1_000, expires_in=60)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, CLIENT_SECRET, algorithms=["HS256"], audience=CLIENT_ID)


async def test_load_needs_an_installed_app(sandbox: Sandbox, store: Store, tiny_app: TinyApp) -> None:
    with pytest.raises(oauth.OAuthError, match="not installed"):
        await oauth.load(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    with pytest.raises(oauth.OAuthError, match="no app"):
        await oauth.install(sandbox, store.hash, "unregistered", transport=tiny_app.transport())


async def test_uninstall_calls_back_then_removes_the_apps_token_and_hooks(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp, api: httpx.AsyncClient
) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    app_token = tiny_app.tokens[0]["access_token"]
    async with api_client(sandbox, store) as as_app:
        as_app.headers["X-Auth-Token"] = app_token
        created = await as_app.post(
            "/v3/hooks", json={"scope": "store/order/*", "destination": "https://app.example.com/wh"}
        )
        assert created.status_code == 200
    mine = await api.post("/v3/hooks", json={"scope": "store/order/*", "destination": "https://me.example.com/wh"})
    assert mine.status_code == 200

    result = await oauth.uninstall(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    assert result == oauth.UninstallResult(callback_status=200, callback_error=None, removed_tokens=1, removed_hooks=1)
    [claims] = tiny_app.claims["uninstall"]
    assert claims["sub"] == f"stores/{store.hash}"
    assert app_token not in store.accounts
    assert [hook["id"] for hook in (await api.get("/v3/hooks")).json()["data"]] == [mine.json()["data"]["id"]]
    assert not oauth.service_for(sandbox).installed(store.hash, CLIENT_ID)


async def test_uninstall_happens_even_if_the_callback_is_unreachable(
    sandbox: Sandbox, store: Store, tiny_app: TinyApp
) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = await oauth.uninstall(sandbox, store.hash, CLIENT_ID, transport=httpx.MockTransport(refuse))
    assert result.callback_status is None
    assert result.callback_error is not None and "ConnectError" in result.callback_error
    assert result.removed_tokens == 1


async def test_remove_user_callback(sandbox: Sandbox, store: Store, tiny_app: TinyApp) -> None:
    await oauth.install(sandbox, store.hash, CLIENT_ID, transport=tiny_app.transport())
    service = oauth.service_for(sandbox)
    answer = await service.remove_user(store.hash, CLIENT_ID, "staff@example.com", transport=tiny_app.transport())
    assert answer is not None and answer.status_code == 200
    assert tiny_app.claims["remove_user"][0]["user"]["email"] == "staff@example.com"


def test_register_app_validates(sandbox: Sandbox) -> None:
    with pytest.raises(oauth.OAuthError, match="auth_callback_url"):
        oauth.register_app(sandbox, "c", "s", "not-a-url", f"{APP}/load")
    with pytest.raises(oauth.OAuthError, match="at least one"):
        oauth.register_app(sandbox, "c", "s", f"{APP}/auth", f"{APP}/load", scopes="  ")
    with pytest.raises(oauth.OAuthError, match="required"):
        oauth.register_app(sandbox, "", "s", f"{APP}/auth", f"{APP}/load")


async def test_control_plane_registers_and_drives_an_app(sandbox: Sandbox, store: Store) -> None:
    tiny = TinyApp(sandbox)
    oauth.service_for(sandbox).transport = tiny.transport()
    async with httpx.AsyncClient(transport=transport_for(sandbox), base_url="http://sandbox.test") as control:
        registered = await control.post(
            "/_sandbox/oauth/apps",
            json={
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "auth_callback_url": f"{APP}/auth",
                "load_callback_url": f"{APP}/load",
                "uninstall_callback_url": f"{APP}/uninstall",
                "scopes": SCOPES,
            },
        )
        assert registered.status_code == 201
        listed = (await control.get("/_sandbox/oauth/apps")).json()["apps"]
        assert [app["client_id"] for app in listed] == [CLIENT_ID]
        assert CLIENT_SECRET not in str(listed)

        base = f"/_sandbox/oauth/stores/{store.hash}/apps/{CLIENT_ID}"
        installed = await control.post(f"{base}/install", json={})
        assert installed.json() == {"status": 200, "body": "<h1>Installed</h1>", "installed": True}
        loaded = await control.post(f"{base}/load", json={"url": "/orders", "channel_id": 1})
        assert loaded.json() == {"status": 200, "body": "<h1>load</h1>"}
        assert tiny.claims["load"][0]["url"] == "/orders"
        removed = await control.post(f"{base}/uninstall")
        assert removed.json() == {
            "callback_status": 200,
            "callback_error": None,
            "removed_tokens": 1,
            "removed_hooks": 0,
        }

        not_installed = await control.post(f"{base}/load")
        assert not_installed.status_code == 409
        unknown = await control.post(f"/_sandbox/oauth/stores/{store.hash}/apps/nobody/install")
        assert unknown.status_code == 404
        bad = await control.post("/_sandbox/oauth/apps", json={"client_id": "x", "colour": "red"})
        assert bad.status_code == 422

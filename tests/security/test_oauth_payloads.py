"""The BigCommerce app callbacks refuse every payload or code that is not genuinely for this app and store.

``/bigcommerce/load`` and ``/bigcommerce/uninstall`` get a ``signed_payload_jwt``: anything but an
HS256/HS512 token signed with the app's client secret, for its client id, inside its validity
window and naming a store, is a 401 page that says why, shows nothing of the store, and changes
nothing (the connection stays enabled with its token). ``/bigcommerce/auth`` exchanges a one-time
code: a replayed code or one issued for another store is refused and installs nothing.
Forged, expired and wrong-audience payloads are also in ``tests/interfaces/test_bigcommerce_app.py``.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any

import httpx
import jwt
import orjson
import pytest

from bchub.app import Hub
from bcsandbox import Sandbox, Store, oauth
from tests.interfaces.test_bigcommerce_app import (
    CLIENT_ID,
    CLIENT_SECRET,
    app_hub,
    bchub_transport,
    browser,
    install,
    registered,
)
from tests.support.secrets_guard import SecretsGuard, secrets_guard

pytestmark = pytest.mark.anyio

__all__ = ["app_hub", "bchub_transport", "browser", "registered", "secrets_guard"]

CALLBACKS = ("/bigcommerce/load", "/bigcommerce/uninstall")


def claims(store: Store, **changes: Any) -> dict[str, Any]:
    """The claims BigCommerce signs (DIGEST §10), valid now; ``None`` removes a claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "aud": CLIENT_ID,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86_400,
        "jti": "3c6e4f8a-1d7e-4a47-9d43-5e0c2f0d1a11",
        "sub": f"stores/{store.hash}",
        "user": {"id": 1, "email": "owner@example.com", "locale": "en"},
        "owner": {"id": 1, "email": "owner@example.com"},
        "url": "/",
        "channel_id": None,
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def signed(payload: dict[str, Any], *, secret: str = CLIENT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(payload: dict[str, Any]) -> str:
    """``alg: none``: a header, the claims, and an empty signature."""
    return f"{_b64(orjson.dumps({'alg': 'none', 'typ': 'JWT'}))}.{_b64(orjson.dumps(payload))}."


def tampered(store: Store, other: Store) -> str:
    """A genuine token for ``store`` whose claims were rewritten to name ``other``, signature kept."""
    header, _, signature = signed(claims(store)).split(".")
    return f"{header}.{_b64(orjson.dumps(claims(other)))}.{signature}"


NOT_YET = "the signed payload is not valid yet (nbf/iat in the future); check the server clock"
ALGORITHM = "the signed payload uses an algorithm other than HS256 or HS512"
SIGNATURE = "the signed payload's signature does not match this app's client secret"


def cases(store: Store, other: Store) -> list[tuple[str, str, str]]:
    """(case, signed_payload_jwt, the reason the page gives)."""
    now = int(time.time())
    hs384 = signed(claims(store), secret=CLIENT_SECRET + "-padded-to-48-bytes-for-hs384", algorithm="HS384")
    return [
        ("bad signature", signed(claims(store), secret="an-attackers-secret-0123456789abcdef"), SIGNATURE),
        ("tampered claims", tampered(store, other), SIGNATURE),
        (
            "wrong audience",
            signed(claims(store, aud="another-apps-client-id")),
            "the signed payload is for another app (its audience is not this app's client id)",
        ),
        (
            "expired",
            signed(claims(store, iat=now - 2 * 86_400, nbf=now - 2 * 86_400, exp=now - 86_400)),
            "the signed payload has expired; open the app again from the control panel",
        ),
        ("not yet valid", signed(claims(store, nbf=now + 3_600, iat=now + 3_600)), NOT_YET),
        ("alg none", unsigned(claims(store)), ALGORITHM),
        ("HS384", hs384, ALGORITHM),
        (
            "no expiry",
            signed(claims(store, exp=None)),
            'the signed payload is malformed: Token is missing the "exp" claim',
        ),
        (
            "no audience",
            signed(claims(store, aud=None)),
            'the signed payload is malformed: Token is missing the "aud" claim',
        ),
        (
            "not a store",
            signed(claims(store, sub="channels/1")),
            "the signed payload's subject is not a store ('stores/<hash>')",
        ),
        ("garbage", "not-a-jwt", "the signed payload is malformed: Not enough segments"),
        ("empty", "", "the request carries no signed_payload_jwt"),
    ]


async def test_every_bad_payload_is_refused_with_its_reason_and_changes_nothing(
    app_hub: Hub,
    sandbox: Sandbox,
    store: Store,
    bchub_transport: httpx.ASGITransport,
    browser: httpx.AsyncClient,
    secrets_guard: SecretsGuard,
) -> None:
    secrets_guard.add(CLIENT_SECRET, label="app client secret")
    await install(sandbox, store, bchub_transport)
    other = sandbox.create_store("other1", name="Other Store")
    await install(sandbox, other, bchub_transport)
    before = {connection.name: connection for connection in app_hub.connections.all()}

    seen = []
    for case, token, _ in cases(store, other):
        for path in CALLBACKS:
            response = await browser.get(path, params={"signed_payload_jwt": token})
            seen.append((case, path, response.status_code, _reason(response.text)))
            assert "Test Store" not in response.text and "Other Store" not in response.text
            secrets_guard.check(response.text, f"the {path} page for {case!r}")
    expected = [(case, path, 401, reason) for case, _, reason in cases(store, other) for path in CALLBACKS]
    assert seen == expected

    after = {connection.name: connection for connection in app_hub.connections.all()}
    assert after.keys() == before.keys()
    for name, connection in after.items():
        assert connection.enabled and connection.access_token is not None, name
        assert connection.health == before[name].health, name
    # the genuine payload still opens the store: nothing was locked or forgotten on the way
    genuine = await browser.get("/bigcommerce/load", params={"signed_payload_jwt": signed(claims(store))})
    assert genuine.status_code == 200 and "Test Store" in genuine.text


def _reason(page: str) -> str:
    """The paragraph of a refusal page (HTML-unescaped)."""
    assert "<title>Not authorized</title>" in page, page
    return html.unescape(page.split("<p>", 1)[1].split("</p>", 1)[0])


async def test_a_payload_from_another_issuer_is_refused(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport, browser: httpx.AsyncClient
) -> None:
    await install(sandbox, store, bchub_transport)
    token = signed(claims(store, iss="someone-else"))
    response = await browser.get("/bigcommerce/load", params={"signed_payload_jwt": token})
    assert response.status_code == 401
    assert _reason(response.text) == "the signed payload was not issued by BigCommerce (its iss is not 'bc')"


async def test_a_payload_without_an_issuer_is_refused_and_the_sandbox_names_bc(
    app_hub: Hub, sandbox: Sandbox, store: Store, bchub_transport: httpx.ASGITransport, browser: httpx.AsyncClient
) -> None:
    await install(sandbox, store, bchub_transport)
    no_issuer = claims(store)
    del no_issuer["iss"]
    response = await browser.get("/bigcommerce/load", params={"signed_payload_jwt": signed(no_issuer)})
    assert response.status_code == 401
    assert _reason(response.text) == 'the signed payload is malformed: Token is missing the "iss" claim'
    # the payload the sandbox signs for a /load names the issuer bchub requires, so its loads open
    owner = {"id": 1, "email": "owner@example.com"}
    genuine = oauth.signed_payload_jwt(CLIENT_ID, CLIENT_SECRET, store.hash, owner, owner)
    assert jwt.decode(genuine, options={"verify_signature": False})["iss"] == "bc"
    opened = await browser.get("/bigcommerce/load", params={"signed_payload_jwt": genuine})
    assert opened.status_code == 200


async def test_a_replayed_code_or_a_code_for_another_store_installs_nothing(
    app_hub: Hub, sandbox: Sandbox, store: Store, browser: httpx.AsyncClient
) -> None:
    service = oauth.service_for(sandbox)
    other = sandbox.create_store("other2", name="Other Store")
    grant = service.issue_code(store.hash, CLIENT_ID)
    for_other = await browser.get(
        "/bigcommerce/auth", params={"code": grant.code, "context": f"stores/{other.hash}", "scope": grant.scope}
    )
    assert for_other.status_code == 502
    assert f"context must be &#x27;stores/{store.hash}&#x27; for this code" in for_other.text
    assert app_hub.connections.all() == []

    grant = service.issue_code(store.hash, CLIENT_ID)
    params = {"code": grant.code, "context": grant.context, "scope": grant.scope}
    assert (await browser.get("/bigcommerce/auth", params=params)).status_code == 200
    [installed] = app_hub.connections.all()
    replayed = await browser.get("/bigcommerce/auth", params=params)
    assert replayed.status_code == 502
    assert "token exchange was refused (400): invalid_grant: The authorization code has already been used." in (
        replayed.text.replace("&#x27;", "'")
    )
    [still] = app_hub.connections.all()
    assert still.access_token is not None and installed.access_token is not None
    assert still.access_token.reveal() == installed.access_token.reveal()  # the token was not replaced

"""``verify_signed_payload_jwt``: only a payload signed by BigCommerce for this app, and current, is accepted."""

from __future__ import annotations

import time

import jwt
import pytest

from bchub.bigcommerce.oauth import InvalidSignedPayload, OAuthError, store_hash_from_context, verify_signed_payload_jwt
from bcsandbox.oauth import signed_payload_jwt

CLIENT_ID = "app-client-id-123"
SECRET = "app-client-secret-0123456789abcdef"
USER = {"id": 42, "email": "owner@example.com", "locale": "en-US"}
OWNER = {"id": 42, "email": "owner@example.com"}


def payload(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "store_hash": "abc123",
        "user": USER,
        "owner": OWNER,
    }
    arguments.update(overrides)
    return signed_payload_jwt(**arguments)  # type: ignore[arg-type]


def verify(token: str) -> object:
    return verify_signed_payload_jwt(token, client_id=CLIENT_ID, client_secret=SECRET)


def test_a_genuine_payload_is_accepted() -> None:
    verified = verify_signed_payload_jwt(
        payload(url="/orders", channel_id=1), client_id=CLIENT_ID, client_secret=SECRET
    )
    assert verified.store_hash == "abc123"
    assert verified.user_email == "owner@example.com" and verified.user_id == 42
    assert verified.url == "/orders" and verified.channel_id == 1


def test_forged_signature_is_rejected() -> None:
    with pytest.raises(InvalidSignedPayload, match="signature does not match"):
        verify(payload(client_secret="someone-elses-secret-0123456789abcdef"))


def test_tampered_claims_are_rejected() -> None:
    header, _, signature = payload().split(".")
    _, other_body, _ = payload(store_hash="victim1").split(".")
    with pytest.raises(InvalidSignedPayload):
        verify(f"{header}.{other_body}.{signature}")


def test_expired_payload_is_rejected() -> None:
    two_days_ago = int(time.time()) - 2 * 86_400
    with pytest.raises(InvalidSignedPayload, match="expired"):
        verify(payload(issued_at=two_days_ago))


def test_payload_for_another_app_is_rejected() -> None:
    with pytest.raises(InvalidSignedPayload, match="another app"):
        verify(payload(client_id="other-app-client-id"))


def test_unsigned_and_malformed_payloads_are_rejected() -> None:
    claims = jwt.decode(payload(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, key="", algorithm="none")
    with pytest.raises(InvalidSignedPayload, match="algorithm"):
        verify(unsigned)
    with pytest.raises(InvalidSignedPayload, match="malformed"):
        verify("not.a.jwt")
    with pytest.raises(InvalidSignedPayload, match="no signed_payload_jwt"):
        verify("")


def test_payload_without_a_store_subject_is_rejected() -> None:
    claims = jwt.decode(payload(), options={"verify_signature": False})
    claims["sub"] = "accounts/123"
    with pytest.raises(InvalidSignedPayload, match="subject"):
        verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_context() -> None:
    assert store_hash_from_context("stores/g5cd38") == "g5cd38"
    with pytest.raises(OAuthError):
        store_hash_from_context("stores/../admin")

"""Faithfulness: the official ``bigcommerce`` Python package works against bcsandbox unchanged.

That client hard-codes ``https://``, so the sandbox serves TLS with a self-signed certificate
(as ``bcsandbox serve --tls`` does) and the client is told only the host and to trust the cert.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bigcommerce
import pytest

from bcsandbox import Sandbox, Store
from bcsandbox.oauth import service_for, signed_payload_jwt
from bcsandbox.testing import LiveServer
from bcsandbox.tls import write_self_signed

CLIENT_ID = "third-party-client"
APP_SECRET = "app-secret-0123456789abcdef0123456789abcdef"


@pytest.fixture
def tls_server(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    cert, key = write_self_signed(tmp_path / "tls")
    with LiveServer(sandbox, ssl_certfile=cert, ssl_keyfile=key) as server:
        host = f"127.0.0.1:{server.port}"
        monkeypatch.setenv("BC_API_ENDPOINT", host)
        monkeypatch.setenv("BC_AUTH_SERVICE", host)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        yield server


def _api(store: Store) -> bigcommerce.api.BigcommerceApi:
    account = store.add_account(access_token="third-party-token", client_id=CLIENT_ID)
    return bigcommerce.api.BigcommerceApi(client_id=CLIENT_ID, store_hash=store.hash, access_token=account.access_token)


def test_store_time_and_statuses(tls_server: LiveServer, store: Store) -> None:
    api = _api(store)
    assert api.Store.all()["id"] == store.hash
    assert api.Time.all()["time"] > 0
    statuses = api.OrderStatuses.all()
    assert [status["id"] for status in statuses] == list(range(15))
    assert api.connection.rate_limit["requests_quota"] > 0


def test_orders_create_list_get_lines_and_shipments(tls_server: LiveServer, store: Store) -> None:
    api = _api(store)
    address = {
        "first_name": "Ava",
        "last_name": "Nguyen",
        "street_1": "1 Main St",
        "city": "Austin",
        "state": "Texas",
        "zip": "78701",
        "country": "United States",
        "country_iso2": "US",
        "email": "ava@example.com",
    }
    created = api.Orders.create(
        billing_address=address,
        shipping_addresses=[address],
        products=[{"name": "Custom mug", "quantity": 2, "price_inc_tax": 12, "price_ex_tax": 10, "sku": "MUG-1"}],
        external_order_id="ext-1",
    )
    assert created.id > 0
    listed = api.Orders.all(limit=250)
    assert [order.id for order in listed] == [created.id]
    assert api.Orders.count() == 1
    fetched = api.Orders.get(created.id)
    assert fetched.external_order_id == "ext-1"
    lines = fetched.products()
    assert lines[0].sku == "MUG-1" and lines[0].quantity == 2
    address_id = fetched.shipping_addresses()[0].id
    no_shipments = fetched.shipments()  # 204 No Content: this client returns an empty resource, not a list
    assert not isinstance(no_shipments, list) and "id" not in no_shipments
    shipment = api.OrderShipments.create(
        created.id,
        order_address_id=address_id,
        items=[{"order_product_id": lines[0].id, "quantity": 2}],
        tracking_number="1Z999",
        shipping_provider="ups",
    )
    assert shipment.tracking_number == "1Z999"
    assert api.Orders.get(created.id).status_id == 2  # Shipped
    past_the_end = api.Orders.all(page=2, limit=250)  # 204 No Content
    assert not isinstance(past_the_end, list) and "id" not in past_the_end


def test_oauth_token_exchange_and_payload_verification(tls_server: LiveServer, sandbox: Sandbox, store: Store) -> None:
    service = service_for(sandbox)
    service.register_app(
        "app-client",
        APP_SECRET,
        "https://app.example.com/auth",
        "https://app.example.com/load",
        scopes="store_v2_orders",
    )
    grant = service.issue_code(store.hash, "app-client")
    api = bigcommerce.api.BigcommerceApi(client_id="app-client", store_hash=store.hash)
    token = api.oauth_fetch_token(APP_SECRET, grant.code, grant.context, grant.scope, "https://app.example.com/auth")
    assert token["context"] == f"stores/{store.hash}"
    assert token["access_token"] in store.accounts

    payload = signed_payload_jwt(
        "app-client",
        APP_SECRET,
        store.hash,
        {"id": 1, "email": "owner@example.com"},
        {"id": 1, "email": "owner@example.com"},
    )
    claims = bigcommerce.api.BigcommerceApi.oauth_verify_payload_jwt(payload, APP_SECRET, "app-client")
    assert claims["sub"] == f"stores/{store.hash}"

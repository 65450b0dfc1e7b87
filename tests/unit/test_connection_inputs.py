"""Every form people hold BigCommerce credentials in, malformed variants, and conflicts between forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.errors import InputError
from bchub.sync.connections.inputs import (
    CredentialInput,
    require_access_token,
    require_store_hash,
    resolve_credentials,
)

TOKEN = "cc4corno7j5xoisu07d1ixn4q28gp07"
CLIENT_ID = "63a9wg0iclgt0tm82bofravzgvkt13f"
CLIENT_SECRET = "3e81b040a6087b5885b988922dc12a8400b7a52a71fa148c6caff31774ac2131"
FILE = f"""ACCESS TOKEN: {TOKEN}
CLIENT NAME: Store BC
CLIENT ID: {CLIENT_ID}
CLIENT SECRET: {CLIENT_SECRET}
NAME: Store BC
API PATH: https://api.bigcommerce.com/stores/w5z5htrnkd/v3/
"""


def resolve(**fields: str) -> tuple[str | None, str | None]:
    resolved = resolve_credentials(CredentialInput(**fields))
    return resolved.store_hash, resolved.access_token


def test_separate_fields() -> None:
    resolved = resolve_credentials(
        CredentialInput(store_hash="abc123", access_token=TOKEN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    )
    assert (resolved.store_hash, resolved.access_token, resolved.client_id, resolved.client_secret) == (
        "abc123",
        TOKEN,
        CLIENT_ID,
        CLIENT_SECRET,
    )


@pytest.mark.parametrize(
    "api_path",
    [
        "https://api.bigcommerce.com/stores/wyiiub56c0/v3/",
        "https://api.bigcommerce.com/stores/wyiiub56c0/v3",
        "https://api.bigcommerce.com/stores/wyiiub56c0/v2/",
        "  api.bigcommerce.com/stores/wyiiub56c0/  ",
    ],
)
def test_api_path(api_path: str) -> None:
    assert resolve(api_path=api_path) == ("wyiiub56c0", None)


def test_api_path_at_the_configured_api_url() -> None:
    given = CredentialInput(api_path="http://127.0.0.1:8765/stores/mrch001/v3/")
    assert resolve_credentials(given, "http://127.0.0.1:8765").store_hash == "mrch001"
    with pytest.raises(InputError, match="API path"):
        resolve_credentials(given)  # elsewhere only api.bigcommerce.com paths are API paths
    with pytest.raises(InputError, match="API path"):
        resolve_credentials(given, "http://127.0.0.1:9999")


@pytest.mark.parametrize(
    "store_url",
    [
        "https://store-123456789.mybigcommerce.com/",
        "store-123456789.mybigcommerce.com",
        "https://store-123456789.mybigcommerce.com/manage/dashboard",
    ],
)
def test_store_or_control_panel_url(store_url: str) -> None:
    resolved = resolve_credentials(CredentialInput(store_url=store_url))
    assert resolved.store_hash == "123456789"
    assert resolved.store_url == "https://store-123456789.mybigcommerce.com"


def test_credentials_file() -> None:
    resolved = resolve_credentials(CredentialInput(credentials_file=FILE, credentials_file_name="creds.txt"))
    assert resolved.store_hash == "w5z5htrnkd"
    assert resolved.access_token == TOKEN
    assert resolved.client_id == CLIENT_ID
    assert resolved.client_secret == CLIENT_SECRET
    assert resolved.suggested_name == "Store BC"


def test_client_id_access_token_key() -> None:
    resolved = resolve_credentials(CredentialInput(key=f"{CLIENT_ID}:{TOKEN}", store_hash="w5z5htrnkd"))
    assert (resolved.client_id, resolved.access_token) == (CLIENT_ID, TOKEN)


def test_bare_hash() -> None:
    assert resolve(store_hash="  G5CD38 ") == ("g5cd38", None)


def test_agreeing_forms_are_fine() -> None:
    resolved = resolve_credentials(
        CredentialInput(
            credentials_file=FILE,
            store_hash="w5z5htrnkd",
            api_path="https://api.bigcommerce.com/stores/w5z5htrnkd/v3/",
            key=f"{CLIENT_ID}:{TOKEN}",
            access_token=TOKEN,
        )
    )
    assert resolved.store_hash == "w5z5htrnkd"


def test_hash_not_matching_the_api_path_shows_both_values() -> None:
    with pytest.raises(InputError) as caught:
        resolve(store_hash="abc123", api_path="https://api.bigcommerce.com/stores/xyz789/v3/")
    message = str(caught.value)
    assert "'abc123'" in message and "'xyz789'" in message
    assert "conflicting store hashes" in message


def test_store_url_not_matching_the_file() -> None:
    with pytest.raises(InputError, match=r"'123456789'.*'w5z5htrnkd'"):
        resolve_credentials(
            CredentialInput(store_url="https://store-123456789.mybigcommerce.com", credentials_file=FILE)
        )


def test_conflicting_tokens_are_shown_masked() -> None:
    other = "zz9corno7j5xoisu07d1ixn4q28abcd"
    with pytest.raises(InputError) as caught:
        resolve_credentials(CredentialInput(credentials_file=FILE, access_token=other))
    message = str(caught.value)
    assert "****gp07" in message and "****abcd" in message
    assert TOKEN not in message and other not in message


def test_custom_domain_store_url_is_kept_but_needs_a_hash() -> None:
    resolved = resolve_credentials(CredentialInput(store_url="https://www.example-shop.com/shop", access_token=TOKEN))
    assert resolved.store_url == "https://www.example-shop.com"
    with pytest.raises(InputError, match="does not contain the store hash") as caught:
        require_store_hash(resolved)
    assert "/stores/" in str(caught.value)  # says where to find it


def test_nothing_given_says_where_to_find_the_hash_and_token() -> None:
    empty = resolve_credentials(CredentialInput())
    with pytest.raises(InputError, match="API path"):
        require_store_hash(empty)
    with pytest.raises(InputError, match="credentials file"):
        require_access_token(empty)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"api_path": "https://api.bigcommerce.com/v3/catalog"}, "API path"),
        ({"api_path": "https://example.com/stores/abc123/v3/"}, "API path"),
        ({"store_hash": "abc/123"}, "store hash"),
        ({"store_hash": "a"}, "store hash"),
        ({"store_url": "not a url"}, "store URL"),
        ({"key": "no-colon-here-at-all"}, "key"),
        ({"key": "a:b:c"}, "key"),
        ({"key": f"{CLIENT_ID}:short"}, "key"),
        ({"access_token": "has spaces in it ok"}, "access token"),
        ({"access_token": "short"}, "access token"),
        ({"client_secret": "bad secret!!"}, "client secret"),
        ({"credentials_file": "CLIENT ID: x\n"}, "credentials file"),
        (
            {"credentials_file": f"ACCESS TOKEN: {TOKEN}\nAPI PATH: https://api.bigcommerce.com/v3/\n"},
            "credentials file",
        ),
    ],
)
def test_malformed_inputs_say_which_input(fields: dict[str, str], expected: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_credentials(CredentialInput(**fields))
    assert expected in str(caught.value)


def test_malformed_secret_is_masked_in_the_message() -> None:
    bad = "abcdefghijklmnop qrstuvwxyz"
    with pytest.raises(InputError) as caught:
        resolve_credentials(CredentialInput(access_token=bad))
    assert "qrstuvwxyz" not in str(caught.value)


def test_repr_hides_secrets() -> None:
    given = CredentialInput(access_token=TOKEN, client_secret=CLIENT_SECRET)
    resolved = resolve_credentials(CredentialInput(credentials_file=FILE))
    for text in (repr(given), repr(resolved), str(resolved)):
        assert TOKEN not in text and CLIENT_SECRET not in text


@given(st.from_regex(r"[a-z0-9]{3,20}", fullmatch=True))
def test_every_form_of_a_hash_agrees(store_hash: str) -> None:
    resolved = resolve_credentials(
        CredentialInput(
            store_hash=store_hash,
            api_path=f"https://api.bigcommerce.com/stores/{store_hash}/v3/",
            store_url=f"https://store-{store_hash}.mybigcommerce.com/manage",
        )
    )
    assert resolved.store_hash == store_hash

"""Bad credentials: each case with the exact message a user sees; fuzzing says no input crashes or leaks."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bchub.bigcommerce.credentials import (
    CredentialsError,
    parse_credentials_file,
    parse_key,
    parse_store_hash,
)
from bchub.errors import InputError
from bchub.sync.connections.inputs import CredentialInput, resolve_credentials

TOKEN = "cc4corno7j5xoisu07d1ixn4q28gp07"
OTHER = "dd4corno7j5xoisu07d1ixn4q28gp08"
API_PATH = "https://api.bigcommerce.com/stores/abc123/v3/"
EXAMPLES = "lines like 'ACCESS TOKEN: …' and 'API PATH: https://api.bigcommerce.com/stores/{store_hash}/v3/'"
HASH_RULE = "where the store hash is 3–20 letters and digits (e.g. 'g5cd38')"
ANY_FORM = (
    "expected a store hash, an API path like https://api.bigcommerce.com/stores/{store_hash}/v3/ "
    "or a store URL like https://store-{store_hash}.mybigcommerce.com"
)

STORE_HASHES = [
    ("", f"{ANY_FORM}; got an empty value"),
    ("ab", f"expected a store hash, {HASH_RULE}; got 'ab'"),
    ("store-abc!23", f"expected a store hash, {HASH_RULE}; got 'store-abc!23'"),
    ("https://example.com/stores/abc", f"{ANY_FORM}; got 'https://example.com/stores/abc'"),
]
KEYS = [
    (
        "onlyonepart",
        "expected a key 'ClientID:AccessToken' (two values joined by one colon); got 1 part(s), 11 characters ending in ****part",
    ),
    ("clientid12:short", "expected an access token of 8 or more letters and digits; ****hort is only 5 characters"),
    (
        "cc4corno7j5xoisu07d1:tok en with spaces",
        "expected an access token of 8 or more letters and digits; ****aces (18 characters) has spaces or symbols",
    ),
]
FILES = [
    (
        f"ACCESS TOKEN: {TOKEN}\n",
        f"expected the credentials file BigCommerce downloads, with {EXAMPLES}; missing API PATH (labels found: ACCESS TOKEN)",
    ),
    (
        f"CLIENT ID: abcdefgh1234\nAPI PATH: {API_PATH}\n",
        f"expected the credentials file BigCommerce downloads, with {EXAMPLES}; missing ACCESS TOKEN "
        "(labels found: CLIENT ID, API PATH)",
    ),
    (
        "<html><body>Sign in</body></html>",
        f"expected the credentials file BigCommerce downloads, with {EXAMPLES}; missing ACCESS TOKEN and API PATH "
        "(labels found: none)",
    ),
    (
        f"ACCESS TOKEN: {TOKEN}\nAPI PATH: https://api.bigcommerce.com/stores/a!c/v3/\n",
        "the credentials file's API PATH is malformed: expected an API path like "
        f"https://api.bigcommerce.com/stores/{{store_hash}}/v3/, {HASH_RULE}; got 'https://api.bigcommerce.com/stores/a!c/v3/'",
    ),
    (
        f"ACCESS TOKEN: {TOKEN}\nACCESS TOKEN: {OTHER}\nAPI PATH: {API_PATH}\n",
        "the credentials file gives ACCESS TOKEN twice with different values: ****gp07 and ****gp08",
    ),
    (
        f"ACCESS TOKEN: short\nAPI PATH: {API_PATH}\n",
        "expected an ACCESS TOKEN of 8 or more letters and digits; ****hort is only 5 characters",
    ),
]
CONFLICTS = [
    (
        CredentialInput(
            store_hash="abc123", api_path="https://api.bigcommerce.com/stores/xyz789/v3/", access_token=TOKEN
        ),
        "conflicting store hashes: the store hash gives 'abc123' but the API path "
        "(https://api.bigcommerce.com/stores/xyz789/v3/) gives 'xyz789'; give one of them, or make them agree",
    ),
    (
        CredentialInput(credentials_file=f"ACCESS TOKEN: {TOKEN}\nAPI PATH: {API_PATH}\n", access_token=OTHER),
        "conflicting access tokens: the credentials file gives ****gp07 but the access token gives ****gp08; "
        "give one of them, or make them agree",
    ),
    (
        CredentialInput(key=f"abcdefgh1234:{TOKEN}", access_token=OTHER, store_hash="abc123"),
        "conflicting access tokens: the ClientID:AccessToken key gives ****gp07 but the access token gives ****gp08; "
        "give one of them, or make them agree",
    ),
    (
        CredentialInput(credentials_file=f"ACCESS TOKEN: {TOKEN}\nAPI PATH: {API_PATH}\n", store_hash="zzz999"),
        "conflicting store hashes: the store hash gives 'zzz999' but the credentials file "
        f"(API PATH {API_PATH}) gives 'abc123'; give one of them, or make them agree",
    ),
]


@pytest.mark.parametrize(("text", "message"), STORE_HASHES)
def test_malformed_store_hashes(text: str, message: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        parse_store_hash(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(("text", "message"), KEYS)
def test_malformed_keys(text: str, message: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        parse_key(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(("text", "message"), FILES)
def test_credentials_files_with_missing_or_wrong_lines(text: str, message: str) -> None:
    with pytest.raises(CredentialsError) as raised:
        parse_credentials_file(text)
    assert str(raised.value) == message
    assert TOKEN not in str(raised.value) and OTHER not in str(raised.value)


@pytest.mark.parametrize(("given_input", "message"), CONFLICTS)
def test_conflicting_credentials(given_input: CredentialInput, message: str) -> None:
    with pytest.raises(InputError) as raised:
        resolve_credentials(given_input)
    assert str(raised.value) == message


# -- fuzzing: any text is either parsed or refused with a CredentialsError, and never echoed in full -----

SECRETISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=40)
NOISE = st.text(max_size=60)


@settings(max_examples=200, deadline=None)
@given(NOISE)
def test_any_store_hash_text_is_parsed_or_refused(text: str) -> None:
    try:
        parsed = parse_store_hash(text)
    except CredentialsError:
        return
    assert parsed.isalnum() and 3 <= len(parsed) <= 20


@settings(max_examples=200, deadline=None)
@given(SECRETISH, NOISE, SECRETISH)
def test_a_key_is_parsed_or_refused_without_echoing_its_token(client_id: str, separator: str, token: str) -> None:
    try:
        parsed = parse_key(f"{client_id}{separator}{token}")
    except CredentialsError as error:
        assert token not in str(error) and client_id not in str(error)
        return
    assert parsed == (client_id, token) or ":" in separator


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["ACCESS TOKEN", "API PATH", "CLIENT ID", "CLIENT SECRET", "NAME", "junk"])),
    SECRETISH,
    NOISE,
)
def test_a_credentials_file_with_any_lines_is_parsed_or_refused(labels: list[str], token: str, noise: str) -> None:
    assume(token not in noise)  # the client ID (noise here) is not a secret and may be shown
    values = {"ACCESS TOKEN": token, "API PATH": API_PATH, "CLIENT SECRET": token[::-1]}
    text = "\n".join(f"{label}: {values.get(label, noise)}" for label in labels)
    try:
        parsed = parse_credentials_file(text)
    except CredentialsError as error:
        assert token not in str(error) and token[::-1] not in str(error)
        return
    assert parsed.access_token == token and parsed.store_hash == "abc123"
    assert token not in repr(parsed)

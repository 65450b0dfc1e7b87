"""Credentials in every form people paste them, and clear refusals that never show a whole secret."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.bigcommerce import (
    CredentialsError,
    mask,
    parse_api_path,
    parse_credentials_file,
    parse_key,
    parse_store_hash,
    parse_store_url,
)

ALNUM_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
ALNUM = ALNUM_LOWER + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

hashes = st.text(alphabet=ALNUM_LOWER, min_size=3, max_size=20)
secrets = st.text(alphabet=ALNUM, min_size=24, max_size=64)
spaces = st.text(alphabet=" \t", max_size=3)
schemes = st.sampled_from(["https://", "http://", "", "HTTPS://"])
case: st.SearchStrategy[Callable[[str], str]] = st.sampled_from([str.upper, str.lower, str.title, str.strip])

SAMPLE_FILE = """ACCESS TOKEN: cc4corno7j5xoisu07d1ixn4q28gp07
CLIENT NAME: Store BC
CLIENT ID: 63a9wg0iclgt0tm82bofravzgvkt13f
CLIENT SECRET: 3e81b040a6087b5885b988922dc12a8400b7a52a71fa148c6caff31774ac2131
NAME: Store BC
API PATH: https://api.bigcommerce.com/stores/w5z5htrnkd/v3/
"""


def test_the_downloaded_file_from_the_seed_document() -> None:
    parsed = parse_credentials_file(SAMPLE_FILE)
    assert parsed.store_hash == "w5z5htrnkd"
    assert parsed.access_token == "cc4corno7j5xoisu07d1ixn4q28gp07"
    assert parsed.client_id == "63a9wg0iclgt0tm82bofravzgvkt13f"
    assert parsed.client_secret is not None and parsed.client_secret.startswith("3e81b0")
    assert parsed.client_name == "Store BC" and parsed.name == "Store BC"
    assert parsed.api_path == "https://api.bigcommerce.com/stores/w5z5htrnkd/v3/"
    assert "cc4corno7j5xoisu07d1ixn4q28gp07" not in repr(parsed)


def test_the_key_from_the_seed_document() -> None:
    assert parse_key("63a9wg0iclgt0tm82bofravzgvkt13f:cc4corno7j5xoisu07d1ixn4q28gp07") == (
        "63a9wg0iclgt0tm82bofravzgvkt13f",
        "cc4corno7j5xoisu07d1ixn4q28gp07",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://api.bigcommerce.com/stores/abc123/v3/", "abc123"),
        ("https://api.bigcommerce.com/stores/abc123/v3", "abc123"),
        ("https://api.bigcommerce.com/stores/abc123/v2/orders", "abc123"),
        ("api.bigcommerce.com/stores/ABC123/", "abc123"),
        ("  https://api.bigcommerce.com/stores/g5cd38  ", "g5cd38"),
    ],
)
def test_api_paths(text: str, expected: str) -> None:
    assert parse_api_path(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://store-123456789.mybigcommerce.com/", "123456789"),
        ("https://store-abc123.mybigcommerce.com/manage/orders?x=1", "abc123"),
        ("store-z4zn3wo.mybigcommerce.com", "z4zn3wo"),
        ("http://STORE-ABC123.MyBigCommerce.com/manage/dashboard", "abc123"),
    ],
)
def test_store_urls(text: str, expected: str) -> None:
    assert parse_store_url(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("https://example.com/stores/abc123/v3/", "expected an API path"),
        ("https://api.bigcommerce.com/abc123/v3/", "expected an API path"),
        ("https://api.bigcommerce.com/stores/ab/v3/", "3–20 letters and digits"),
        ("https://api.bigcommerce.com/stores/abc_123/v3/", "got 'https://api.bigcommerce.com/stores/abc_123/v3/'"),
    ],
)
def test_malformed_api_paths(text: str, fragment: str) -> None:
    with pytest.raises(CredentialsError, match=fragment):
        parse_api_path(text)


@pytest.mark.parametrize(
    "text", ["https://abc123.mybigcommerce.com/", "https://store-abc123.example.com", "https://mystore.com/manage", ""]
)
def test_malformed_store_urls(text: str) -> None:
    with pytest.raises(CredentialsError, match="expected a store URL"):
        parse_store_url(text)


def test_store_hash_accepts_every_form() -> None:
    assert parse_store_hash("abc123") == "abc123"
    assert parse_store_hash(" ABC123 ") == "abc123"
    assert parse_store_hash("https://api.bigcommerce.com/stores/abc123/v3/") == "abc123"
    assert parse_store_hash("https://store-abc123.mybigcommerce.com/manage") == "abc123"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "got an empty value"),
        ("abc 123", "got 'abc 123'"),
        ("https://shop.example.com", "got 'https://shop.example.com'"),
        ("ab", "3–20 letters and digits"),
    ],
)
def test_malformed_store_hashes(text: str, fragment: str) -> None:
    with pytest.raises(CredentialsError, match=fragment):
        parse_store_hash(text)


def test_a_token_pasted_as_the_store_hash_is_masked_in_the_message() -> None:
    token = "cc4corno7j5xoisu07d1ixn4q28gp07"
    with pytest.raises(CredentialsError) as caught:
        parse_store_hash(token)
    assert token not in str(caught.value)
    assert "****gp07" in str(caught.value) and "looks like a token" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("justonevalue1234567890", "got 1 part"),
        ("a:b:c", "got 3 part"),
        ("63a9wg0iclgt0tm82bofravzgvkt13f:", "an access token of 8 or more letters and digits; it is empty"),
        ("short:cc4corno7j5xoisu07d1ixn4q28gp07", "a client ID of 8 or more"),
        ("63a9wg0iclgt0tm82bofravzgvkt13f:bad token with spaces 123", "has spaces or symbols"),
    ],
)
def test_malformed_keys(text: str, fragment: str) -> None:
    with pytest.raises(CredentialsError, match=fragment):
        parse_key(text)


def test_malformed_files() -> None:
    with pytest.raises(CredentialsError, match="missing ACCESS TOKEN and API PATH"):
        parse_credentials_file("hello\nworld")
    with pytest.raises(CredentialsError, match=r"missing API PATH \(labels found: ACCESS TOKEN, CLIENT ID\)"):
        parse_credentials_file(
            "ACCESS TOKEN: cc4corno7j5xoisu07d1ixn4q28gp07\nCLIENT ID: 63a9wg0iclgt0tm82bofravzgvkt13f"
        )
    with pytest.raises(CredentialsError, match="API PATH is malformed"):
        parse_credentials_file("ACCESS TOKEN: cc4corno7j5xoisu07d1ixn4q28gp07\nAPI PATH: https://example.com/x")
    with pytest.raises(CredentialsError, match="twice with different values") as caught:
        parse_credentials_file(SAMPLE_FILE + "ACCESS TOKEN: zzzzzzzzzzzzzzzzzzzzzzzzzzzz9999\n")
    assert "cc4corno7j5xoisu07d1ixn4q28gp07" not in str(caught.value)
    assert "****gp07" in str(caught.value) and "****9999" in str(caught.value)


def test_mask() -> None:
    assert mask("cc4corno7j5xoisu07d1ixn4q28gp07") == "****gp07"
    assert mask("abc") == "****"


@given(store_hash=hashes, scheme=schemes, version=st.sampled_from(["v3", "v2", "v3/", "v3/catalog/products"]))
def test_any_api_path_gives_its_hash(store_hash: str, scheme: str, version: str) -> None:
    text = f"{scheme}api.bigcommerce.com/stores/{store_hash}/{version}"
    assert parse_api_path(text) == store_hash
    assert parse_store_hash(text) == store_hash


@given(store_hash=hashes, scheme=schemes, path=st.sampled_from(["", "/", "/manage", "/manage/orders/12?a=b#c"]))
def test_any_store_url_gives_its_hash(store_hash: str, scheme: str, path: str) -> None:
    text = f"{scheme}store-{store_hash}.mybigcommerce.com{path}"
    assert parse_store_url(text) == store_hash
    assert parse_store_hash(text.upper() if scheme else text) == store_hash


@given(client_id=secrets, token=secrets, before=spaces, after=spaces)
def test_any_key_round_trips(client_id: str, token: str, before: str, after: str) -> None:
    assert parse_key(f"{before}{client_id}{after}:{before}{token}{after}") == (client_id, token)


@given(
    store_hash=hashes,
    token=secrets,
    client_id=secrets,
    client_secret=secrets,
    order=st.permutations(range(6)),
    label_case=case,
    gap=spaces,
    separator=st.sampled_from([" ", "_", "  ", "-"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_any_credentials_file_layout_parses(
    store_hash: str,
    token: str,
    client_id: str,
    client_secret: str,
    order: list[int],
    label_case: Callable[[str], str],
    gap: str,
    separator: str,
    newline: str,
) -> None:
    lines = [
        ("ACCESS TOKEN", token),
        ("CLIENT NAME", "My App"),
        ("CLIENT ID", client_id),
        ("CLIENT SECRET", client_secret),
        ("NAME", "My App"),
        ("API PATH", f"https://api.bigcommerce.com/stores/{store_hash}/v3/"),
    ]
    text = newline.join(
        f"{gap}{label_case(lines[index][0]).replace(' ', separator)}{gap}:{gap}{lines[index][1]}{gap}"
        for index in order
    )
    parsed = parse_credentials_file("\ufeff" + text + newline)
    assert (parsed.store_hash, parsed.access_token, parsed.client_id, parsed.client_secret) == (
        store_hash,
        token,
        client_id,
        client_secret,
    )
    assert parsed.client_name == "My App" and parsed.name == "My App"


@given(text=st.text(max_size=60))
def test_arbitrary_text_either_parses_or_raises_a_credentials_error(text: str) -> None:
    for parser in (parse_api_path, parse_store_url, parse_store_hash, parse_key, parse_credentials_file):
        try:
            parser(text)
        except CredentialsError as error:
            assert isinstance(error, ValueError)
            assert "expected" in str(error) or "twice" in str(error)


@given(token=secrets)
def test_refusals_never_show_a_whole_secret(token: str) -> None:
    attempts = [
        lambda: parse_store_hash(token),
        lambda: parse_key(token),
        lambda: parse_key(f"{token}:x y"),
        lambda: parse_key(f"short:{token}:{token}"),
        lambda: parse_credentials_file(f"ACCESS TOKEN: {token}\nAPI PATH: nowhere"),
        lambda: parse_credentials_file(f"ACCESS TOKEN: {token}\nACCESS TOKEN: other{token}"),
    ]
    for attempt in attempts:
        with pytest.raises(CredentialsError) as caught:
            attempt()
        assert token not in str(caught.value)

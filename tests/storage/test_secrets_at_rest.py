"""Tokens and client secrets are encrypted at rest; the key file; key rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bchub.app import Hub
from bchub.domain.connections import Role
from bchub.errors import SecretKeyError
from bchub.settings import Settings
from bchub.storage.secrets import KeySource, generate_key, parse_keys
from bchub.sync.connections import CredentialInput, NewConnection
from tests.support.hub import make_settings

TOKEN = "cc4corno7j5xoisu07d1ixn4q28gp07"
CLIENT_SECRET = "3e81b040a6087b5885b988922dc12a8400b7a52a71fa148c6caff31774ac2131"


def add(hub: Hub, name: str = "main", token: str = TOKEN) -> None:
    hub.connections.add(
        NewConnection(
            Role.MERCHANT,
            CredentialInput(store_hash="abc123", access_token=token, client_secret=CLIENT_SECRET),
            name=name,
        )
    )


def database_bytes(settings: Settings) -> bytes:
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_the_raw_database_file_holds_no_secret(hub: Hub, hub_settings: Settings) -> None:
    add(hub)
    hub.close()
    raw = database_bytes(hub_settings)
    assert b"abc123" in raw  # the file is the database we wrote to
    assert TOKEN.encode() not in raw
    assert CLIENT_SECRET.encode() not in raw
    assert TOKEN[:12].encode() not in raw


def test_secrets_read_back_decrypted(hub: Hub) -> None:
    add(hub)
    stored = hub.connections.get("main")
    assert stored.access_token is not None and stored.access_token.reveal() == TOKEN
    assert stored.client_secret is not None and stored.client_secret.reveal() == CLIENT_SECRET
    assert str(stored.access_token) == "****gp07"


def test_key_file_is_created_on_first_use_with_mode_0600(hub: Hub, hub_settings: Settings) -> None:
    key_file = hub_settings.key_file
    assert not key_file.exists()  # opening the hub and listing need no key
    assert hub.connections.all() == []
    add(hub)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) & 0o077 == 0
    Fernet(key_file.read_text().strip().encode())  # a valid key


def test_environment_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    key = generate_key()
    settings = make_settings(tmp_path, secret_key=key)
    with Hub(settings) as hub:
        add(hub)
        assert not settings.key_file.exists()
        token = hub.connections.get("main").access_token
        assert token is not None
        assert token.reveal() == TOKEN
    with Hub(make_settings(tmp_path, secret_key=generate_key())) as other:
        stored = other.connections.get("main")  # listing works with the wrong key ...
        assert str(stored.access_token) == "****gp07"
        with pytest.raises(SecretKeyError, match="the key changed") as caught:
            assert stored.access_token is not None
            stored.access_token.reveal()  # ... decrypting does not, and says why
        assert key not in str(caught.value)


def test_lost_key_file_is_not_silently_replaced(hub: Hub, hub_settings: Settings) -> None:
    add(hub)
    hub_settings.key_file.unlink()
    with Hub(hub_settings) as reopened, pytest.raises(SecretKeyError, match=r"key file .* is missing"):
        token = reopened.connections.get("main").access_token
        assert token is not None
        token.reveal()
    assert not hub_settings.key_file.exists()


def test_malformed_keys_are_refused_without_echoing_them() -> None:
    with pytest.raises(SecretKeyError, match="key 2 of 2 is not a Fernet key") as caught:
        parse_keys(f"{generate_key()},not-a-key-at-all-0123456789", "BCHUB_SECRET_KEY")
    assert "not-a-key-at-all" not in str(caught.value)
    with pytest.raises(SecretKeyError, match="holds no key"):
        parse_keys("  ", "BCHUB_SECRET_KEY")


def test_rotating_the_key_file_reencrypts_everything(hub: Hub, hub_settings: Settings) -> None:
    add(hub, "one")
    add(hub, "two", token="zz9corno7j5xoisu07d1ixn4q28abcd")
    old_key = hub_settings.key_file.read_text().strip()
    before = database_bytes(hub_settings)

    result = hub.rotate_secret_key()

    assert result.reencrypted == 4  # two tokens, two client secrets
    new_key = hub_settings.key_file.read_text().strip()
    assert new_key != old_key and "\n" not in new_key  # the old key is gone from the file
    assert stat.S_IMODE(hub_settings.key_file.stat().st_mode) == 0o600
    token = hub.connections.get("two").access_token
    assert token is not None and token.reveal() == "zz9corno7j5xoisu07d1ixn4q28abcd"
    assert database_bytes(hub_settings) != before
    # the old key alone no longer decrypts anything
    with Hub(make_settings(Path(str(hub_settings.data_dir.parent)), secret_key=old_key)) as stale:
        stale_token = stale.connections.get("one").access_token
        assert stale_token is not None
        with pytest.raises(SecretKeyError):
            stale_token.reveal()


def test_rotating_with_environment_keys(tmp_path: Path) -> None:
    old, new = generate_key(), generate_key()
    with Hub(make_settings(tmp_path, secret_key=old)) as hub:
        add(hub)
    with Hub(make_settings(tmp_path, secret_key=old)) as hub, pytest.raises(SecretKeyError, match="nothing to rotate"):
        hub.rotate_secret_key()
    with Hub(make_settings(tmp_path, secret_key=f"{new},{old}")) as hub:
        assert hub.rotate_secret_key().reencrypted == 2
    with Hub(make_settings(tmp_path, secret_key=new)) as hub:
        token = hub.connections.get("main").access_token
        assert token is not None and token.reveal() == TOKEN


def test_key_file_with_loose_permissions_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key_file = tmp_path / "secret.key"
    key_file.write_text(generate_key() + "\n")
    key_file.chmod(0o644)
    KeySource(key_file).load(may_create=False)
    assert "readable by others" in caplog.text

"""Encryption at rest: Fernet keys from ``BCHUB_SECRET_KEY`` or a 0600 key file, and key rotation.

Keys are a list, newest first (``MultiFernet``): the first encrypts, every one decrypts. That lets
rotation be crash-safe: the key file first gains the new key in front of the old ones, then every
stored secret is re-encrypted in one transaction, and only then are the old keys dropped. At each
step the file on disk can decrypt everything the database holds.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, Table, select, update
from sqlalchemy.orm import Session, sessionmaker

from bchub.errors import SecretKeyError
from bchub.storage.tables import ENCRYPTED_COLUMNS

log = logging.getLogger(__name__)

KEY_ENV = "BCHUB_SECRET_KEY"
_SPLIT = re.compile(r"[\s,]+")
_GENERATE_HINT = "generate one with `bchub secrets generate-key`"


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str, source: str) -> list[bytes]:
    """Fernet keys separated by commas or whitespace, newest first. Never echoes a key back."""
    raw = [piece for piece in _SPLIT.split(text.strip()) if piece]
    if not raw:
        raise SecretKeyError(f"{source} holds no key; {_GENERATE_HINT}")
    keys: list[bytes] = []
    for position, piece in enumerate(raw, start=1):
        try:
            Fernet(piece.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise SecretKeyError(
                f"{source}: key {position} of {len(raw)} is not a Fernet key "
                f"(44 characters of URL-safe base64, {len(piece)} given); {_GENERATE_HINT}"
            ) from None
        keys.append(piece.encode("ascii"))
    return keys


class SecretBox:
    """Encrypts and decrypts strings with the newest key; decrypts with any."""

    def __init__(self, keys: list[bytes], source: str) -> None:
        self.keys = keys
        self.source = source
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, what: str = "a stored secret") -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(
                f"cannot decrypt {what} with the secret key from {self.source}: the key changed since it was "
                f"stored. Restore the previous key (keep it listed after the new one in {KEY_ENV} while rotating), "
                "or add the credentials again"
            ) from None

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted with the newest key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(
                f"cannot re-encrypt a stored secret: none of the keys from {self.source} decrypts it"
            ) from None


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a 0600 file holding ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


@dataclass
class KeySource:
    """Where the keys live: the environment (``env_keys``) wins over the key file."""

    key_file: Path
    env_keys: str | None = None

    @property
    def from_env(self) -> bool:
        return bool(self.env_keys and self.env_keys.strip())

    @property
    def description(self) -> str:
        return KEY_ENV if self.from_env else f"the key file {self.key_file}"

    def load(self, *, may_create: bool) -> SecretBox:
        """The keys, creating the key file (mode 0600) on first use when ``may_create``.

        ``may_create`` is False once secrets are stored: a missing key file then means the key was
        lost or moved, and a fresh one would silently make every stored secret unreadable.
        """
        if self.from_env:
            assert self.env_keys is not None
            return SecretBox(parse_keys(self.env_keys, KEY_ENV), KEY_ENV)
        if not self.key_file.exists():
            if not may_create:
                raise SecretKeyError(
                    f"secrets are stored in the database but the key file {self.key_file} is missing; "
                    f"restore it or set {KEY_ENV} to the key that encrypted them"
                )
            self._create()
        return SecretBox(self._read(), self.description)

    def _create(self) -> None:
        self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process created it first; use theirs
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(generate_key() + "\n")
        log.info("created the secret key file %s (mode 0600); back it up with the database", self.key_file)

    def _read(self) -> list[bytes]:
        mode = stat.S_IMODE(self.key_file.stat().st_mode)
        if mode & 0o077:
            log.warning(
                "the secret key file %s is readable by others (mode %o); run chmod 600 on it", self.key_file, mode
            )
        try:
            text = self.key_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretKeyError(f"cannot read the key file {self.key_file}: {exc}") from None
        return parse_keys(text, f"the key file {self.key_file}")

    def write(self, keys: list[bytes]) -> None:
        _write_private(self.key_file, "".join(key.decode("ascii") + "\n" for key in keys))


def _columns() -> list[tuple[Table, Column[Any], Column[Any]]]:
    found: list[tuple[Table, Column[Any], Column[Any]]] = []
    for table, column in ENCRYPTED_COLUMNS:
        core = cast(Table, table.__table__)
        found.append((core, core.c["id"], core.c[column]))
    return found


def has_encrypted_secrets(session: Session) -> bool:
    for _, _, value in _columns():
        if session.execute(select(value).where(value.is_not(None)).limit(1)).first() is not None:
            return True
    return False


def reencrypt_all(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored secret with the box's newest key; the count of values rewritten."""
    count = 0
    for table, key, value in _columns():
        rows = session.execute(select(key, value).where(value.is_not(None))).all()
        for row_id, token in rows:
            session.execute(update(table).where(key == row_id).values({value.key: box.rotate(token)}))
            count += 1
    return count


@dataclass(frozen=True)
class RotationResult:
    reencrypted: int
    source: str
    keys_in_use: int


def rotate_key(sessions: sessionmaker[Session], source: KeySource) -> RotationResult:
    """Encrypt every stored secret with a new key (key file) or with the first of ``BCHUB_SECRET_KEY``.

    With the key file, a new key is generated and the old ones are dropped once everything is
    re-encrypted. With ``BCHUB_SECRET_KEY`` the operator supplies the new key first and the old
    one(s) after it; after rotation only the first is needed.
    """
    if source.from_env:
        box = source.load(may_create=False)
        if len(box.keys) < 2:
            raise SecretKeyError(
                f"{KEY_ENV} holds one key, so there is nothing to rotate to. Set {KEY_ENV}='<new key>,<current key>' "
                f"({_GENERATE_HINT}), run rotate-key again, then keep only the new key"
            )
        with sessions.begin() as session:
            count = reencrypt_all(session, box)
        return RotationResult(count, KEY_ENV, 1)
    with sessions() as session:
        stored = has_encrypted_secrets(session)
    old = source.load(may_create=not stored).keys
    new = Fernet.generate_key()
    source.write([new, *old])  # step 1: both keys decrypt, so a crash here loses nothing
    box = SecretBox([new, *old], source.description)
    with sessions.begin() as session:
        count = reencrypt_all(session, box)  # step 2: one transaction
    source.write([new])  # step 3: the old keys are no longer needed
    return RotationResult(count, source.description, 1)

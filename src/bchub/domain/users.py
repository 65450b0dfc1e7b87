"""People who log in to the console, and the API tokens scripts use: plain data and rules, no I/O.

Usernames are case-insensitive (stored lower-case). Passwords follow NIST SP 800-63B: at least 8
characters, no composition rules, a generous upper bound (hashing a megabyte on every login is a
denial of service), and never the username itself. API tokens are shown once; the hub keeps only a
hash of each and a short prefix so a person can tell them apart in a list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bchub.errors import InputError

USERNAME_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
TOKEN_NAME_MAX = 100
TOKEN_PREFIX = "bchub_"  # every token starts with it, so a leaked one is easy to search for
TOKEN_SHOWN_CHARS = 10  # what a list shows: the prefix and four characters, e.g. bchub_Ab3x
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]*$")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created_at: datetime
    last_login_at: datetime | None = None


class TokenState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ApiToken:
    """A stored API token: never its value, only the first characters (``shown``)."""

    id: int
    name: str
    shown: str  # e.g. bchub_Ab3x
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    def usable(self, now: datetime) -> bool:
        return self.state(now) is TokenState.ACTIVE


def validate_username(raw: str) -> str:
    """Lower-case letters, digits and ``. _ @ + -`` (an email address works), 1–64 characters."""
    name = unicodedata.normalize("NFKC", raw).strip().lower()
    if not name:
        raise InputError("a username cannot be empty, e.g. 'alice' or 'alice@example.com'")
    if len(name) > USERNAME_MAX:
        raise InputError(f"a username is at most {USERNAME_MAX} characters; got {len(name)}")
    if not _USERNAME.match(name):
        raise InputError(
            f"a username uses letters, digits and . _ @ + - and starts with a letter or digit; got {name!r}"
        )
    return name


def validate_password(password: str, username: str) -> str:
    """The password as given (never trimmed: spaces may be part of it), if it is acceptable."""
    if len(password) < PASSWORD_MIN:
        raise InputError(f"a password needs at least {PASSWORD_MIN} characters; this one has {len(password)}")
    if len(password) > PASSWORD_MAX:
        raise InputError(f"a password is at most {PASSWORD_MAX} characters")
    if password.strip().lower() == username.lower():
        raise InputError("the password cannot be the username")
    return password


def validate_token_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InputError("an API token needs a name saying who uses it, e.g. 'ci' or 'erp-sync'")
    if len(name) > TOKEN_NAME_MAX:
        raise InputError(f"a token name is at most {TOKEN_NAME_MAX} characters; got {len(name)}")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InputError("a token name cannot contain control characters")
    return name


def shown_part(token: str) -> str:
    """The part of a token that lists may show: its prefix and four characters."""
    return token[:TOKEN_SHOWN_CHARS]

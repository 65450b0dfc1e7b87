"""Who may use the hub: console users (argon2id passwords) and API tokens (shown once, stored hashed).

The CLI (``bchub users``, ``bchub tokens``), the console login and the API's auth dependency call
these services and nothing below them. A failed login says the same thing whether the username
exists or not, and spends the same argon2 work either way, so neither the answer nor its timing
tells which usernames exist.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session, sessionmaker

from bchub.domain.users import (
    TOKEN_PREFIX,
    ApiToken,
    User,
    shown_part,
    validate_password,
    validate_token_name,
    validate_username,
)
from bchub.errors import AuthorizationError, InputError
from bchub.storage.auth_repository import StoredLogin, TokenRepository, UserRepository
from bchub.storage.repositories import utc_now

log = logging.getLogger(__name__)

WRONG_LOGIN = "wrong username or password"
TOKEN_BYTES = 32  # 256 bits of randomness per API token
TOUCH_EVERY = timedelta(minutes=1)  # how stale a token's "last used" may get (saves a write per request)
TOKEN_DAYS_MAX = 3650


def token_hash(value: str) -> str:
    """How a token is stored and looked up. It is 256 random bits, so SHA-256 needs no salt or stretching."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def session_key(password_hash: str) -> str:
    """Ties a console session to the password it was opened with: a new password ends every session."""
    return hashlib.sha256(b"bchub-console-session:" + password_hash.encode("ascii")).hexdigest()[:32]


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_key: str


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    value: str  # the only time the token's value exists outside its holder's hands

    def __repr__(self) -> str:
        return f"NewToken(token={self.token!r}, value='{self.token.shown}…')"


class LoginThrottle:
    """At most ``limit`` failed logins per username in ``window``; then the username waits.

    Kept in memory per process: it slows password guessing through one server without a table or
    a lock that could shut the rightful user out for longer than the window.
    """

    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=15), max_names: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self._max_names = max_names
        self._failures: dict[str, list[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, username: str, now: datetime) -> list[datetime]:
        recent = [moment for moment in self._failures.get(username, []) if now - moment < self.window]
        if recent:
            self._failures[username] = recent
        else:
            self._failures.pop(username, None)
        return recent

    def check(self, username: str, now: datetime) -> None:
        with self._lock:
            recent = self._recent(username, now)
        if len(recent) >= self.limit:
            wait = max(1, int((recent[0] + self.window - now).total_seconds() // 60) + 1)
            raise AuthorizationError(
                f"too many failed logins for {username!r}; try again in {wait} minute{'s' if wait > 1 else ''} "
                f"(or set a new password with `bchub users passwd {username}`)"
            )

    def failed(self, username: str, now: datetime) -> None:
        with self._lock:
            if len(self._failures) >= self._max_names and username not in self._failures:
                self._failures.pop(next(iter(self._failures)))  # forget the oldest name, not the newest
            self._failures.setdefault(username, []).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)


class UserService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        now: Callable[[], datetime] = utc_now,
        hasher: PasswordHasher | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._sessions = sessions
        self._now = now
        self._hasher = hasher or PasswordHasher()  # argon2id with RFC 9106's low-memory parameters
        self._throttle = throttle or LoginThrottle()
        self._dummy_hash: str | None = None

    @contextmanager
    def _repository(self) -> Iterator[UserRepository]:
        with self._sessions.begin() as session:
            yield UserRepository(session, self._now)

    def all(self) -> list[User]:
        with self._repository() as repository:
            return repository.all()

    def count(self) -> int:
        with self._repository() as repository:
            return repository.count()

    def add(self, username: str, password: str) -> User:
        name = validate_username(username)
        hashed = self._hasher.hash(validate_password(password, name))
        with self._repository() as repository:
            user = repository.add(name, hashed)
        log.info("added user %r", user.username)
        return user

    def set_password(self, username: str, password: str) -> User:
        name = validate_username(username)
        hashed = self._hasher.hash(validate_password(password, name))
        with self._repository() as repository:
            user = repository.set_password_hash(name, hashed)
        self._throttle.succeeded(name)
        log.info("changed the password of user %r; their console sessions have ended", user.username)
        return user

    def remove(self, username: str) -> User:
        with self._repository() as repository:
            user = repository.delete(validate_username(username))
        log.info("removed user %r", user.username)
        return user

    # -- logging in -----------------------------------------------------------------------------
    def _verify(self, stored: StoredLogin | None, password: str) -> bool:
        if stored is None:
            # same work as a real check, so response time does not reveal whether the user exists
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
            target = self._dummy_hash
        else:
            target = stored.password_hash
        try:
            matched = self._hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored is not None and matched

    def authenticate(self, username: str, password: str) -> SignedIn:
        """The user, if the password is theirs; ``AuthorizationError`` (one message for every failure) if not."""
        try:
            name = validate_username(username)
        except InputError:
            raise AuthorizationError(WRONG_LOGIN) from None
        now = self._now()
        self._throttle.check(name, now)
        with self._repository() as repository:
            stored = repository.login(name)
        if len(password) > 4096 or not self._verify(stored, password):
            self._throttle.failed(name, now)
            log.warning("failed console login for %r", name)
            raise AuthorizationError(WRONG_LOGIN)
        assert stored is not None
        self._throttle.succeeded(name)
        password_hash = stored.password_hash
        with self._repository() as repository:
            repository.record_login(stored.user.id)
            if self._hasher.check_needs_rehash(password_hash):
                password_hash = self._hasher.hash(password)
                repository.set_password_hash(name, password_hash)
        log.info("user %r logged in to the console", name)
        return SignedIn(stored.user, session_key(password_hash))

    def session_user(self, user_id: int, key: str) -> User | None:
        """The user a console session belongs to, unless the user is gone or the password changed since."""
        with self._repository() as repository:
            stored = repository.login_by_id(user_id)
        if stored is None or not hmac.compare_digest(session_key(stored.password_hash), key):
            return None
        return stored.user


class ApiTokenService:
    def __init__(self, sessions: sessionmaker[Session], *, now: Callable[[], datetime] = utc_now) -> None:
        self._sessions = sessions
        self._now = now

    @contextmanager
    def _repository(self) -> Iterator[TokenRepository]:
        with self._sessions.begin() as session:
            yield TokenRepository(session, self._now)

    def all(self) -> list[ApiToken]:
        with self._repository() as repository:
            return repository.all()

    def create(self, name: str, *, expires_in_days: int | None = None) -> NewToken:
        chosen = validate_token_name(name)
        if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_DAYS_MAX:
            raise InputError(f"a token expires after 1 to {TOKEN_DAYS_MAX} days; got {expires_in_days}")
        value = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = self._now() + timedelta(days=expires_in_days) if expires_in_days is not None else None
        with self._repository() as repository:
            token = repository.add(chosen, token_hash(value), shown_part(value), expires_at)
        log.info("created API token %r (%s…)", token.name, token.shown)
        return NewToken(token, value)

    def revoke(self, reference: str) -> ApiToken:
        with self._repository() as repository:
            token = repository.revoke(repository.find(reference).id)
        log.info("revoked API token %r (%s…)", token.name, token.shown)
        return token

    def authenticate(self, value: str) -> ApiToken | None:
        """The token a bearer value belongs to, if it is active; records when it was last used."""
        if not value.startswith(TOKEN_PREFIX):
            return None
        now = self._now()
        with self._repository() as repository:
            token = repository.by_hash(token_hash(value))
            if token is None or not token.usable(now):
                return None
            if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
                repository.touch(token.id, now)
        return token

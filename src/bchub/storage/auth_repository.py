"""Users and API tokens in, domain objects out. Hashes are stored and compared here, never returned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bchub.domain.users import ApiToken, User
from bchub.errors import ConflictError, NotFoundError
from bchub.storage.auth_tables import ApiTokenRow, UserRow
from bchub.storage.repositories import utc_now


@dataclass(frozen=True)
class StoredLogin:
    """A user with the password hash a login is checked against."""

    user: User
    password_hash: str


def _user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, created_at=row.created_at, last_login_at=row.last_login_at)


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        shown=row.shown,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class UserRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    def _row(self, username: str) -> UserRow:
        row = self.session.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            raise NotFoundError(f"no user named {username!r} (users: {', '.join(self.usernames()) or 'none yet'})")
        return row

    def usernames(self) -> list[str]:
        return list(self.session.scalars(select(UserRow.username).order_by(UserRow.username)))

    def all(self) -> list[User]:
        return [_user(row) for row in self.session.scalars(select(UserRow).order_by(UserRow.username))]

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def login(self, username: str) -> StoredLogin | None:
        row = self.session.scalars(select(UserRow).where(UserRow.username == username)).first()
        return None if row is None else StoredLogin(_user(row), row.password_hash)

    def login_by_id(self, user_id: int) -> StoredLogin | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else StoredLogin(_user(row), row.password_hash)

    def add(self, username: str, password_hash: str) -> User:
        if self.session.scalars(select(UserRow.id).where(UserRow.username == username)).first() is not None:
            raise ConflictError(
                f"a user named {username!r} already exists; change its password with `bchub users passwd`"
            )
        now = self._now()
        row = UserRow(username=username, password_hash=password_hash, created_at=now, updated_at=now)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise ConflictError(f"a user named {username!r} already exists") from None
        return _user(row)

    def set_password_hash(self, username: str, password_hash: str) -> User:
        row = self._row(username)
        row.password_hash = password_hash
        row.updated_at = self._now()
        self.session.flush()
        return _user(row)

    def record_login(self, user_id: int) -> None:
        row = self.session.get(UserRow, user_id)
        if row is not None:
            row.last_login_at = self._now()

    def delete(self, username: str) -> User:
        row = self._row(username)
        user = _user(row)
        self.session.delete(row)
        self.session.flush()
        return user


class TokenRepository:
    def __init__(self, session: Session, now: Callable[[], datetime] = utc_now) -> None:
        self.session = session
        self._now = now

    def all(self) -> list[ApiToken]:
        return [_token(row) for row in self.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))]

    def add(self, name: str, token_hash: str, shown: str, expires_at: datetime | None) -> ApiToken:
        if self.session.scalars(select(ApiTokenRow.id).where(ApiTokenRow.name == name)).first() is not None:
            raise ConflictError(
                f"an API token named {name!r} already exists (revoked tokens keep their names for the record); "
                "choose another name"
            )
        row = ApiTokenRow(name=name, token_hash=token_hash, shown=shown, created_at=self._now(), expires_at=expires_at)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise ConflictError(f"an API token named {name!r} already exists; choose another name") from None
        return _token(row)

    def find(self, reference: str) -> ApiToken:
        """By name, or by id when no token has that name."""
        text = reference.strip()
        row = self.session.scalars(select(ApiTokenRow).where(ApiTokenRow.name == text)).first()
        if row is None and text.isdigit():
            row = self.session.get(ApiTokenRow, int(text))
        if row is None:
            names = ", ".join(token.name for token in self.all()) or "none yet; create one with `bchub tokens create`"
            raise NotFoundError(f"no API token named {text!r} (tokens: {names})")
        return _token(row)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        row = self.session.scalars(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)).first()
        return None if row is None else _token(row)

    def revoke(self, token_id: int) -> ApiToken:
        row = self.session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFoundError(f"no API token with id {token_id}")
        if row.revoked_at is None:
            row.revoked_at = self._now()
            self.session.flush()
        return _token(row)

    def touch(self, token_id: int, at: datetime) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        if row is not None:
            row.last_used_at = at

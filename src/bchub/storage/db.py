"""Engines and sessions for any SQLAlchemy URL; SQLite gets its directory, foreign keys and a busy timeout.

A database server can restart under a running hub: pooled connections are checked before use
(``pool_pre_ping``) and replaced when dead, and ``database_unavailable`` tells the job layer
which errors mean "try again once the database is back" rather than a bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bchub.errors import ConfigurationError


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).expanduser()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created (mode 0700) if missing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"BCHUB_DATABASE_URL is not a SQLAlchemy URL: {url!r} (e.g. sqlite:////path/bchub.db or postgresql+psycopg://…)"
        ) from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        # the API serves requests from a thread pool; each session still uses one connection at a time
        options["connect_args"] = {"check_same_thread": False}
        path = _sqlite_file(url)
        if not parsed.database or parsed.database == ":memory:":
            options["poolclass"] = StaticPool  # one shared connection, or each would see its own empty database
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    else:
        options["pool_pre_ping"] = True  # a connection the server dropped (a restart) is replaced, not handed out
    engine = create_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# errors of the statement itself, not of the database's availability (SQLite reports them as OperationalError)
_STATEMENT_ERRORS = ("no such table", "no such column", "syntax error", "has no column")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached or is busy now (worth trying again later)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    text = str(error.orig).lower()
    return not any(marker in text for marker in _STATEMENT_ERRORS)


def describe_unavailable(url: str, error: BaseException) -> str:
    """What a person reads when the database at ``url`` cannot be used: where (password hidden), why, what to check."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    try:
        where = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        where = "the configured database (its URL does not parse)"
    return (
        f"cannot use the database at {where}: {lines[0] if lines else type(cause).__name__}. "
        "Check database_url (BCHUB_DATABASE_URL) and that the database server is running and reachable."
    )


def database_reason(error: BaseException) -> str:
    """The driver's first line only: the statement and its parameters (customer data) stay out of job errors."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    lines = str(cause).strip().splitlines()
    return f"the hub's database was unavailable ({lines[0] if lines else type(cause).__name__})"

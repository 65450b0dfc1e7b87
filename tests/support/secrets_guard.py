"""A reusable check that no secret reaches output or logs.

Use the ``secrets_guard`` fixture (import it into a conftest.py): register every token, client
secret and key a test handles with ``guard.add(...)``, pass any output through
``guard.check(text, where)``; every log record emitted during the test is checked at teardown
(and on demand with ``guard.check_logs()``). A leak is any run of ``window`` consecutive
characters of a secret, so a masked ``****abcd`` (4 characters) passes and a half-printed token
does not. Failure messages name the secret's label and where it leaked, never the secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

DEFAULT_WINDOW = 8


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class SecretsGuard:
    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self.window = window
        self._secrets: dict[str, str] = {}
        self._handler = _Records()

    def add(self, *values: str | None, label: str = "secret") -> None:
        """Register secrets; ``None`` and empty values are ignored."""
        for value in values:
            if value:
                if len(value) < self.window:
                    raise ValueError(f"a {label} shorter than {self.window} characters cannot be checked reliably")
                self._secrets[value] = label

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)

    def leaks(self, text: str) -> list[str]:
        """Labels of the registered secrets that ``text`` shows (in full or in part)."""
        found = []
        for secret, label in self._secrets.items():
            pieces = (secret[start : start + self.window] for start in range(len(secret) - self.window + 1))
            if any(piece in text for piece in pieces):
                found.append(label)
        return found

    def check(self, text: str, where: str) -> None:
        leaked = self.leaks(text)
        if leaked:
            raise AssertionError(f"{', '.join(sorted(set(leaked)))} leaked in {where}")

    def log_text(self) -> str:
        lines = []
        for record in self._handler.records:
            lines.append(record.getMessage())
            if record.exc_info:
                lines.append(logging.Formatter().formatException(record.exc_info))
            if record.stack_info:
                lines.append(record.stack_info)
        return "\n".join(lines)

    def check_logs(self) -> None:
        self.check(self.log_text(), "the logs")

    @property
    def records(self) -> list[logging.LogRecord]:
        return list(self._handler.records)

    def forget_logs(self) -> None:
        """Drop the records captured so far (after a test that logs a secret on purpose)."""
        self._handler.records.clear()

    @property
    def handler(self) -> logging.Handler:
        return self._handler


@pytest.fixture
def secrets_guard() -> Iterator[SecretsGuard]:
    """A ``SecretsGuard`` that also records every log line at DEBUG and checks them at teardown."""
    guard = SecretsGuard()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(guard.handler)
    root.setLevel(logging.DEBUG)
    try:
        yield guard
    finally:
        root.removeHandler(guard.handler)
        root.setLevel(previous)
    guard.check_logs()

"""The hub's error tree: what a caller (job runner, CLI, API) needs to decide what to do next.

``RetryableError`` may heal by waiting, ``PermanentError`` will not, and ``SkipItem`` gives up on
one item without failing the run. The permanent subclasses below map to exit codes and HTTP
statuses in the interfaces. Messages are meant for people and never carry a secret.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error bchub raises on purpose.

    ``next_step`` is the command that moves a person on (e.g. ``bchub connections list``); the CLI
    prints it as ``Try: …``. Raisers may set it (``error.next_step = …`` works for subclasses too).
    """

    next_step: str | None = None

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if next_step is not None:
            self.next_step = next_step

    def __str__(self) -> str:
        return self.message


class RetryableError(HubError):
    """Try again after ``delay`` seconds (429, 5xx, network, a dependency not imported yet)."""

    def __init__(self, message: str, *, delay: float = 0.0, next_step: str | None = None) -> None:
        super().__init__(message, next_step=next_step)
        self.delay = delay


class DatabaseUnavailable(RetryableError):
    """The hub's own database cannot be reached (down, restarting, wrong address)."""


class PermanentError(HubError):
    """Retrying cannot help until a person changes something."""


class SkipItem(HubError):
    """One item cannot be processed; the run goes on and ends ``partial`` with this reason."""


class ConfigurationError(PermanentError):
    """Settings, the settings file or the secret key are missing or wrong."""


class SecretKeyError(ConfigurationError):
    """The secret key is missing, malformed, or cannot decrypt what is stored."""


class InputError(PermanentError):
    """Something a user gave is malformed or contradicts itself."""


class NotFoundError(PermanentError):
    """The named record does not exist."""


class ConflictError(PermanentError):
    """The change would break a uniqueness rule (e.g. a connection name already in use)."""


class AuthorizationError(PermanentError):
    """A caller failed to prove who it is (bad API token, forged or expired signed payload)."""

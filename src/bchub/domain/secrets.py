"""``Secret``: a string that shows only its last four characters unless asked for explicitly.

Access tokens and client secrets travel through the hub as ``Secret`` so that a repr, an f-string,
a log line or a JSON dump of a connection can only ever print ``****abcd``. Storage hands out
secrets whose value is decrypted on first ``reveal()``, so listing connections works (and shows
the hint) even when the secret key is wrong.
"""

from __future__ import annotations

from collections.abc import Callable

HINT_CHARS = 4


def mask(value: str) -> str:
    """``****abcd``: enough to tell two secrets apart, never enough to use one."""
    value = value.strip()
    if len(value) <= HINT_CHARS * 2:
        return "****"
    return "****" + value[-HINT_CHARS:]


class Secret:
    __slots__ = ("_load", "_value", "hint")

    def __init__(self, value: str | None = None, *, load: Callable[[], str] | None = None, hint: str | None = None):
        if (value is None) == (load is None):
            raise ValueError("give a Secret either its value or a loader, not both")
        self._value = value
        self._load = load
        self.hint = hint if hint is not None else mask(value or "")

    @classmethod
    def deferred(cls, load: Callable[[], str], hint: str) -> Secret:
        """A secret whose value comes from ``load()`` (e.g. decryption) the first time it is revealed."""
        return cls(load=load, hint=hint)

    def reveal(self) -> str:
        """The plain value, for the one place that must send it (an HTTP header, the cipher)."""
        if self._value is None:
            assert self._load is not None
            self._value = self._load()
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __format__(self, spec: str) -> str:
        return format(self.hint, spec)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable; store it encrypted")

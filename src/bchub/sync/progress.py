"""How long operations report how far they are: the CLI draws bars, the API and jobs ignore it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, task: str, total: int | None = None) -> None: ...

    def advance(self, task: str, amount: int = 1) -> None: ...


class NoProgress:
    def start(self, task: str, total: int | None = None) -> None:
        return None

    def advance(self, task: str, amount: int = 1) -> None:
        return None

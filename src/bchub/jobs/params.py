"""Reading a job's ``params`` (JSON) into the typed requests of the operations, with clear refusals."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from bchub.errors import InputError

E = TypeVar("E", bound=StrEnum)


def flag(params: dict[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise InputError(f"{name!r} must be true or false; got {value!r}")
    return value


def whole_numbers(params: dict[str, Any], name: str) -> list[int] | None:
    """A list of positive integers (one number is a list of one); None when absent."""
    value = params.get(name)
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in values):
        raise InputError(f"{name!r} must be positive whole numbers; got {value!r}")
    return list(values)


def order_ids(params: dict[str, Any]) -> list[int] | None:
    return whole_numbers(params, "store_order_ids")


def texts(params: dict[str, Any], name: str) -> list[str]:
    value = params.get(name, [])
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) and item for item in values):
        raise InputError(f"{name!r} must be a list of non-empty texts; got {value!r}")
    return list(values)


def choice(params: dict[str, Any], name: str, kind: type[E], default: E) -> E:
    value = params.get(name, default.value)
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InputError(f"{name!r} must be one of {choices}; got {value!r}") from None


def integer(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InputError(f"{name!r} must be a whole number; got {value!r}")
    return value

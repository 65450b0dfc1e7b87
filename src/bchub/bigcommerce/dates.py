"""Dates on the wire: V2 sends RFC-2822, V3 sends ISO-8601, webhooks and hooks send Unix seconds.

Everything parsed here becomes a timezone-aware UTC ``datetime``. Filters go out as full
timestamps with an explicit offset, so the store never guesses a timezone; a naive ``datetime``
is refused rather than silently read in some zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


def parse_datetime(value: object) -> datetime | None:
    """Any API date as aware UTC; ``None`` for ``None``/``""`` (V2's "not yet", e.g. ``date_shipped``).

    Accepts ``datetime`` (naive is read as UTC), Unix seconds (int, float or digit string),
    ISO-8601 (with ``Z``, an offset, or none meaning UTC) and RFC-2822. Raises ``ValueError``.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        return _from_unix(value)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return _from_unix(int(text))
    return _as_utc(_parse_text(text))


def _from_unix(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"Unix time out of range: {seconds!r}") from exc


def _parse_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"not an ISO-8601 or RFC-2822 date: {text!r}") from exc


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required for API filters, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def format_filter(value: datetime) -> str:
    """A filter value both versions accept: ISO-8601 in UTC with its offset, e.g. ``2025-01-15T00:03:17+00:00``."""
    return _require_aware(value).isoformat(timespec="seconds")


def format_v2(value: datetime) -> str:
    """RFC-2822 in UTC for V2 bodies, e.g. ``Wed, 10 Jan 2018 21:05:30 +0000``."""
    return format_datetime(_require_aware(value))


def format_v3(value: datetime) -> str:
    """ISO-8601 in UTC for V3 bodies (same form as filters)."""
    return format_filter(value)

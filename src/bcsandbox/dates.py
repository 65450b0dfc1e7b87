"""Date formats of the BigCommerce API: RFC-2822 on V2, ISO-8601 on V3, both accepted in filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from email.utils import format_datetime, parsedate_to_datetime

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso(value: datetime) -> str:
    """V3 form, e.g. ``2018-05-07T20:14:17+00:00``."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def rfc2822(value: datetime) -> str:
    """V2 form, e.g. ``Wed, 10 Jan 2018 21:05:30 +0000``."""
    return format_datetime(value.astimezone(UTC))


def parse_date(raw: str, *, now: datetime | None = None) -> datetime:
    """Parse a filter value: RFC-2822, ISO-8601 (with or without offset), a date, or Unix seconds.

    A date without a time takes the current time of day, as the catalog API documents; a
    timestamp without an offset is read as UTC. Raises ``ValueError`` on anything else.
    """
    text = raw.strip()
    if not text:
        raise ValueError("empty date")
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"not a date: {raw!r} is out of range for a Unix time") from exc
    if _DATE_ONLY.match(text):
        current = (now or datetime.now(UTC)).astimezone(UTC).timetz()
        return datetime.combine(date.fromisoformat(text), time(current.hour, current.minute, current.second), UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"not a date: {raw!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

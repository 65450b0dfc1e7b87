"""Dates from the wire: every shape the API uses parses to aware UTC; anything else is a ValueError, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bchub.bigcommerce.dates import format_filter, format_v2, format_v3, parse_datetime

WHEN = datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "Wed, 15 Jan 2025 00:03:17 +0000",
        "Tue, 14 Jan 2025 19:03:17 -0500",
        "2025-01-15T00:03:17Z",
        "2025-01-15T00:03:17+00:00",
        "2025-01-15T05:33:17+05:30",
        "1736899397",
        1736899397,
        1736899397.0,
    ],
)
def test_every_wire_shape_is_the_same_instant(text: object) -> None:
    assert parse_datetime(text) == WHEN


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yesterday", "not an ISO-8601 or RFC-2822 date: 'yesterday'"),
        ("2025-13-45T00:00:00Z", "not an ISO-8601 or RFC-2822 date: '2025-13-45T00:00:00Z'"),
        ("<html>", "not an ISO-8601 or RFC-2822 date: '<html>'"),
        (True, "not a date: True"),
        ([2025], "not a date: [2025]"),
        (10**20, "Unix time out of range: 100000000000000000000"),
    ],
)
def test_malformed_dates_are_refused_with_the_value(value: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_datetime(value)
    assert str(raised.value) == message


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_any_value_parses_to_aware_utc_or_is_refused(value: object) -> None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return
    assert parsed is None or parsed.utcoffset() == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_every_format_the_hub_writes_reads_back_as_the_same_instant(moment: datetime, offset: int) -> None:
    aware = moment.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset)))
    for text in (format_filter(aware), format_v2(aware), format_v3(aware)):
        assert parse_datetime(text) == aware

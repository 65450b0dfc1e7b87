"""V2 RFC-2822 and V3 ISO-8601 dates read as aware UTC; filters written with an explicit offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bchub.bigcommerce.dates import format_filter, format_v2, parse_datetime
from bchub.bigcommerce.models import Hook, Order

moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
    lambda value: value.replace(microsecond=0)
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(moment=moments, zone=offsets)
def test_rfc2822_in_any_offset_reads_back_as_the_same_utc_instant(moment: datetime, zone: timezone) -> None:
    parsed = parse_datetime(format_datetime(moment.astimezone(zone)))
    assert parsed == moment
    assert parsed is not None and parsed.tzinfo is UTC


@given(moment=moments, zone=offsets)
def test_iso8601_in_any_offset_reads_back_as_the_same_utc_instant(moment: datetime, zone: timezone) -> None:
    parsed = parse_datetime(moment.astimezone(zone).isoformat())
    assert parsed == moment and parsed is not None and parsed.utcoffset() == timedelta(0)


@given(moment=moments)
def test_unix_seconds_in_every_form(moment: datetime) -> None:
    seconds = int(moment.timestamp())
    assert parse_datetime(seconds) == parse_datetime(str(seconds)) == parse_datetime(float(seconds)) == moment


@given(moment=moments, zone=offsets)
def test_filters_are_full_utc_timestamps_that_round_trip(moment: datetime, zone: timezone) -> None:
    text = format_filter(moment.astimezone(zone))
    assert text.endswith("+00:00") and "T" in text
    assert parse_datetime(text) == moment
    assert parse_datetime(format_v2(moment.astimezone(zone))) == moment


@given(text=st.text(max_size=40))
def test_garbage_raises_value_error_or_parses(text: str) -> None:
    try:
        result = parse_datetime(text)
    except ValueError:
        return
    assert result is None or result.tzinfo is not None


def test_examples_from_the_docs() -> None:
    assert parse_datetime("Wed, 10 Jan 2018 21:05:30 +0000") == datetime(2018, 1, 10, 21, 5, 30, tzinfo=UTC)
    assert parse_datetime("2018-05-07T20:14:17+00:00") == datetime(2018, 5, 7, 20, 14, 17, tzinfo=UTC)
    assert parse_datetime("2017-04-20T11:32:00.000-04:00") == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)
    assert parse_datetime("Thu, 20 Apr 2017 11:32:00 -0400") == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)
    assert parse_datetime("2025-01-15T00:03:17Z") == datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC)
    assert parse_datetime("2025-01-15T00:03:17") == datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC)  # no offset: UTC
    assert parse_datetime("") is None and parse_datetime(None) is None


def test_out_of_range_unix_times_are_value_errors() -> None:
    for value in ("9223372036854775808", 10**18, float("inf")):
        with pytest.raises(ValueError, match="out of range"):
            parse_datetime(value)


def test_naive_datetimes_are_refused_for_filters() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_filter(datetime(2025, 1, 1, 12, 0))


def test_models_parse_dates_of_both_versions() -> None:
    order = Order.model_validate(
        {
            "id": 1,
            "date_created": "Tue, 05 Mar 2019 14:53:47 +0000",
            "date_modified": "Tue, 05 Mar 2019 16:53:47 +0200",
            "date_shipped": "",
        }
    )
    assert order.date_created == order.date_modified == datetime(2019, 3, 5, 14, 53, 47, tzinfo=UTC)
    assert order.date_shipped is None
    hook = Hook.model_validate(
        {"id": 1, "scope": "store/order/*", "destination": "https://x", "created_at": 1561479335}
    )
    assert hook.created_at == datetime(2019, 6, 25, 16, 15, 35, tzinfo=UTC)

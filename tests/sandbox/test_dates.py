from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bcsandbox.dates import iso, parse_date, rfc2822

moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)).map(
    lambda value: value.replace(microsecond=0)
)


@given(moments)
def test_v2_and_v3_forms_round_trip(moment: datetime) -> None:
    assert parse_date(rfc2822(moment)) == moment
    assert parse_date(iso(moment)) == moment
    assert parse_date(str(int(moment.timestamp()))) == moment


def test_examples_from_the_docs() -> None:
    assert parse_date("Thu, 20 Apr 2017 11:32:00 -0400") == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)
    assert parse_date("2017-04-20T11:32:00.000-04:00") == datetime(2017, 4, 20, 15, 32, tzinfo=UTC)
    assert parse_date("2025-01-15T00:03:17Z") == datetime(2025, 1, 15, 0, 3, 17, tzinfo=UTC)
    assert rfc2822(datetime(2018, 1, 10, 21, 5, 30, tzinfo=UTC)) == "Wed, 10 Jan 2018 21:05:30 +0000"
    assert iso(datetime(2018, 5, 7, 20, 14, 17, tzinfo=UTC)) == "2018-05-07T20:14:17+00:00"


def test_date_only_takes_the_current_time_of_day() -> None:
    now = datetime(2026, 3, 1, 8, 9, 10, tzinfo=UTC)
    assert parse_date("2025-01-15", now=now) == datetime(2025, 1, 15, 8, 9, 10, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "   ", "yesterday", "2025-13-45", "99999999999999999999", "Thu, 99 Foo"])
def test_garbage_is_a_value_error(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_date(raw)


@given(st.text(max_size=40))
def test_never_raises_anything_but_value_error(raw: str) -> None:
    with contextlib.suppress(ValueError):
        parse_date(raw)

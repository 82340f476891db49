from datetime import datetime, timedelta, timezone

import pytest

from flashdesk.model import study_day

TZ = timezone(timedelta(hours=1))


def test_day_rolls_over_at_four_in_the_morning_local_time():
    before = datetime(2026, 3, 3, 3, 59, tzinfo=TZ)
    after = datetime(2026, 3, 3, 4, 0, tzinfo=TZ)
    evening = datetime(2026, 3, 2, 23, 30, tzinfo=TZ)
    assert study_day(before) == study_day(evening)
    assert study_day(after) == study_day(evening) + 1


def test_study_day_follows_the_local_clock_not_utc():
    # 03:30 in UTC+5 is still yesterday's study day there, though 22:30 UTC
    east = datetime(2026, 3, 3, 3, 30, tzinfo=timezone(timedelta(hours=5)))
    assert study_day(east) == study_day(datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc))


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        study_day(datetime(2026, 3, 3, 12, 0))

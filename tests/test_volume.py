"""The volume anomaly check's judgement, on counts written out by hand.

The end-to-end runs (test_quality.py) run the check on real days; here each rule of the
judgement is pinned down on numbers whose verdict can be worked out on paper.
"""

from __future__ import annotations

from datetime import date, timedelta

from graduated_platform.checks.volume import day_volumes, volume_result
from landing_zone.days import DayWindow

DAY = date(2018, 9, 10)


def before(*counts: int) -> dict[date, int]:
    """Counts for the days just before DAY, nearest first."""
    return {DAY - timedelta(days=n + 1): count for n, count in enumerate(counts)}


def judged(counts: dict[date, int], rows: int) -> tuple[bool, str]:
    (volume,) = day_volumes({**counts, DAY: rows}, DayWindow(DAY, DAY + timedelta(days=1)))
    passed, description, _ = volume_result([volume])
    return passed, description


def test_a_day_within_half_to_twice_the_median_of_the_week_before_passes():
    week = before(100, 120, 80, 110, 90, 130, 70)  # median 100
    assert judged(week, 50)[0] and judged(week, 200)[0] and judged(week, 140)[0]


def test_a_day_outside_the_band_fails_and_says_how_far_out():
    week = before(100, 120, 80, 110, 90, 130, 70)
    passed, description = judged(week, 49)
    assert not passed
    assert "2018-09-10: 49 rows, 49% of the median 100 of the 7 days before it" in description
    assert not judged(week, 201)[0]
    assert not judged(week, 0)[0]  # a day whose rows were all quarantined, or never came


def test_only_the_seven_days_before_count_and_empty_days_are_not_usual():
    # Two empty days (no file) are left out; the day eight back is outside the week.
    counts = {**before(100, 0, 100, 0, 100, 100, 100), DAY - timedelta(days=8): 10_000}
    (volume,) = day_volumes({**counts, DAY: 60}, DayWindow(DAY, DAY + timedelta(days=1)))
    assert volume.history == (100, 100, 100, 100, 100)
    assert volume.usual == 100 and not volume.anomalous


def test_a_day_with_too_little_history_is_not_judged():
    passed, description = judged(before(100, 100), 0)
    assert passed
    assert "not judged: fewer than 3 earlier days" in description


def test_each_day_of_a_range_is_judged_against_its_own_week():
    counts = {DAY + timedelta(days=n): 100 for n in range(-7, 3)}
    counts[DAY + timedelta(days=1)] = 10
    volumes = day_volumes(counts, DayWindow(DAY, DAY + timedelta(days=3)))
    assert [v.anomalous for v in volumes] == [False, True, False]
    passed, _, metadata = volume_result(volumes)
    assert not passed
    assert metadata["anomalous_days"].value == ["2018-09-11"]

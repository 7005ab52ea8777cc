"""cloudadmin_text.ago: how long ago in one unit, in the reader's language,
without Django's ", " between two units or a space before the counter."""
from datetime import datetime, timedelta, timezone

from django.utils import translation

from cloudadmin.templatetags.cloudadmin_text import ago, list_separator

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)


def test_the_largest_unit_that_fits():
    cases = [(timedelta(seconds=20), "just now"), (timedelta(minutes=1), "1 minute ago"),
             (timedelta(minutes=65), "1 hour ago"), (timedelta(hours=49), "2 days ago"),
             (timedelta(days=15), "2 weeks ago"), (timedelta(days=400), "1 year ago")]
    for delta, expected in cases:
        assert ago(NOW - delta, NOW) == expected
    assert ago(None) == ""


def test_japanese_has_no_space_and_no_comma():
    with translation.override("ja"):
        assert ago(NOW - timedelta(minutes=9, seconds=30), NOW) == "9分前"
        assert ago(NOW - timedelta(hours=1, minutes=5), NOW) == "1時間前"
        assert list_separator() == "、"
    assert list_separator() == ", "

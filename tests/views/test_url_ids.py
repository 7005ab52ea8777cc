"""Ids in URLs: every pattern with an id takes one in the database's integer
range and nothing else, so an id too large for any database is a 404 (not a
500 on SQLite, not a 405 before the id is even looked at). The same check
runs on SQLite in tests/sqlite_pages.py."""
import pytest
from django.urls import converters, get_resolver

from cloudadmin.converters import IdConverter
from tests.urlcrawl import MISSING_ID, endpoints

pytestmark = pytest.mark.django_db

# The largest id the databases hold (bigint), and ids beyond it.
LARGEST_ID = 2**63 - 1
OVER_RANGE = [str(LARGEST_ID + 1), "99999999999999999999999"]
ID_PATHS = [path for _, path, _ in endpoints() if str(MISSING_ID) in path]


def _patterns(resolver):
    for entry in resolver.url_patterns:
        if hasattr(entry, "url_patterns"):
            yield from _patterns(entry)
        else:
            yield entry


def test_every_id_in_a_url_uses_the_bounded_converter():
    assert len(ID_PATHS) >= 15
    for entry in _patterns(get_resolver()):
        used = getattr(entry.pattern, "converters", {})
        assert not any(type(c) is converters.IntConverter for c in used.values()), str(entry.pattern)


@pytest.mark.parametrize("path", ID_PATHS)
@pytest.mark.parametrize("value", OVER_RANGE)
def test_an_id_beyond_the_integer_range_is_a_404(admin_client, path, value):
    url = path.replace(str(MISSING_ID), value)
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404


def test_the_largest_id_still_resolves():
    assert IdConverter().to_python(str(LARGEST_ID)) == LARGEST_ID
    with pytest.raises(ValueError):
        IdConverter().to_python(str(LARGEST_ID + 1))

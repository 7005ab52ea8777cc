"""URL converters: `<id:pk>` is every id in a URL.

Django's `<int:…>` takes any number of digits, and an id beyond the
databases' integer range then reaches the query: SQLite raises
OverflowError (a 500). Every model id here is a bigint, so the converter
refuses what no row can have, and the URL does not resolve (404).
"""
from django.urls import register_converter

LARGEST_ID = 2**63 - 1  # bigint, on PostgreSQL and SQLite alike


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError("id beyond the database's integer range")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    register_converter(IdConverter, "id")

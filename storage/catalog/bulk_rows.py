"""Inserting many new rows at once, for the scanner's first sight of a share.

`bulk_create` compiles one placeholder and one prepared parameter per value
through the ORM's expression machinery: at 100,000 new Templates (22
columns) that Python work, not PostgreSQL, was most of a first scan. On
PostgreSQL `insert_rows` sends one array per column instead and lets
`INSERT … SELECT … FROM unnest(…)` build the rows: the values are still
prepared by each field (`pre_save`, `get_db_prep_save`: defaults, auto_now,
JSON), only the SQL is written here. Elsewhere it is `bulk_create`.
"""
from __future__ import annotations

from django.db import connection, models


def insert_rows(model: type[models.Model], objs: list[models.Model], batch_size: int = 5000) -> None:
    """Insert `objs` (new, unsaved rows) like `bulk_create` without
    returning their primary keys. Sends no signal, as bulk_create."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    fields = [field for field in model._meta.concrete_fields
              if not (field.primary_key and isinstance(field, models.AutoField))]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT * FROM unnest({arrays})"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start:start + batch_size]
            cursor.execute(sql, [_column(field, batch) for field in fields])


# Fields whose plain Python values psycopg2 sends as they are: preparing
# each of them through the field (a chain of calls per value) only copies it.
PLAIN_FIELDS = {"CharField", "TextField", "BooleanField", "FloatField", "IntegerField", "BigIntegerField",
                "PositiveIntegerField", "PositiveBigIntegerField", "SmallIntegerField", "ForeignKey"}
PLAIN_TYPES = {int, str, float, bool, type(None)}


def _column(field: models.Field, batch: list[models.Model]) -> list:
    """The values of one column, as `bulk_create` would send them."""
    if type(field).pre_save is models.Field.pre_save:  # no default computed at save (auto_now...)
        values = [getattr(obj, field.attname) for obj in batch]
    else:
        values = [field.pre_save(obj, True) for obj in batch]
    if all(value is None for value in values):
        return values  # NULL whatever the field (deleted, swift_stored_at... of a new row)
    if field.get_internal_type() in PLAIN_FIELDS and all(type(value) in PLAIN_TYPES for value in values):
        return values
    return [field.get_db_prep_save(value, connection) for value in values]

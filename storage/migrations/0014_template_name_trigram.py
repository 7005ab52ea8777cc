"""A trigram index on the upper-cased template name: "Template id or name"
(name__icontains, UPPER(name) LIKE '%...%') on the dashboard and the Templates
list reads the matching rows instead of every template, and gives the
planner the matches' count. PostgreSQL only (make run's SQLite scans)."""
from django.db import migrations

INDEX = "template_name_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON storage_template "
                          "USING gin (UPPER(name::text) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('storage', '0013_template_deletion'),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

"""UUIDs, step 2 of 3: one uuid4 per existing row."""
import uuid

from django.db import migrations

MODELS = ['swiftstore', 'secondarystorage', 'template', 'transfer']


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("storage", name)
        for pk in model.objects.filter(uuid__isnull=True).values_list("pk", flat=True).iterator():
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("storage", "0006_uuid_add")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
